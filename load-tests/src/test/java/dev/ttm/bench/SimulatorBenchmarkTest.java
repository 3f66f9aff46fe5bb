package dev.ttm.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the benchmark's workload honest: it runs, it evicts, and the invariant checker finds nothing. */
class SimulatorBenchmarkTest {
    @Test
    void workloadRunsUnderEvictionPressureWithoutViolations() {
        SimulatorBenchmark.Workload w = new SimulatorBenchmark.Workload(true);
        long before = w.sim.delivered();
        w.run(3_000);
        assertEquals(3_000, w.sim.delivered() - before);
        w.verify();
        long evictions = 0;
        for (var bo : w.sim.bos()) evictions += bo.evictions();
        assertTrue(evictions > 0, "the workload must evict");
        assertTrue(w.totalBytes() > 192L << 20, "BOs must exceed VRAM + TT");
    }

    @Test
    void workloadIsDeterministic() {
        SimulatorBenchmark.Workload a = new SimulatorBenchmark.Workload(false);
        SimulatorBenchmark.Workload b = new SimulatorBenchmark.Workload(false);
        a.run(SimulatorBenchmark.BATCH);
        b.run(SimulatorBenchmark.BATCH);
        assertEquals(a.requests, b.requests);
        assertEquals(a.sim.eventsApplied(), b.sim.eventsApplied());
    }
}
