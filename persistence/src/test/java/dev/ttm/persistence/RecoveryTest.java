package dev.ttm.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.RecoveryReport;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.StateDigest;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Stop a system, start a new one on the same LevelDB data directory, and every BO's, region's and the IO manager's
 * state is recovered exactly (digest equality, read through the monitor, whose shadow model is rebuilt from what the
 * entities replayed and checked against each entity's own recovered state); stamps go on after the last one, and the
 * recovered model works on: held reservations, pins, a ghost waiting for its fence, busy BOs. Once with the regions
 * recovering from their journals alone (native LevelDB where it loads), once from snapshots taken every few entries
 * (the pure-Java LevelDB).
 */
@ExtendWith(LogCapturingExtension.class)
class RecoveryTest {
    static final Placement VRAM = Placement.of(Place.of("VRAM"));
    static final Placement TT = Placement.of(Place.of("TT"));
    static final long KIB64 = 64 * 1024;

    static Config config(Path dir, int snapshotEvery, boolean nativeLevelDb) {
        return ConfigFactory.parseString("""
                ttm {
                  journal = leveldb
                  data-dir = "%s"
                  regions = [
                    { name = VRAM, size = 256KiB, visible = 64KiB }
                    { name = TT, size = 512KiB }
                  ]
                  actors.snapshot-every = %d
                  persistence.native = %s
                }
                pekko.loglevel = INFO
                pekko.persistence.query.journal.leveldb.write-plugin = "pekko.persistence.journal.leveldb"
                """.formatted(dir.toString().replace("\\", "\\\\"), snapshotEvery, nativeLevelDb ? "on" : "off"))
                .withFallback(ConfigFactory.load());
    }

    @Test
    void everyEntityRecoversExactlyFromItsJournal(@TempDir Path dir) {
        RecoveryReport r = recoversExactly(dir, 0, true);
        assertEquals(0, r.fromSnapshots());
        assertTrue(r.entries() > 40, "the entities recovered from their journals: " + r);
        assertTrue(!Files.exists(dir.resolve("snapshots")) || list(dir.resolve("snapshots")).isEmpty(), "no snapshot was to be taken");
    }

    @Test
    void regionsRecoverExactlyFromTheirSnapshots(@TempDir Path dir) {
        RecoveryReport r = recoversExactly(dir, 3, false);
        assertEquals(3, r.fromSnapshots(), "VRAM, TT and SYSTEM recovered from snapshots: " + r);
        List<String> snaps = list(dir.resolve("snapshots"));
        assertTrue(snaps.stream().anyMatch(f -> f.contains("region:VRAM")), "VRAM snapshots: " + snaps);
        assertTrue(snaps.stream().noneMatch(f -> f.contains("bo:")), "only regions take snapshots: " + snaps);
    }

    @Test
    void withoutAMonitorEveryEntityRecoversAllTheSame(@TempDir Path dir) {
        Config off = ConfigFactory.parseString("ttm.check = off").withFallback(config(dir, 2, true));
        try (TtmSystem ttm = TtmSystem.start(off)) {
            workload(ttm);
            quiesce(ttm);
        }
        try (TtmSystem ttm = TtmSystem.start(off)) {
            RecoveryReport r = join(ttm.recovery());
            assertEquals(ttm.device().regions().size() + 1 + 6, r.entities(), "the regions, the IO manager and the six BOs: " + r);
            assertEquals(Outcome.OK, join(ttm.unreserve("F", "keeper")).outcome(), "F's reservation was recovered");
            assertEquals(Outcome.OK, join(ttm.signal("D")).outcome());
            quiesce(ttm);
        }
        // and a start with the monitor finds the model those two runs left, every entity agreeing with its journal
        try (TtmSystem ttm = TtmSystem.start(config(dir, 2, true))) {
            assertEquals(List.of(), join(ttm.recovery()).mismatches());
            assertEquals(List.of(), join(ttm.invariants()));
            boolean free = join(ttm.read(v -> v.bo("F").holder() == null));
            assertTrue(free, "F was left unreserved");
        }
    }

    @Test
    void aJournalThatDoesNotFitTheDeviceFailsTheStartAtOnceSayingWhich(@TempDir Path dir) {
        try (TtmSystem ttm = TtmSystem.start(config(dir, 0, true))) {
            for (String bo : List.of("A", "B", "C", "D")) assertEquals(Outcome.OK, join(ttm.create(bo, KIB64, VRAM)).outcome(), bo);
            quiesce(ttm);
        }
        // VRAM is a quarter of what it was: its journal allocates pages the region no longer has
        Config smaller = ConfigFactory.parseString("ttm.regions = [ { name = VRAM, size = 64KiB, visible = 64KiB }, { name = TT, size = 512KiB } ]")
                .withFallback(config(dir, 0, true));
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TtmSystem.start(smaller));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "reported after " + took);
        assertTrue(e.getMessage().contains("was written by a system on another device"), e.getMessage());
        assertTrue(e.getMessage().contains("sizePages=64") && e.getMessage().contains("sizePages=16"), "both devices named: " + e.getMessage());
        // the failed start gave the directory up
        try (TtmSystem ttm = TtmSystem.start(config(dir, 0, true))) {
            assertEquals(4, (int) join(ttm.read(v -> v.bos().size())));
        }
    }

    /**
     * A start that fails stops its actor system while other entities still replay their journals: the journal must
     * not close LevelDB under a running replay (with the native library that crashes the JVM). Many BOs replay while
     * VRAM fails at once, several times over; the directory is usable after each.
     */
    @Test
    void aSystemStoppedWhileItsEntitiesRecoverLeavesTheJournalIntact(@TempDir Path dir) {
        Config config = ConfigFactory.parseString("ttm.check = off").withFallback(config(dir, 0, true));
        try (TtmSystem ttm = TtmSystem.start(config)) {
            for (String bo : List.of("A", "B", "C", "D")) assertEquals(Outcome.OK, join(ttm.create(bo, KIB64, VRAM)).outcome(), bo);
            List<CompletionStage<?>> made = new ArrayList<>();
            for (int i = 0; i < BUSY_BOS; i++) {
                String b = "s" + i;
                made.add(ttm.create(b, 4096, null).thenCompose(r -> ttm.fault(b, 0)));
            }
            made.forEach(RecoveryTest::join);
            quiesce(ttm);
        }
        Config smaller = ConfigFactory.parseString("ttm.regions = [ { name = VRAM, size = 64KiB, visible = 64KiB }, { name = TT, size = 512KiB } ]")
                .withFallback(config);
        for (int i = 0; i < 4; i++) assertThrows(IllegalStateException.class, () -> TtmSystem.start(smaller));
        try (TtmSystem ttm = TtmSystem.start(config)) {
            assertEquals(4 + BUSY_BOS + ttm.device().regions().size() + 1, join(ttm.recovery()).entities());
        }
    }

    static final int BUSY_BOS = 300;

    /** The whole story; returns what the second start recovered. */
    private RecoveryReport recoversExactly(Path dir, int snapshotEvery, boolean nativeLevelDb) {
        Config config = config(dir, snapshotEvery, nativeLevelDb);
        Map<String, String> before;
        long stampsBefore;
        try (TtmSystem ttm = TtmSystem.start(config)) {
            assertEquals(ttm.device().regions().size() + 1, join(ttm.recovery()).entities(), "a new directory: only the regions and the IO manager");
            workload(ttm);
            quiesce(ttm);
            assertEquals(List.of(), join(ttm.invariants()));
            before = digests(ttm);
            stampsBefore = ttm.wiring().lastStamp();
            BoState d = join(ttm.read(v -> v.bo("D")));
            assertTrue(d.busy() && d.ghostCount() > 0 || join(ttm.read(v -> v.region("VRAM").ghosts().size())) > 0,
                    "D's pipelined move left a ghost waiting for its fence");
        }
        assertTrue(before.size() >= 9, "BOs, regions and IO: " + before.keySet());

        RecoveryReport report;
        try (TtmSystem ttm = TtmSystem.start(config)) {
            report = join(ttm.recovery());
            assertEquals(List.of(), report.mismatches());
            assertEquals(before.size(), report.entities(), "every BO, region and the IO manager recovered");
            assertTrue(report.lastStamp() > 0 && report.lastStamp() <= stampsBefore, "last stamp " + report.lastStamp() + " of " + stampsBefore);
            assertEquals(before, digests(ttm), "the recovered model differs from the one stopped");
            assertEquals(List.of(), join(ttm.invariants()));

            // The recovered model works on, from where it was.
            assertEquals(Outcome.OK, join(ttm.unreserve("F", "keeper")).outcome(), "F's reservation was recovered");
            assertEquals(Outcome.OK, join(ttm.unpin("A", null)).outcome(), "A's pin was recovered");
            assertEquals(Outcome.OK, join(ttm.signal("D")).outcome());
            assertEquals(Outcome.OK, join(ttm.create("G", KIB64, VRAM)).outcome());
            join(ttm.execbuf(List.of(new Execbuf.Entry("G", TT), new Execbuf.Entry("B", VRAM)), 9, true));
            assertEquals(Outcome.OK, join(ttm.signal("G")).outcome());
            join(ttm.fault("C", 0));
            assertEquals(Outcome.OK, join(ttm.evictAll("VRAM")).outcome());
            quiesce(ttm);
            assertTrue(ttm.wiring().lastStamp() > report.lastStamp(), "stamps go on after the recovered ones");
            assertEquals(List.of(), join(ttm.invariants()));
            assertEquals(0L, (long) join(ttm.read(v -> v.region("VRAM").ghosts().size())), "D's ghost went when its fence signalled");
            before = digests(ttm);
        }

        // A third start recovers what the second one did, and the journal shows one stamp order across the runs (read
        // with Pekko's LeveldbReadJournal, which wants the stock journal class).
        Config stock = ConfigFactory.parseString("pekko.persistence.journal.leveldb.class = \"org.apache.pekko.persistence.journal.leveldb.LeveldbJournal\"")
                .withFallback(config);
        try (TtmSystem ttm = TtmSystem.start(stock)) {
            assertEquals(before, digests(ttm));
            List<Recorded> a = journal(ttm, "bo:A");
            List<Recorded> g = journal(ttm, "bo:G");
            assertTrue(a.size() > 3 && !g.isEmpty());
            for (int i = 1; i < a.size(); i++) assertTrue(a.get(i).stamp() > a.get(i - 1).stamp(), "A's stamps go up: " + stamps(a));
            assertNotEquals(a.get(0).runId(), a.get(a.size() - 1).runId(), "A has entries of both runs");
            assertTrue(g.get(0).stamp() > report.lastStamp(), "G, made after the restart, has later stamps than anything before it");
        }
        return report;
    }

    /** Creates, reserves, validates with eviction, faults, fences and signals, a kmap, a pin, an execbuf; a ghost left pending. */
    static void workload(TtmSystem ttm) {
        for (String bo : List.of("A", "B", "C", "D")) assertEquals(Outcome.OK, join(ttm.create(bo, KIB64, VRAM)).outcome(), bo); // VRAM full
        assertEquals(Outcome.OK, join(ttm.create("E", KIB64, TT)).outcome());
        assertEquals(Outcome.OK, join(ttm.create("F", 2 * KIB64, null)).outcome()); // SYSTEM
        assertEquals(Outcome.OK, join(ttm.reserve("E", "k", null, false)).outcome());
        assertEquals(Outcome.OK, join(ttm.validate("E", VRAM, "k", false)).outcome()); // evicts A, the least recently used
        assertEquals(Outcome.OK, join(ttm.kmap("E", "k")).outcome());
        assertEquals(Outcome.OK, join(ttm.kunmap("E", "k")).outcome());
        assertEquals(Outcome.OK, join(ttm.unreserve("E", "k")).outcome());
        join(ttm.fault("B", 0)); // into the window, evicting if it must
        join(ttm.fault("A", 1));
        assertEquals(Outcome.OK, join(ttm.fence("C")).outcome());
        assertEquals(Outcome.OK, join(ttm.validate("C", TT, null, false)).outcome()); // busy: a pipelined move
        assertEquals(Outcome.OK, join(ttm.signal("C")).outcome());
        join(ttm.execbuf(List.of(new Execbuf.Entry("B", VRAM), new Execbuf.Entry("E", TT)), 7, true));
        assertEquals(Outcome.OK, join(ttm.signal("B")).outcome());
        assertEquals(Outcome.OK, join(ttm.signal("E")).outcome());
        assertEquals(Outcome.OK, join(ttm.pin("A", null, null)).outcome());
        assertEquals(Outcome.OK, join(ttm.fence("D")).outcome());
        assertEquals(Outcome.OK, join(ttm.validate("D", TT, null, false)).outcome()); // D's old pages wait in a ghost for its fence
        assertEquals(Outcome.OK, join(ttm.reserve("F", "keeper", null, false)).outcome()); // held across the restart
    }

    static void quiesce(TtmSystem ttm) {
        assertTrue(ttm.awaitQuiescence(Duration.ofSeconds(30)), "the model did not quiesce");
    }

    /** The digest of every BO's, region's and the IO manager's state, as the monitor folded them. */
    static Map<String, String> digests(TtmSystem ttm) {
        return join(ttm.read(StateDigest::perEntity));
    }

    /** An entity's journal as the LevelDB read journal gives it. */
    static List<Recorded> journal(TtmSystem ttm, String persistenceId) {
        LeveldbReadJournal q = PersistenceQuery.get(ttm.actorSystem()).getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
        List<EventEnvelope> es = join(q.currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE).runWith(Sink.seq(), ttm.actorSystem()));
        List<Recorded> out = new ArrayList<>();
        for (EventEnvelope e : es) out.add((Recorded) e.event());
        return out;
    }

    static List<Long> stamps(List<Recorded> rs) {
        return rs.stream().map(Recorded::stamp).toList();
    }

    static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> URLDecoder.decode(p.getFileName().toString(), StandardCharsets.UTF_8)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T join(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer: " + e, e);
        }
    }
}
