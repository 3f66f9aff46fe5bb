package dev.ttm.bench;

import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.load.LoadResult;
import dev.ttm.load.LoadRun;
import dev.ttm.load.LoadSettings;
import dev.ttm.load.OpKind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The load harness's figures next to bare Pekko, in one process (not run by {@code mvn verify}):
 *
 * <pre>
 * java -cp load-tests/target/ttm.jar dev.ttm.bench.LoadBenchmark [all|throughput|max|open] [reps=3] [duration=10] [warmup=3] [journals=none,memory,leveldb] [m=OPS_PER_S]
 * java -Xmx2g -cp load-tests/target/ttm.jar dev.ttm.bench.LoadBenchmark heap 1000000
 * </pre>
 *
 * <ul>
 *   <li>{@code throughput}: the bare baseline ({@link BareTell}: cores x 4 ping-pong pairs, strict ping-pong, on a
 *   default dispatcher sized and set as the runtime's entity dispatcher: fork-join, one thread per core, throughput 5),
 *   then the load harness through the {@link LoadRun} API, check off, closed model (16 clients x 2), for journal none,
 *   memory and leveldb (fsync off), on the default mix and on a CPU-access mix (fault, validate, unmap, kmap only).
 *   Each rep measures the baseline again and runs every configuration once, in turn. Per run: ops/s, the stamps
 *   ({@code Wiring.lastStamp}: one per decision of an entity, one per client submission, one per request id) per
 *   operation and per second over the measured part, the process's CPU use (cores), stamps/s over the baseline's
 *   messages/s, and the journal entries per write (the group commit's mean group, {@code Wiring.journalEntries} over
 *   {@code journalWrites}). {@code journals=} runs only the journals listed.</li>
 *   <li>{@code max}: the maximum rate M (journal none, default mix, closed model): each rep's best of several client
 *   and outstanding counts; M is the median of the reps' bests.</li>
 *   <li>{@code open}: the open model at rate M/2 (M measured first, in the same process; {@code m=RATE} takes M as
 *   given instead, to compare JVM options at one offered rate), fault p50/p99/p99.9.</li>
 *   <li>{@code heap N}: N BOs of one page (journal none, check off, a device large enough that creating them evicts
 *   nothing): the used heap after GC at the end of the set-up and after a short run (run it with {@code -Xmx2g}).</li>
 * </ul>
 */
public final class LoadBenchmark {
    static final String CPU_MIX = "fault:50, validate:20, unmap:15, kmap:15";
    static final String DEFAULT_MIX = "execbuf:25, fault:35, validate:10, kmap:10, unmap:8, pin:5, churn:2";

    private final int reps;
    private final int durationS;
    private final int warmupS;
    private String[] journals = {"none", "memory", "leveldb"};

    LoadBenchmark(int reps, int durationS, int warmupS) {
        this.reps = reps;
        this.durationS = durationS;
        this.warmupS = warmupS;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "all";
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq > 0) opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            else opts.put("n", args[i]);
        }
        LoadBenchmark b = new LoadBenchmark(Integer.parseInt(opts.getOrDefault("reps", "3")), Integer.parseInt(opts.getOrDefault("duration", "10")),
                Integer.parseInt(opts.getOrDefault("warmup", "3")));
        if (opts.containsKey("journals")) b.journals = opts.get("journals").split(",");
        System.out.printf("cores %d, java %s, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        switch (mode) {
            case "throughput" -> b.throughput();
            case "max" -> b.max();
            case "open" -> b.open(opts.containsKey("m") ? Double.parseDouble(opts.get("m")) : b.max(), opts.containsKey("m"));
            case "all" -> {
                b.throughput();
                b.open(b.max(), false);
            }
            case "heap" -> heap(Integer.parseInt(opts.getOrDefault("n", "1000000")), Integer.parseInt(opts.getOrDefault("duration", "10")));
            default -> throw new IllegalArgumentException("mode: all, throughput, max, open or heap, not " + mode);
        }
        System.exit(0);
    }

    // ---- the bare baseline ------------------------------------------------------------------------------------------
    private BareTell bare;
    private long bareMessages = 2_000_000;

    /** Bare Pekko messages/s now (warmed up at the first call). */
    double bare() throws InterruptedException {
        if (bare == null) {
            bare = new BareTell(BareTell.defaultPairs(), 1, ConfigFactory.parseString("pekko.actor.default-dispatcher { throughput = 5, "
                    + "fork-join-executor { parallelism-min = 1, parallelism-factor = 1.0, parallelism-max = 64 } }").withFallback(BareTell.baseConfig()));
            for (int i = 0; i < 3; i++) {
                double rate = bareOnce();
                bareMessages = Math.max(2, (long) (rate * 2) / 2 * 2); // about 2 s
            }
        }
        return bareOnce();
    }

    private double bareOnce() throws InterruptedException {
        long t0 = System.nanoTime();
        bare.run(bareMessages);
        return bareMessages / ((System.nanoTime() - t0) / 1e9);
    }

    // ---- one load run -----------------------------------------------------------------------------------------------
    /** What one run measured: the result, stamps and process CPU over (about) the measured part. */
    record Run(String journal, String mixName, LoadResult result, double stampsPerS, double cpuCores, double entriesPerWrite) {
        double stampsPerOp() {
            return result.opsPerS() <= 0 ? 0 : stampsPerS / result.opsPerS();
        }

        LoadResult.KindStats kind(OpKind k) {
            return result.kinds().get(k);
        }
    }

    Run load(String journal, String mixName, String mix, String extra) throws Exception {
        Path data = Files.createTempDirectory("ttm-lbench-");
        try {
            String hocon = "ttm.journal = " + journal + "\nttm.check = off\nttm.data-dir = \"" + data + "\"\npekko.loglevel = WARNING\n"
                    + "ttm.load { seed = 1, duration = " + durationS + "s, warmup = " + warmupS + "s, mix = \"" + mix + "\" }\n" + extra;
            LoadSettings s = LoadSettings.of(hocon);
            try (TtmSystem ttm = TtmSystem.start(s.config())) {
                LoadRun run = new LoadRun(s, ttm, null, System.err);
                run.setUp();
                // Stamps and CPU over the measured part: from the end of the warm-up to the end of the duration.
                long[] at = new long[10];
                Thread sampler = new Thread(() -> {
                    try {
                        Thread.sleep(warmupS * 1000L);
                        at[0] = System.nanoTime();
                        at[1] = ttm.wiring().lastStamp();
                        at[2] = cpuNs();
                        at[6] = ttm.wiring().journalWrites();
                        at[7] = ttm.wiring().journalEntries();
                        Thread.sleep((durationS - warmupS) * 1000L);
                        at[3] = System.nanoTime();
                        at[4] = ttm.wiring().lastStamp();
                        at[5] = cpuNs();
                        at[8] = ttm.wiring().journalWrites();
                        at[9] = ttm.wiring().journalEntries();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "lbench-sampler");
                sampler.start();
                LoadResult r = run.run("bench", data, data.resolve("reports"));
                sampler.join();
                run.tearDown();
                if (r.unanswered() != 0) throw new IllegalStateException(journal + "/" + mixName + ": " + r.unanswered() + " requests unanswered");
                double secs = (at[3] - at[0]) / 1e9;
                long writes = at[8] - at[6];
                return new Run(journal, mixName, r, (at[4] - at[1]) / secs, (at[5] - at[2]) / 1e9 / secs, writes == 0 ? 0 : (double) (at[9] - at[7]) / writes);
            }
        } finally {
            delete(data);
        }
    }

    private static long cpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    // ---- throughput -------------------------------------------------------------------------------------------------
    void throughput() throws Exception {
        String[][] mixes = {{"default", DEFAULT_MIX}, {"cpu", CPU_MIX}};
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        List<Double> bares = new ArrayList<>();
        System.out.println("## throughput: closed model, 16 clients x 2, check off, " + durationS + " s (" + warmupS + " s warm-up), " + reps + " reps");
        System.out.println("run                bare Mmsg/s    ops/s  stamps/op  Mstamps/s  vs bare  cores  execbuf p50   fault p50   fault p99  evictions/s  entries/write");
        for (int rep = 0; rep < reps; rep++) {
            double b = bare();
            bares.add(b);
            System.out.printf("rep %d bare         %8.2f%n", rep + 1, b / 1e6);
            for (String[] mix : mixes) {
                for (String j : journals) {
                    Run r = load(j, mix[0], mix[1], "");
                    runs.computeIfAbsent(j + "/" + mix[0], k -> new ArrayList<>()).add(r);
                    print("rep " + (rep + 1) + " " + j + "/" + mix[0], b, r);
                }
            }
        }
        double bareMedian = median(bares);
        System.out.printf("## medians (bare %.2f M messages/s)%n", bareMedian / 1e6);
        for (var e : runs.entrySet()) {
            Run m = e.getValue().stream().sorted(Comparator.comparingDouble(r -> r.result().opsPerS())).toList().get(e.getValue().size() / 2);
            print("median " + e.getKey(), bareMedian, m);
        }
    }

    private static void print(String label, double bare, Run r) {
        LoadResult.KindStats ex = r.kind(OpKind.EXECBUF);
        LoadResult.KindStats f = r.kind(OpKind.FAULT);
        System.out.printf(Locale.ROOT, "%-22s %8.2f %9.0f %9.2f %10.3f %7.4f %6.2f %12s %11s %11s %11.0f %14.2f%n", label, bare / 1e6, r.result().opsPerS(), r.stampsPerOp(),
                r.stampsPerS() / 1e6, r.stampsPerS() / bare, r.cpuCores(), p(ex, 50), p(f, 50), p(f, 99), r.result().evictionsPerS(), r.entriesPerWrite());
    }

    private static String p(LoadResult.KindStats k, double percentile) {
        return k == null || k.count() == 0 ? "-" : us(k.percentileNs(percentile));
    }

    private static String us(long ns) {
        return ns >= 1_000_000 ? String.format(Locale.ROOT, "%.2f ms", ns / 1e6) : String.format(Locale.ROOT, "%.1f us", ns / 1e3);
    }

    // ---- the maximum rate and the open model ------------------------------------------------------------------------
    /**
     * The maximum rate M (journal none, default mix, closed model): each rep's best over a few client x outstanding
     * shapes, and M the median of those bests. Not the best of all reps: on a shared machine one quiet rep can run
     * twice as fast as the others, and half of that rate is more than the machine sustains most of the time.
     */
    double max() throws Exception {
        int[][] shapes = {{16, 2}, {16, 4}, {32, 8}};
        System.out.println("## max rate: journal none, default mix, closed model, check off");
        double[] best = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            double b = bare();
            for (int[] sh : shapes) {
                Run r = load("none", "default", DEFAULT_MIX, "ttm.load { clients = " + sh[0] + ", outstanding = " + sh[1] + " }");
                print("rep " + (rep + 1) + " " + sh[0] + "x" + sh[1], b, r);
                best[rep] = Math.max(best[rep], r.result().opsPerS());
            }
        }
        double[] sorted = best.clone();
        java.util.Arrays.sort(sorted);
        double m = sorted[reps / 2];
        System.out.printf(Locale.ROOT, "max rate M = %.0f ops/s (the median of the reps' bests %s)%n", m,
                java.util.Arrays.stream(best).mapToObj(x -> String.format(Locale.ROOT, "%.0f", x)).toList());
        return m;
    }

    /**
     * The open model at M/2, {@code reps} times. When M is given ({@code m=}) rather than measured, a closed-model run
     * (not reported) warms the JIT first: on a cold JVM the first seconds run interpreted, the offered load piles up
     * behind them and the backlog outlasts the warm-up, so the first rep would measure the JIT, not the runtime. The
     * summary gives the median fault p99 over the reps and how many were under 1 ms.
     */
    void open(double max, boolean warmJvm) throws Exception {
        long rate = Math.max(1, (long) (max / 2));
        if (warmJvm) {
            Run w = load("none", "default", DEFAULT_MIX, "ttm.load { clients = 16, outstanding = 2 }");
            System.out.printf(Locale.ROOT, "## JVM warm-up (closed 16 x 2, not reported): %.0f ops/s%n", w.result().opsPerS());
        }
        System.out.println("## open model at M/2 = " + rate + " ops/s: journal none, default mix, 16 clients x 32 sessions, check off");
        System.out.println("run          bare Mmsg/s  offered   ops/s  fault p50   fault p99  fault p99.9  execbuf p50  execbuf p99  cores  start delay p99  fault service p99");
        long[] p99 = new long[reps];
        for (int rep = 0; rep < reps; rep++) {
            double b = bare();
            Run r = load("none", "default", DEFAULT_MIX, "ttm.load { rate = " + rate + ", outstanding = 32 }");
            LoadResult.KindStats f = r.kind(OpKind.FAULT);
            LoadResult.KindStats ex = r.kind(OpKind.EXECBUF);
            p99[rep] = f.percentileNs(99);
            System.out.printf(Locale.ROOT, "rep %d %14.2f %8d %7.0f %10s %11s %12s %12s %12s %6.2f %16s %18s%n", rep + 1, b / 1e6, rate, r.result().opsPerS(),
                    us(f.percentileNs(50)), us(p99[rep]), us(f.percentileNs(99.9)), us(ex.percentileNs(50)), us(ex.percentileNs(99)), r.cpuCores(),
                    us(r.result().startDelayPercentileNs(99)), us(f.servicePercentileNs(99)));
        }
        long[] sorted = p99.clone();
        java.util.Arrays.sort(sorted);
        long under = java.util.Arrays.stream(p99).filter(ns -> ns < 1_000_000).count();
        System.out.printf(Locale.ROOT, "fault p99 over %d reps: median %s (%s .. %s); under 1 ms in %d of %d%n", reps, us(sorted[reps / 2]), us(sorted[0]),
                us(sorted[reps - 1]), under, reps);
    }

    // ---- heap ------------------------------------------------------------------------------------------------------
    static void heap(int n, int durationS) throws Exception {
        Path data = Files.createTempDirectory("ttm-lbench-heap-");
        long pages = n + 100_000L;
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        String hocon = "ttm.journal = none\nttm.check = off\nttm.data-dir = \"" + data + "\"\npekko.loglevel = WARNING\n"
                + "ttm.regions = [ { name = VRAM, size = " + (pages * 4) + "KiB, visible = 64MiB }, { name = TT, size = " + (pages * 4) + "KiB } ]\n"
                + "ttm.load { seed = 1, bos = " + n + ", sizes = \"4KiB:1\", duration = " + durationS + "s, warmup = 1s, drain-timeout = 10m }\n";
        LoadSettings s = LoadSettings.of(hocon);
        try (TtmSystem ttm = TtmSystem.start(s.config())) {
            LoadRun run = new LoadRun(s, ttm, null, System.err);
            long t0 = System.nanoTime();
            run.setUp();
            double setupS = (System.nanoTime() - t0) / 1e9;
            long afterSetUp = usedAfterGc(mem);
            System.out.printf(Locale.ROOT, "%,d BOs created in %.1f s; used heap after GC: %,d MiB before, %,d MiB after the set-up (%,d bytes per BO)%n",
                    n, setupS, before >> 20, afterSetUp >> 20, (afterSetUp - before) / n);
            LoadResult r = run.run("heap", data, data.resolve("reports"));
            run.tearDown();
            long afterRun = usedAfterGc(mem);
            System.out.printf(Locale.ROOT, "after a %d s run (%,.0f ops/s, %d unanswered): %,d MiB used after GC (%,d bytes per BO); max heap %,d MiB%n",
                    durationS, r.opsPerS(), r.unanswered(), afterRun >> 20, (afterRun - before) / n, Runtime.getRuntime().maxMemory() >> 20);
        } finally {
            delete(data);
        }
    }

    /** Used heap after {@code System.gc()}, collected until it stops falling. */
    static long usedAfterGc(MemoryMXBean mem) throws InterruptedException {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(200);
            long used = mem.getHeapMemoryUsage().getUsed();
            if (used >= last - (1 << 20)) return Math.min(used, last);
            last = used;
        }
        return last;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------
    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    static void delete(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> w = Files.walk(p)) {
            for (Path x : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
