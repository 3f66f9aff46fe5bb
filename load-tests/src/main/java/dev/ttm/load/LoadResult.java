package dev.ttm.load;

import dev.ttm.protocol.invariants.Violation;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code ttm load} run measured, warm-up excluded from the totals (the timeline keeps it, marked).
 * Latencies are in nanoseconds; in the open model they count from each operation's intended start, and
 * {@code startDelayNs} is the part of them before a session began the operation (queueing in the load generator).
 */
public record LoadResult(
        LoadSettings settings,
        long seed,
        String label,
        double durationS,
        long ops,
        double opsPerS,
        Map<OpKind, KindStats> kinds,
        Counters counters,
        List<Sample> timeline,
        List<Violation> violations,
        long unanswered,
        Path dataDir,
        Path reportDir,
        Histogram startDelayNs) {

    /** One operation kind over the measured part of the run. */
    public record KindStats(OpKind kind, long count, Map<String, Long> outcomes, Histogram latencyNs, Histogram serviceNs) {
        /** Where the service time is not known apart: all of the latency is service. */
        public KindStats(OpKind kind, long count, Map<String, Long> outcomes, Histogram latencyNs) {
            this(kind, count, outcomes, latencyNs, latencyNs);
        }

        /** The service time's percentile: from when a session began the operation to its reply. */
        public long servicePercentileNs(double p) {
            return count == 0 || serviceNs.getTotalCount() == 0 ? 0 : serviceNs.getValueAtPercentile(p);
        }

        public long percentileNs(double p) {
            return count == 0 ? 0 : latencyNs.getValueAtPercentile(p);
        }

        public long maxNs() {
            return count == 0 ? 0 : latencyNs.getMaxValue();
        }

        public double meanNs() {
            return count == 0 ? 0 : latencyNs.getMean();
        }
    }

    /** The client operations' start delay at percentile {@code p} (0 in the closed model without think-time queueing). */
    public long startDelayPercentileNs(double p) {
        return startDelayNs == null || startDelayNs.getTotalCount() == 0 ? 0 : startDelayNs.getValueAtPercentile(p);
    }

    /** Model-side counts over the measured part of the run (from the decisions' events). */
    public record Counters(
            long evictions,
            long moves,
            long bytesMoved,
            long edeadlkBackoffs,
            long enomem,
            long ioReserves,
            long ioFrees,
            long faultMapped,
            long faultRetry,
            long faultSigbus,
            long faultOom,
            long fencesSignaled,
            long ghosts,
            long injected,
            long crashes) {}

    /**
     * One interval of the timeline (one per {@code ttm.load.sample-every}): {@code tS} is its end, seconds since the
     * clients started; rates are per second over the interval; usage is at its end. {@code p50Ns}/{@code p99Ns}/
     * {@code maxNs} are over every client operation of the interval; {@code kindP99Ns} per kind (absent: none ran).
     */
    public record Sample(
            double tS,
            boolean warmup,
            double opsPerS,
            long p50Ns,
            long p99Ns,
            long maxNs,
            Map<OpKind, Long> kindP99Ns,
            Map<OpKind, Long> kindCount,
            Map<String, Long> usedBytes,
            long windowUsedBytes,
            double evictionsPerS,
            double bytesMovedPerS) {}

    public double evictionsPerS() {
        return durationS <= 0 ? 0 : counters.evictions() / durationS;
    }
}
