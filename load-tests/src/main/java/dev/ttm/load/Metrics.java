package dev.ttm.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The run's measurements. Clients record each operation's latency ({@link #record}) from any thread into one
 * HdrHistogram {@link Recorder} per kind; the sampler ({@link #sample}, one thread) takes the interval histograms,
 * adds them to the run's totals once warm-up is over, and appends a {@link LoadResult.Sample} to the timeline.
 * Latencies are tracked from 1 µs to 1 hour with 3 significant digits.
 *
 * <p>Each operation's latency is split in two: its <em>service time</em>, from the moment a session began it (its
 * first request, or the spawn before it) to its reply, and its <em>start delay</em>, from its intended start to that
 * moment (the open model's queueing in the load generator: the pacer and the client actor waiting for a core, or
 * every session of the client busy). Latency is their sum; the split says whether a tail is in the model or in the
 * harness around it. Both are kept with 2 significant digits: they explain the latency, they do not replace it.
 *
 * <p>The run's totals and per-sample merges are packed histograms (a few hundred bytes while sparse, instead of
 * 200 KB each): they live for the whole run, and every young collection would otherwise copy them again.
 */
public final class Metrics {
    static final long HIGHEST_NS = 3_600_000_000_000L;

    private final Map<OpKind, Recorder> recorders = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Histogram> totals = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Histogram> interval = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Recorder> serviceRecorders = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Histogram> serviceTotals = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Histogram> serviceInterval = new EnumMap<>(OpKind.class);
    private final Recorder startDelayRecorder = new Recorder(1_000, HIGHEST_NS, 2);
    private final Histogram startDelayTotal = newHistogram();
    private Histogram startDelayInterval;
    /** Outcome counts per kind, warm-up included ({@link #outcomesNow}); the measured ones are the difference. */
    private final Map<OpKind, Map<String, LongAdder>> outcomes = new EnumMap<>(OpKind.class);
    private final Map<OpKind, Map<String, Long>> outcomesAtWarmupEnd = new EnumMap<>(OpKind.class);
    private final List<LoadResult.Sample> timeline = new ArrayList<>();
    private final LongAdder operations = new LongAdder();
    private final ModelCounters model;
    private long[] modelAtWarmupEnd = new long[7];
    private long opsAtWarmupEnd;
    private long lastSampleNs;
    private long lastOps;
    private long lastEvictions;
    private long lastBytesMoved;
    private Histogram latestAll = newHistogram();

    public Metrics(ModelCounters model) {
        this.model = model;
        for (OpKind k : OpKind.values()) {
            recorders.put(k, new Recorder(1_000, HIGHEST_NS, 3));
            totals.put(k, newHistogram());
            serviceRecorders.put(k, new Recorder(1_000, HIGHEST_NS, 2));
            serviceTotals.put(k, newHistogram());
            outcomes.put(k, new ConcurrentHashMap<>());
        }
    }

    static Histogram newHistogram() {
        return new PackedHistogram(1_000, HIGHEST_NS, 3);
    }

    /**
     * One finished step that has no intended start of its own (an unpin after its hold, a churn's create, a fence
     * signal): its latency is all service time, and it adds nothing to the start delay. Thread-safe.
     */
    public void record(OpKind kind, long latencyNs, String outcome) {
        count(kind, latencyNs, latencyNs, outcome);
    }

    /**
     * One finished operation: its latency from the intended start, its service time from when a session began it
     * (at most the latency), and its outcome (an Outcome's name, or the step that failed). Thread-safe.
     */
    public void record(OpKind kind, long latencyNs, long serviceNs, String outcome) {
        assert serviceNs <= latencyNs : kind + ": service " + serviceNs + " ns longer than latency " + latencyNs + " ns";
        assert kind.clientOperation() : kind + " has no intended start";
        startDelayRecorder.recordValue(clamp(latencyNs - serviceNs));
        count(kind, latencyNs, serviceNs, outcome);
    }

    private void count(OpKind kind, long latencyNs, long serviceNs, String outcome) {
        recorders.get(kind).recordValue(clamp(latencyNs));
        serviceRecorders.get(kind).recordValue(clamp(serviceNs));
        outcomes.get(kind).computeIfAbsent(outcome, o -> new LongAdder()).increment();
        if (kind.clientOperation()) operations.increment();
    }

    private static long clamp(long ns) {
        return Math.max(1_000, Math.min(ns, HIGHEST_NS));
    }

    /** Client operations finished so far, warm-up included. */
    public long operationsSoFar() {
        return operations.sum();
    }

    public ModelCounters model() {
        return model;
    }

    /** Starts the clock: the timeline's intervals count from {@code startNs}. Sampler thread only. */
    public synchronized void start(long startNs) {
        lastSampleNs = startNs;
    }

    /**
     * Closes the interval ending now: its histograms go to the totals unless it is warm-up, and its sample to the
     * timeline. The first sample after warm-up also takes the counters' values at warm-up's end. Sampler thread only.
     */
    public synchronized LoadResult.Sample sample(long nowNs, long startNs, boolean warmup) {
        Histogram all = newHistogram();
        Map<OpKind, Long> kindP99 = new EnumMap<>(OpKind.class);
        Map<OpKind, Long> kindCount = new EnumMap<>(OpKind.class);
        for (OpKind k : OpKind.values()) {
            Histogram h = recorders.get(k).getIntervalHistogram(interval.get(k));
            interval.put(k, h);
            if (h.getTotalCount() > 0) {
                kindP99.put(k, h.getValueAtPercentile(99));
                kindCount.put(k, h.getTotalCount());
                if (k.clientOperation()) all.add(h);
            }
            if (!warmup) totals.get(k).add(h);
            Histogram sh = serviceRecorders.get(k).getIntervalHistogram(serviceInterval.get(k));
            serviceInterval.put(k, sh);
            if (!warmup) serviceTotals.get(k).add(sh);
        }
        startDelayInterval = startDelayRecorder.getIntervalHistogram(startDelayInterval);
        if (!warmup) startDelayTotal.add(startDelayInterval);
        latestAll = all;
        double seconds = Math.max(1e-9, (nowNs - lastSampleNs) / 1e9);
        long ops = operations.sum();
        long ev = model.evictions.sum();
        long moved = model.bytesMoved();
        LoadResult.Sample s = new LoadResult.Sample((nowNs - startNs) / 1e9, warmup, (ops - lastOps) / seconds,
                all.getTotalCount() == 0 ? 0 : all.getValueAtPercentile(50), all.getTotalCount() == 0 ? 0 : all.getValueAtPercentile(99),
                all.getTotalCount() == 0 ? 0 : all.getMaxValue(), kindP99, kindCount, model.usedBytes(), model.windowUsedBytes(),
                (ev - lastEvictions) / seconds, (moved - lastBytesMoved) / seconds);
        lastSampleNs = nowNs;
        lastOps = ops;
        lastEvictions = ev;
        lastBytesMoved = moved;
        timeline.add(s);
        return s;
    }

    /** Marks the end of warm-up: what is counted from here on is measured. Sampler thread, right after a warm-up sample. */
    public synchronized void warmupEnded() {
        opsAtWarmupEnd = lastOps;
        modelAtWarmupEnd = modelNow();
        for (OpKind k : OpKind.values()) outcomesAtWarmupEnd.put(k, outcomesNow(k));
    }

    private long[] modelNow() {
        return new long[] {model.evictions.sum(), model.moves.sum(), model.bytesMoved(), model.backoffs.sum(),
                model.ioReserves.sum(), model.ioFrees.sum(), model.ghosts.sum()};
    }

    private Map<String, Long> outcomesNow(OpKind k) {
        Map<String, Long> m = new TreeMap<>();
        outcomes.get(k).forEach((o, n) -> m.put(o, n.sum()));
        return m;
    }

    /** The latest interval's client operations, all kinds together (for the progress line). */
    public synchronized Histogram latestInterval() {
        return latestAll;
    }

    public synchronized List<LoadResult.Sample> timeline() {
        return List.copyOf(timeline);
    }

    /** Client operations measured (after warm-up). Call after the last sample. */
    public synchronized long measuredOperations() {
        return lastOps - opsAtWarmupEnd;
    }

    /** Per kind, over the measured part of the run. Call after the last sample. */
    public synchronized Map<OpKind, LoadResult.KindStats> kinds() {
        Map<OpKind, LoadResult.KindStats> m = new EnumMap<>(OpKind.class);
        for (OpKind k : OpKind.values()) {
            Map<String, Long> now = outcomesNow(k);
            Map<String, Long> before = outcomesAtWarmupEnd.getOrDefault(k, Map.of());
            Map<String, Long> measured = new LinkedHashMap<>();
            now.forEach((o, n) -> {
                long d = n - before.getOrDefault(o, 0L);
                if (d > 0) measured.put(o, d);
            });
            Histogram h = totals.get(k).copy();
            m.put(k, new LoadResult.KindStats(k, h.getTotalCount(), measured, h, serviceTotals.get(k).copy()));
        }
        return m;
    }

    /** The start delay (intended start to a session beginning the operation) of the operations that have one, over the measured part. Call after the last sample. */
    public synchronized Histogram startDelay() {
        return startDelayTotal.copy();
    }

    /** The model's counters over the measured part of the run, with the fault outcomes and ENOMEMs of {@code kinds}. */
    public synchronized LoadResult.Counters counters(Map<OpKind, LoadResult.KindStats> kinds, long injected, long crashes) {
        long[] now = modelNow();
        long[] d = new long[now.length];
        for (int i = 0; i < now.length; i++) d[i] = now[i] - modelAtWarmupEnd[i];
        Map<String, Long> fault = kinds.get(OpKind.FAULT).outcomes();
        long enomem = 0;
        for (LoadResult.KindStats k : kinds.values()) enomem += k.outcomes().getOrDefault("ENOMEM", 0L);
        long signals = kinds.get(OpKind.SIGNAL).count();
        return new LoadResult.Counters(d[0], d[1], d[2], d[3], enomem, d[4], d[5],
                fault.getOrDefault("MAPPED", 0L), fault.getOrDefault("RETRY", 0L), fault.getOrDefault("SIGBUS", 0L),
                fault.getOrDefault("OOM", 0L), signals, d[6], injected, crashes);
    }
}
