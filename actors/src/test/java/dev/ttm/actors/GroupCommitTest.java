package dev.ttm.actors;

import static dev.ttm.actors.TestSystems.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.runtime.CrashReport;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.javadsl.StashOverflowException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Group commit (docs/runtime.md, "Group commit") on the in-memory journal, entries serialized: a burst of requests to
 * one entity is decided in fewer journal writes than entries, every request is answered once and as without it, and
 * every entity recovers from its grouped journal exactly the state it had live (and the monitor folded). With
 * {@code max-batch = 1} every write holds one entry; past {@code capacity} the entity fails loudly.
 */
@ExtendWith(LogCapturingExtension.class)
class GroupCommitTest {
    static final Placement TT = Placement.of(Place.of("TT"));
    static final long KIB64 = 64 * 1024;
    static final int BURST = 300;

    static Config config(String groupCommit) {
        return ConfigFactory.parseString("""
                ttm.actors.group-commit { %s }
                pekko.persistence.journal.inmem.test-serialization = on
                """.formatted(groupCommit)).withFallback(TestSystems.small(""));
    }

    @Test
    void aBurstToOneEntityGoesInFewerWritesAndRecoversTheStateItHadLive() {
        try (TtmSystem ttm = TtmSystem.start(config(""))) {
            List<CompletionStage<Reply>> creates = new ArrayList<>();
            for (int i = 0; i < 8; i++) creates.add(ttm.create("B" + i, KIB64, TT)); // TT's manager gets them all at once
            for (CompletionStage<Reply> c : creates) assertEquals(Outcome.OK, join(c).outcome());

            // Owners queue for B1's reservation and hand it on, each decision journaled, B1's and TT's (the LRU bumps).
            long writes = ttm.wiring().journalWrites(), entries = ttm.wiring().journalEntries();
            List<CompletionStage<Reply>> reserves = new ArrayList<>(), unreserves = new ArrayList<>();
            for (int i = 0; i < BURST; i++) reserves.add(ttm.reserve("B1", "o" + i, null, false));
            for (int i = 0; i < BURST; i++) unreserves.add(ttm.unreserve("B1", "o" + i));
            for (int i = 0; i < BURST; i++) {
                assertEquals(Outcome.OK, join(reserves.get(i)).outcome(), "o" + i + " had its turn");
                assertEquals(Outcome.OK, join(unreserves.get(i)).outcome(), "o" + i + " handed it on");
            }
            long w = ttm.wiring().journalWrites() - writes, e = ttm.wiring().journalEntries() - entries;
            System.out.printf("GroupCommitTest: %d reserves and unreserves, %d entries in %d writes%n", 2 * BURST, e, w);
            assertTrue(e > w, "a burst to one BO goes in groups: " + e + " entries in " + w + " writes");

            List<CompletionStage<Reply>> faults = new ArrayList<>();
            for (int i = 0; i < BURST; i++) faults.add(ttm.fault("B" + (i % 2), i % 16));
            for (CompletionStage<Reply> f : faults) {
                Outcome o = join(f).outcome();
                assertTrue(o == Outcome.OK || o == Outcome.MAPPED || o == Outcome.RETRY, o::toString);
            }

            // Decisions that journal nothing (refused nowait reservations) wait in a batch behind those that do.
            List<CompletionStage<Reply>> nowait = new ArrayList<>();
            for (int i = 0; i < 50; i++) nowait.add(ttm.reserve("B2", "o" + i, null, true));
            assertEquals(Outcome.OK, join(nowait.get(0)).outcome());
            for (int i = 1; i < nowait.size(); i++) assertEquals(Outcome.EBUSY, join(nowait.get(i)).outcome(), "o" + i);
            assertEquals(Outcome.OK, join(ttm.unreserve("B2", "o0")).outcome());

            CrashInjectionTest.quiesce(ttm);
            assertEquals(List.of(), join(ttm.invariants()));
            Map<String, String> live = CrashInjectionTest.digests(ttm);
            for (String entity : live.keySet()) {
                CrashReport r = join(ttm.crash(entity));
                assertTrue(r.sameState(), r::toString);
                assertEquals(live.get(entity), r.digestAfter(), entity + ": recovered from its grouped journal, as the monitor folded it live");
            }
            CrashInjectionTest.quiesce(ttm);
            assertEquals(live, CrashInjectionTest.digests(ttm));
        }
    }

    @Test
    void maxBatchOneWritesOneEntryAtATime() {
        try (TtmSystem ttm = TtmSystem.start(config("max-batch = 1"))) {
            assertEquals(Outcome.OK, join(ttm.create("B", KIB64, TT)).outcome());
            List<CompletionStage<Reply>> faults = new ArrayList<>();
            for (int i = 0; i < 100; i++) faults.add(ttm.fault("B", i % 16));
            for (CompletionStage<Reply> f : faults) join(f);
            CrashInjectionTest.quiesce(ttm);
            assertEquals(ttm.wiring().journalWrites(), ttm.wiring().journalEntries());
            assertEquals(List.of(), join(ttm.invariants()));
        }
    }

    @Test
    void holdingMoreThanTheCapacityFailsTheEntityLoudly() {
        try (TtmSystem ttm = TtmSystem.start(config("capacity = 2"))) {
            assertEquals(Outcome.OK, join(ttm.create("B", KIB64, TT)).outcome());
            LoggingTestKit.error(StashOverflowException.class).withMessageContains("ttm.actors.group-commit.capacity is 2")
                    .expect(ttm.actorSystem(), () -> {
                        for (int i = 0; i < BURST; i++) ttm.reserve("B", "o" + i, null, false);
                        return null;
                    });
        }
    }
}
