package dev.ttm.bench;

import dev.ttm.protocol.invariants.Violation;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The actor runtime's throughput next to bare Pekko, in one JMH run.
 *
 * <ul>
 *   <li>{@link #bareTell} — (a) bare Pekko typed {@code tell}: {@link BareTell}, cores x 4 ping-pong pairs on the
 *       default dispatcher, {@code pingWindow} pings in flight per pair (1: strict ping-pong). Each invocation bounces
 *       {@value #BARE_MESSAGES} messages; the score is messages per second.</li>
 *   <li>{@code runtime*} — (b) the model on Pekko ({@link dev.ttm.actors.TtmSystem}) under the closed-loop fault /
 *       validate load of {@link RuntimeLoad} with eviction pressure (VRAM 64 MiB with a 16 MiB window, TT 128 MiB;
 *       300 BOs, 211 MiB), {@code clients} clients with {@code opsWindow} operations outstanding each, sent with
 *       {@code tell} and answered through the runtime's non-blocking reply futures. Each invocation runs
 *       {@value #OPS} operations to quiescence; the score is client operations per second. The journal is
 *       {@code none}, {@code memory} or {@code leveldb} (fsync off, a temporary directory), with {@code ttm.check =
 *       off}; {@link #runtimeJournalNoneCheckOn} is {@code none} with the invariant checker folding every decision
 *       (its teardown fails the run on any violation). Every iteration starts a fresh system.</li>
 * </ul>
 *
 * <p>Each runs twice: {@code dispatcher = cores} (the runtime's default, {@code ttm.actors.entity-dispatcher}: a
 * fork-join pool with one thread per core, which the load's client actors share; bare tell on Pekko's default
 * dispatcher sized the same) and {@code default} (Pekko's default dispatcher as it comes, a fork-join pool of
 * max(8, cores) threads, for everything); {@code -p dispatcher=cores} runs only the first. With more threads than
 * cores and the runtime's short message chains, threads keep running dry, parking and being woken up (futex
 * calls); bare ping-pong keeps every thread busy, so it suffers much less from that.
 *
 * <p>Every benchmark also reports the auxiliary counters {@code :messages} (per second: bare tells, or entity
 * messages = stamps taken - 2 x requests, see {@link RuntimeLoad}), {@code :operations} (per second: client
 * operations; for bare tell, messages) and {@code :msgsPerCpuSec} (messages per CPU-second of the whole JVM, GC and
 * JIT included: it holds up better than wall-clock rates on a shared machine). {@link #main} runs the benchmarks and
 * prints the table of ratios to bare tell.
 *
 * <p>Run: {@code java -cp load-tests/target/ttm.jar org.openjdk.jmh.Main ActorRuntimeBenchmark -wi 2 -w 3 -i 3 -r 5 -f 1},
 * or {@code java -cp load-tests/target/ttm.jar dev.ttm.bench.ActorRuntimeBenchmark -wi 2 -w 3 -i 3 -r 5 -f 1} for the
 * same with the side-by-side table at the end.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class ActorRuntimeBenchmark {
    /** Messages bounced per invocation of {@link #bareTell}. */
    public static final int BARE_MESSAGES = 2_000_000;
    /** Client operations per invocation of the runtime benchmarks. */
    public static final int OPS = 5_000;
    /** Default closed-loop clients and operations outstanding per client. */
    public static final int CLIENTS = 8;
    public static final int WINDOW = 4;

    /** (a): one actor system of ping-pong pairs for the whole trial. */
    @State(Scope.Benchmark)
    public static class Bare {
        /** Ping-pong pairs; 0: cores x 4. */
        @Param("0")
        public int pairs;
        /** Pings in flight per pair; 1: strict ping-pong. */
        @Param("1")
        public int pingWindow;
        /** Pekko's default dispatcher as it comes ({@code default}) or sized to the cores ({@code cores}). */
        @Param({"cores", "default"})
        public String dispatcher;
        BareTell bare;

        @Setup(Level.Trial)
        public void setUp() {
            bare = new BareTell(pairs > 0 ? pairs : BareTell.defaultPairs(), pingWindow,
                    BareTell.dispatcher(dispatcher).withFallback(BareTell.baseConfig()));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bare.close();
        }
    }

    /** (b): a fresh system and its BOs for every iteration, so that iterations are alike. */
    @State(Scope.Benchmark)
    public abstract static class Runtime {
        @Param("" + CLIENTS)
        public int clients;
        @Param("" + WINDOW)
        public int opsWindow;
        /** As for {@link Bare#dispatcher}. */
        @Param({"cores", "default"})
        public String dispatcher;
        RuntimeLoad load;

        abstract String journal();

        boolean check() {
            return false;
        }

        @Setup(Level.Iteration)
        public void setUp() {
            load = new RuntimeLoad(journal(), check(), clients, opsWindow, dispatcher);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            try {
                List<Violation> v = load.violations();
                if (!v.isEmpty()) throw new IllegalStateException(v.size() + " invariant violation(s), first: " + v.get(0));
            } finally {
                load.close();
            }
        }
    }

    public static class JournalNone extends Runtime {
        @Override String journal() { return "none"; }
    }

    public static class JournalMemory extends Runtime {
        @Override String journal() { return "memory"; }
    }

    public static class JournalLeveldb extends Runtime {
        @Override String journal() { return "leveldb"; }
    }

    public static class JournalNoneCheckOn extends Runtime {
        @Override String journal() { return "none"; }
        @Override boolean check() { return true; }
    }

    /**
     * Messages, operations and messages per CPU-second of the JVM, as rates (JMH divides each by the iteration's
     * time). {@code msgsPerCpuSec} holds messages scaled by wall / CPU time of the invocations, so that JMH's
     * division yields messages per CPU-second.
     */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        public long messages;
        public long operations;
        public long msgsPerCpuSec;
        private long cpuNanos;
        private long wallNanos;
        private long cpu0;
        private long wall0;

        @Setup(Level.Iteration)
        public void clean() {
            messages = 0;
            operations = 0;
            msgsPerCpuSec = 0;
            cpuNanos = 0;
            wallNanos = 0;
        }

        void start() {
            wall0 = System.nanoTime();
            cpu0 = OS.getProcessCpuTime();
        }

        void stop(long msgs, long ops) {
            cpuNanos += OS.getProcessCpuTime() - cpu0;
            wallNanos += System.nanoTime() - wall0;
            messages += msgs;
            operations += ops;
            msgsPerCpuSec = cpuNanos <= 0 ? 0 : (long) ((double) messages * wallNanos / cpuNanos);
        }
    }

    /** (a) Bare Pekko typed tell, messages per second. */
    @Benchmark
    @OperationsPerInvocation(BARE_MESSAGES)
    public void bareTell(Bare s, Counters c) throws InterruptedException {
        c.start();
        s.bare.run(BARE_MESSAGES);
        c.stop(BARE_MESSAGES, BARE_MESSAGES);
    }

    /** (b) The runtime without a journal (plain behaviors): client operations per second. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long runtimeJournalNone(JournalNone s, Counters c) {
        return run(s, c);
    }

    /** (b) The runtime on Pekko's in-memory journal. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long runtimeJournalMemory(JournalMemory s, Counters c) {
        return run(s, c);
    }

    /** (b) The runtime on the LevelDB journal, fsync off. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long runtimeJournalLeveldb(JournalLeveldb s, Counters c) {
        return run(s, c);
    }

    /** (b) No journal, with the invariant checker folding every decision ({@code ttm.check = on}). */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long runtimeJournalNoneCheckOn(JournalNoneCheckOn s, Counters c) {
        return run(s, c);
    }

    private static long run(Runtime s, Counters c) {
        c.start();
        RuntimeLoad.Result r = s.load.run(OPS);
        c.stop(r.messages(), r.operations());
        return r.messages();
    }

    // ---- the side-by-side table -------------------------------------------------------------------------------

    /**
     * Runs the benchmarks of this class (JMH's command line options apply: {@code -wi 2 -w 3 -i 3 -r 5 -f 1},
     * {@code -p pingWindow=1,50}, {@code -prof gc}, a regexp to pick benchmarks, ...), then prints messages/s,
     * operations/s and messages per CPU-second for each, with the ratios to bare tell.
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder b = new OptionsBuilder();
        b.parent(cli);
        if (cli.getIncludes().isEmpty()) b.include(ActorRuntimeBenchmark.class.getSimpleName());
        Options options = b.build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.print(table(results));
    }

    /** One row of the table: a benchmark (with its parameters) and its rates. */
    record Row(String name, String dispatcher, double messages, double operations, double msgsPerCpuSec, double messagesMin, double messagesMax) {
        boolean bare() {
            return name.startsWith("bareTell");
        }
    }

    static List<Row> rows(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String method = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            StringBuilder name = new StringBuilder(method);
            for (String k : p.getParamsKeys()) name.append(' ').append(k).append('=').append(p.getParam(k));
            String dispatcher = p.getParam("dispatcher") == null ? "default" : p.getParam("dispatcher");
            Result<?> msgs = r.getSecondaryResults().get("messages");
            Result<?> ops = r.getSecondaryResults().get("operations");
            Result<?> cpu = r.getSecondaryResults().get("msgsPerCpuSec");
            rows.add(new Row(name.toString(), dispatcher, score(msgs), score(ops), score(cpu),
                    msgs == null ? Double.NaN : msgs.getStatistics().getMin(), msgs == null ? Double.NaN : msgs.getStatistics().getMax()));
        }
        return rows;
    }

    /**
     * The side-by-side table. Each row's ratios are to the (first) bare tell row on the same dispatcher setting:
     * messages/s over bare messages/s, operations/s over bare messages/s, and the same per CPU-second.
     */
    static String table(Collection<RunResult> results) {
        List<Row> rows = rows(results);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-68s %10s %17s %11s %8s %12s %10s %10s %10s%n", "benchmark", "messages/s",
                "(min - max)", "ops/s", "msgs/op", "msgs/CPU-s", "msgs÷bare", "ops÷bare", "cpu÷bare"));
        for (Row r : rows) {
            Row a = rows.stream().filter(b -> b.bare() && b.dispatcher().equals(r.dispatcher())).findFirst().orElse(null);
            out.append(String.format(Locale.ROOT, "%-68s %10s %17s %11s %8.2f %12s", r.name(), mega(r.messages()),
                    "(" + mega(r.messagesMin()).replace(" M", "") + " - " + mega(r.messagesMax()) + ")",
                    kilo(r.operations()), r.messages() / r.operations(), mega(r.msgsPerCpuSec())));
            if (a != null)
                out.append(String.format(Locale.ROOT, " %10.4f %10.5f %10.4f", r.messages() / a.messages(), r.operations() / a.messages(),
                        r.msgsPerCpuSec() / a.msgsPerCpuSec()));
            out.append('\n');
        }
        out.append("messages/s: the mean over the measured iterations, (min - max) of the iterations; msgs÷bare: messages/s over\n"
                + "bare tell's messages/s on the same dispatcher setting; ops÷bare: operations/s over bare tell's messages/s;\n"
                + "cpu÷bare: messages per CPU-second of the JVM over bare tell's. Target with journal none: msgs÷bare >= 0.25.\n");
        return out.toString();
    }

    private static double score(Result<?> r) {
        return r == null ? Double.NaN : r.getScore();
    }

    private static String mega(double v) {
        return String.format(Locale.ROOT, "%.3f M", v / 1e6);
    }

    private static String kilo(double v) {
        return String.format(Locale.ROOT, "%.1f k", v / 1e3);
    }
}
