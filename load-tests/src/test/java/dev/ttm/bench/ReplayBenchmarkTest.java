package dev.ttm.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the replay benchmark's code path on a small journal: the recorded workload folds without violation or divergence. */
class ReplayBenchmarkTest {
    @Test
    void recordedWorkloadFoldsCleanly() {
        ReplayBenchmark.Generated g = ReplayBenchmark.generate(20_000);
        assertTrue(g.events() >= 20_000, "events: " + g.events());
        ReplayBenchmark.Pass p = ReplayBenchmark.fold(g);
        assertEquals(g.entries().size(), p.result().entries());
        assertEquals(g.events(), p.result().events());
        assertTrue(p.result().violations().isEmpty());
        // The fold's digest is hashed on another thread in batches; on the caller's thread, entry by entry, it is the same.
        dev.ttm.protocol.journal.JournalFold inline = new dev.ttm.protocol.journal.JournalFold(g.device(), false);
        for (dev.ttm.protocol.journal.JournalEntry e : g.entries()) inline.apply(e);
        assertEquals(inline.finish(), p.result());
    }
}
