package dev.ttm.actors;

import static dev.ttm.actors.TestSystems.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.runtime.CrashReport;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.model.StateDigest;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Actor crashes on the in-memory journal ({@link TtmSystem#crash}): an entity throws, its supervisor restarts it and
 * it recovers from its journal. At a quiet moment every BO, region and the IO manager comes back with exactly the
 * state it had (its own digest before and after, and the monitor's views); in the middle of an eviction, with
 * requests queued behind, nothing is lost and every request is answered once. {@link CrashUnderLoadTest} does it
 * under the concurrent load; the persistence module's CrashInjectionLevelDbTest on LevelDB with region snapshots.
 */
@ExtendWith(LogCapturingExtension.class)
class CrashInjectionTest {
    static final Placement VRAM = Placement.of(Place.of("VRAM"));
    static final Placement TT = Placement.of(Place.of("TT"));
    static final long KIB64 = 64 * 1024;

    static Config config(String journal) {
        return ConfigFactory.parseString("""
                ttm {
                  journal = %s
                  regions = [
                    { name = VRAM, size = 256KiB, visible = 64KiB }
                    { name = TT, size = 512KiB }
                  ]
                }
                pekko.persistence.journal.inmem.test-serialization = on
                """.formatted(journal)).withFallback(TestSystems.small(""));
    }

    @Test
    void everyEntityCrashedAtAQuietMomentRecoversExactlyTheStateItHad() {
        try (TtmSystem ttm = TtmSystem.start(config("memory"))) {
            workload(ttm);
            quiesce(ttm);
            Map<String, String> before = digests(ttm);
            List<String> entities = new ArrayList<>(before.keySet());
            // each twice: the second crash recovers a journal the first restart already recovered
            for (int round = 0; round < 2; round++)
                for (String e : entities) {
                    CrashReport r = join(ttm.crash(e));
                    assertTrue(r.sameState(), r::toString);
                    assertEquals(before.get(e), r.digestAfter(), e + ": the entity's state and the monitor's fold of it");
                    assertEquals(0, r.deferredBy(), "quiescent: it threw on arrival: " + r);
                    assertTrue(r.replayed() > 0 || e.equals("io"), "it replayed its journal: " + r);
                }
            quiesce(ttm);
            assertEquals(before, digests(ttm));
            assertEquals(List.of(), join(ttm.invariants()));
            // and the model works on from there
            assertEquals(Outcome.OK, join(ttm.unreserve("F", "keeper")).outcome(), "F's reservation survived");
            assertEquals(Outcome.OK, join(ttm.unpin("A", null)).outcome(), "A's pin survived");
            assertEquals(Outcome.OK, join(ttm.signal("D")).outcome());
            assertEquals(Outcome.OK, join(ttm.evictAll("VRAM")).outcome());
            quiesce(ttm);
            assertEquals(List.of(), join(ttm.invariants()));
            assertEquals(0L, (long) join(ttm.read(v -> v.region("VRAM").ghosts().size())), "D's ghost went when its fence signalled");
        }
    }

    /**
     * E asks VRAM for room (VRAM is full and A, busy, is evicted by a pipelined move) and is told to crash right behind
     * that request, with more of its requests queued after: it throws once its decision is written and its request to
     * VRAM is out (if the crash came while it was writing, it waits for the write), so while it waits for VRAM's
     * answer; how far the rest has come then depends on the schedule. VRAM and the victim are crashed in the middle of
     * the eviction too, and the IO manager, and E a second time. Every request gets its one answer, as without the
     * crashes. (That a crash that comes during a write waits for it is asserted under load, where it happens often:
     * CrashUnderLoadTest.)
     */
    @Test
    void aBoCrashedWhileItWaitsForAnEvictionLosesNothing() {
        try (TtmSystem ttm = TtmSystem.start(config("memory"))) {
            for (String bo : List.of("A", "B", "C", "D")) assertEquals(Outcome.OK, join(ttm.create(bo, KIB64, VRAM)).outcome(), bo); // VRAM full
            assertEquals(Outcome.OK, join(ttm.create("E", KIB64, TT)).outcome());
            assertEquals(Outcome.OK, join(ttm.reserve("E", "k", null, false)).outcome());
            assertEquals(Outcome.OK, join(ttm.fence("A")).outcome()); // A is busy: its eviction is a pipelined move
            quiesce(ttm);

            CompletionStage<Reply> validate = ttm.validate("E", VRAM, "k", false);
            CompletionStage<CrashReport> crashE = ttm.crash("E");
            CompletionStage<CrashReport> crashVram = ttm.crash("VRAM");
            CompletionStage<CrashReport> crashA = ttm.crash("A");
            CompletionStage<Reply> kmap = ttm.kmap("E", "k");
            CompletionStage<Reply> fault = ttm.fault("E", 0);
            CompletionStage<Reply> waiter = ttm.reserve("E", "w", null, false); // waits for k's reservation
            CompletionStage<CrashReport> crashIo = ttm.crash("io");
            CompletionStage<CrashReport> crashE2 = ttm.crash("bo:E"); // a second crash of E goes out once the first is done

            assertEquals(Outcome.OK, join(validate).outcome(), "E moved into VRAM");
            CrashReport e = join(crashE);
            assertTrue(e.sameState(), e::toString);
            System.out.println("CrashInjectionTest: " + e); // deferredBy > 0 when the request came while E was writing (usually)
            for (CompletionStage<CrashReport> c : List.of(crashVram, crashA, crashIo, crashE2)) {
                CrashReport r = join(c);
                assertTrue(r.sameState(), r::toString);
            }
            assertEquals(Outcome.OK, join(kmap).outcome());
            Reply f = join(fault);
            assertTrue(f.outcome() == Outcome.RETRY || f.outcome() == Outcome.OK, "a fault on a reserved BO: " + f);
            assertEquals(Outcome.OK, join(ttm.kunmap("E", "k")).outcome());
            assertTrue(!waiter.toCompletableFuture().isDone(), "w waits behind k's reservation");
            assertEquals(Outcome.OK, join(ttm.unreserve("E", "k")).outcome());
            assertEquals(Outcome.OK, join(waiter).outcome(), "w's queued reserve survived the crashes and is answered");
            assertEquals(Outcome.OK, join(ttm.unreserve("E", "w")).outcome());
            assertEquals(Outcome.OK, join(ttm.signal("A")).outcome());
            quiesce(ttm);
            assertEquals(List.of(), join(ttm.invariants()));
            BoState bo = join(ttm.read(v -> v.bo("E")));
            assertTrue(bo.holder() == null && bo.resource() != null && bo.waiterCount() == 0 && bo.op() == null, "E has its pages and is free: " + StateDigest.render(bo));
            assertEquals(0L, (long) join(ttm.read(v -> v.region("VRAM").ghosts().size())), "A's ghost went with its fence");
        }
    }

    @Test
    void withoutAJournalACrashIsRefused() {
        try (TtmSystem ttm = TtmSystem.start(config("none"))) {
            assertEquals(Outcome.OK, join(ttm.create("A", KIB64, VRAM)).outcome());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ttm.crash("A"));
            assertTrue(e.getMessage().contains("ttm.journal = none"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> ttm.wiring().crash(new Address.Bo("A")));
        }
    }

    @Test
    void onlyBosRegionsAndTheIoManagerCanBeCrashed() {
        try (TtmSystem ttm = TtmSystem.start(config("memory"))) {
            assertThrows(IllegalArgumentException.class, () -> ttm.crash("nobody"));
            assertThrows(IllegalArgumentException.class, () -> ttm.crash("region:nowhere"));
            assertThrows(IllegalArgumentException.class, () -> ttm.crash("exec:1"));
            assertThrows(IllegalArgumentException.class, () -> ttm.wiring().crash(new Address.Client("api")));
            assertTrue(join(ttm.crash("TT")).sameState(), "a bare region name");
        }
    }

    /** The workload of RecoveryTest: a reservation held, a pin, a ghost waiting for its fence, evictions. */
    static void workload(TtmSystem ttm) {
        for (String bo : List.of("A", "B", "C", "D")) assertEquals(Outcome.OK, join(ttm.create(bo, KIB64, VRAM)).outcome(), bo);
        assertEquals(Outcome.OK, join(ttm.create("E", KIB64, TT)).outcome());
        assertEquals(Outcome.OK, join(ttm.create("F", 2 * KIB64, null)).outcome());
        assertEquals(Outcome.OK, join(ttm.reserve("E", "k", null, false)).outcome());
        assertEquals(Outcome.OK, join(ttm.validate("E", VRAM, "k", false)).outcome()); // evicts A
        assertEquals(Outcome.OK, join(ttm.unreserve("E", "k")).outcome());
        join(ttm.fault("B", 0));
        assertEquals(Outcome.OK, join(ttm.pin("A", null, null)).outcome());
        assertEquals(Outcome.OK, join(ttm.fence("D")).outcome());
        assertEquals(Outcome.OK, join(ttm.validate("D", TT, null, false)).outcome()); // D's old pages wait in a ghost
        assertEquals(Outcome.OK, join(ttm.reserve("F", "keeper", null, false)).outcome());
    }

    static void quiesce(TtmSystem ttm) {
        assertTrue(ttm.awaitQuiescence(Duration.ofSeconds(30)), () -> "not quiescent: " + ttm.inFlight() + " in flight");
    }

    /** Every BO's, region's and the IO manager's digest, as the monitor folded them, by the names crash() takes. */
    static Map<String, String> digests(TtmSystem ttm) {
        return join(ttm.read(StateDigest::perEntity));
    }
}
