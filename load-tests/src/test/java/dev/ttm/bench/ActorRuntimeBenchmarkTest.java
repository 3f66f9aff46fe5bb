package dev.ttm.bench;

import dev.ttm.protocol.model.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the actor benchmarks honest without timing anything: the ping-pong pairs bounce every message, the runtime
 * load evicts, answers every operation, counts its messages and leaves the invariants intact on every journal, each
 * benchmark method runs once, and the heap measurement gives a figure.
 */
class ActorRuntimeBenchmarkTest {
    @Test
    void bareTellBouncesEveryMessage() throws InterruptedException {
        try (BareTell b = new BareTell(3, 2)) {
            assertEquals(3, b.pairs());
            b.run(10_000);
            b.run(2); // fewer round trips than pairs: the idle pairs still report done
        }
    }

    @Test
    void runtimeLoadEvictsAndKeepsInvariants() {
        try (RuntimeLoad load = new RuntimeLoad("none", true, 4, 4)) {
            RuntimeLoad.Result r = load.run(2_000);
            assertEquals(2_000, r.operations());
            assertTrue(r.messages() > 3 * r.operations(), "every operation takes several entity messages: " + r);
            long answered = load.outcomes().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(2_000, answered, "every operation answered once: " + load.outcomes());
            assertTrue(load.evictions() > 0, "the load must evict");
            assertEquals(0, load.ttm.inFlight());
            assertTrue(load.violations().isEmpty(), () -> "violations: " + load.violations());
            RuntimeLoad.Result again = load.run(500); // runs back to back on the same system
            assertEquals(500, again.operations());
            assertTrue(load.totalBytes() > 192L << 20, "BOs must exceed VRAM + TT");
        }
    }

    @Test
    void journaledRuntimesRunTheSameLoad() throws Exception {
        for (String journal : new String[]{"memory", "leveldb"}) {
            Path dir;
            try (RuntimeLoad load = new RuntimeLoad(journal, true, 2, 4, "cores")) {
                dir = load.dataDir();
                RuntimeLoad.Result r = load.run(300);
                assertTrue(r.messages() > r.operations(), journal + ": " + r);
                assertTrue(load.violations().isEmpty(), () -> journal + ": " + load.violations());
                Map<Outcome, Long> outcomes = load.outcomes();
                assertEquals(300, outcomes.values().stream().mapToLong(Long::longValue).sum(), journal + ": " + outcomes);
                if (journal.equals("leveldb")) {
                    try (Stream<Path> files = Files.walk(dir.resolve("journal"))) {
                        assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".log")), "a LevelDB journal under " + dir);
                    }
                }
            }
            assertFalse(Files.exists(dir), "the temporary data directory is removed");
        }
    }

    @Test
    void eachBenchmarkMethodRunsOnce() throws InterruptedException {
        ActorRuntimeBenchmark bench = new ActorRuntimeBenchmark();
        ActorRuntimeBenchmark.Counters c = new ActorRuntimeBenchmark.Counters();

        ActorRuntimeBenchmark.Bare bare = new ActorRuntimeBenchmark.Bare();
        bare.pairs = 2;
        bare.pingWindow = 1;
        bare.dispatcher = "default";
        bare.setUp();
        try {
            c.clean();
            bench.bareTell(bare, c);
            assertEquals(ActorRuntimeBenchmark.BARE_MESSAGES, c.messages);
        } finally {
            bare.tearDown();
        }

        ActorRuntimeBenchmark.JournalNoneCheckOn s = new ActorRuntimeBenchmark.JournalNoneCheckOn();
        s.clients = 2;
        s.opsWindow = 2;
        s.dispatcher = "cores";
        s.setUp();
        try {
            c.clean();
            long messages = bench.runtimeJournalNoneCheckOn(s, c);
            assertEquals(ActorRuntimeBenchmark.OPS, c.operations);
            assertEquals(messages, c.messages);
            assertTrue(c.msgsPerCpuSec > 0);
        } finally {
            s.tearDown(); // fails on any invariant violation
        }
    }

    @Test
    void heapPerBoGivesAFigure() {
        HeapPerBo.Result r = HeapPerBo.measure(2_000, "system", 16, 5);
        assertTrue(r.bytesPerBo() > 100, "a BO costs something: " + r.bytesPerBo());
        assertEquals(5, r.topClasses().size(), () -> "class histogram: " + r.topClasses());
        HeapPerBo.Result bare = HeapPerBo.measure(2_000, "pekko", 1, 3);
        assertTrue(bare.bytesPerBo() > 100, "an actor costs something: " + bare.bytesPerBo());
    }
}
