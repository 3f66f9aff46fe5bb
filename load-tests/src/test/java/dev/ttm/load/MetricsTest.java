package dev.ttm.load;

import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.RegionConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The split of an operation's latency into start delay and service time, and what warm-up leaves out. */
class MetricsTest {
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.SIMPLE, 0,
            List.of(new RegionConfig("VRAM", 16, 4, false, List.of("TT", "SYSTEM"), false), new RegionConfig("TT", 32, 0, true, List.of("SYSTEM"), false)),
            List.of());

    /** Within the histograms' precision: 2 significant digits for the split, 3 for latency. */
    static void near(long expectedNs, long actualNs) {
        assertTrue(Math.abs(actualNs - expectedNs) <= expectedNs / 50, "expected about " + expectedNs + " ns, got " + actualNs);
    }

    @Test
    void latencyIsStartDelayPlusServiceAndWarmupIsNotCounted() {
        Metrics m = new Metrics(new ModelCounters(DEVICE));
        m.start(0);
        m.record(OpKind.FAULT, 900_000_000, 900_000_000, "MAPPED"); // warm-up: must not reach the totals
        m.sample(1_000_000_000L, 0, true);
        m.warmupEnded();
        for (int i = 0; i < 99; i++) m.record(OpKind.FAULT, 5_000_000, 1_000_000, "MAPPED"); // 4 ms waiting to start, 1 ms served
        m.record(OpKind.FAULT, 50_000_000, 2_000_000, "RETRY");
        m.record(OpKind.SIGNAL, 7_000_000, "OK"); // not a client operation: no start delay of its own
        m.record(OpKind.UNPIN, 3_000_000, "OK"); // a step with no intended start: counted, but no start delay
        m.sample(2_000_000_000L, 0, false);

        LoadResult.KindStats fault = m.kinds().get(OpKind.FAULT);
        assertEquals(100, fault.count());
        near(5_000_000, fault.percentileNs(50));
        near(50_000_000, fault.maxNs());
        near(1_000_000, fault.servicePercentileNs(50));
        near(2_000_000, fault.servicePercentileNs(100));
        var delay = m.startDelay();
        assertEquals(100, delay.getTotalCount(), "one start delay per operation with an intended start, none for the signal or the unpin");
        near(4_000_000, delay.getValueAtPercentile(50));
        near(48_000_000, delay.getMaxValue());
        LoadResult.KindStats signal = m.kinds().get(OpKind.SIGNAL);
        near(7_000_000, signal.servicePercentileNs(50));
        near(7_000_000, signal.percentileNs(50));
        near(3_000_000, m.kinds().get(OpKind.UNPIN).servicePercentileNs(50));
    }
}
