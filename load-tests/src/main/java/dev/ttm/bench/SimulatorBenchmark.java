package dev.ttm.bench;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.sim.Simulator;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the deterministic simulator, in messages delivered per second ({@link Simulator#delivered()}),
 * on one thread with FIFO delivery, under eviction pressure.
 *
 * <p>The device: VRAM 64 MiB with a 16 MiB CPU-visible window (evicts to TT, then SYSTEM), TT 128 MiB
 * (CPU-visible, evicts to SYSTEM), unbounded SYSTEM, 4 KiB pages, the {@code simple} driver. 300 BOs of
 * 64 KiB .. 2 MiB (211 MiB in all: more than VRAM and TT together, so both evict) are driven by a closed-loop client
 * that keeps {@value #WINDOW} requests outstanding: validate into VRAM / VRAM,TT / VRAM:visible / TT, CPU
 * faults (which move a BO into the visible window or TT, evicting whatever is there), unmaps, and a few
 * pins and unpins (at most {@value #MAX_PINNED} BOs pinned at once). The request stream is drawn from a
 * fixed seed, so every run delivers the same messages in the same order.
 *
 * <p>Each invocation delivers exactly {@value #BATCH} messages (topping the client's window up as replies come
 * back), so with {@link OperationsPerInvocation} the primary score is messages per second. The auxiliary
 * counter {@code requests} is client requests issued per second (the window stays full, so issued = answered
 * give or take {@value #WINDOW}).
 *
 * <ul>
 *   <li>{@link #fifoNoChecker} — the production configuration: no listener attached. This is the headline figure.</li>
 *   <li>{@link #fifoWithInvariantChecker} — the same workload with the {@link InvariantChecker} after every
 *       message (what {@code ttm run} does); the ratio of the two is what checking costs.</li>
 * </ul>
 *
 * <p>Run: {@code java -cp load-tests/target/ttm.jar org.openjdk.jmh.Main SimulatorBenchmark -rf json -rff /tmp/bench.json}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class SimulatorBenchmark {
    /** Messages delivered per invocation of {@link #fifoNoChecker}. */
    public static final int BATCH = 20_000;
    /** Messages delivered per invocation of {@link #fifoWithInvariantChecker}. */
    public static final int CHECKED_BATCH = BATCH;
    /** Client requests kept outstanding. */
    public static final int WINDOW = 16;
    public static final int BOS = 300;
    public static final int MAX_PINNED = 4;
    public static final long PAGE = 4096;
    public static final long SEED = 0x7E57_5EEDL;

    static final Placement VRAM = Placement.of(Place.of("VRAM"));
    static final Placement VRAM_TT = Placement.of(Place.of("VRAM"), Place.of("TT"));
    static final Placement VRAM_VISIBLE = Placement.of(Place.visible("VRAM"));
    static final Placement TT = Placement.of(Place.of("TT"));

    public static DeviceConfig device() {
        long mib = 1024 * 1024 / PAGE;
        return new DeviceConfig(PAGE, Driver.SIMPLE, 0, List.of(
                new RegionConfig("VRAM", 64 * mib, 16 * mib, false, List.of("TT", RegionConfig.SYSTEM), false),
                new RegionConfig("TT", 128 * mib, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of());
    }

    /** One simulated device and its closed-loop client. Rebuilt for every iteration so that iterations are alike. */
    public static final class Workload {
        final Simulator sim;
        final InvariantChecker checker;
        final Address.Client client = new Address.Client("bench");
        final Address.Bo[] bos = new Address.Bo[BOS];
        final long[] pages = new long[BOS];
        final int[] pinned = new int[MAX_PINNED];
        int pinnedCount;
        final SplittableRandom random = new SplittableRandom(SEED);
        final Set<Long> pending;
        long requests;

        public Workload(boolean withChecker) {
            sim = new Simulator(device());
            checker = withChecker ? new InvariantChecker() : null;
            if (checker != null) sim.addListener(checker);
            pending = sim.pendingRequests();
            long[] sizes = {16, 32, 64, 128, 256, 512}; // pages: 64 KiB .. 2 MiB
            for (int i = 0; i < BOS; i++) {
                bos[i] = new Address.Bo("bo" + i);
                pages[i] = sizes[random.nextInt(sizes.length)];
                int priority = i % 10 == 0 ? 1 : 0;
                sim.submit(client, bos[i], new BufferObject.Create(pages[i], priority, VRAM_TT, sim.newRequestId(), client));
                if (!sim.settle(10_000_000)) throw new IllegalStateException("create did not settle");
            }
            if (!pending.isEmpty()) throw new IllegalStateException("creates unanswered: " + pending);
        }

        public long totalBytes() {
            long n = 0;
            for (long p : pages) n += p;
            return n * PAGE;
        }

        /** Delivers exactly {@code n} messages, keeping {@value #WINDOW} requests outstanding. */
        public void run(int n) {
            for (int i = 0; i < n; i++) {
                while (pending.size() < WINDOW) submitOne();
                if (!sim.step()) throw new IllegalStateException("simulator idle with " + pending.size() + " requests unanswered: " + pending);
            }
        }

        void submitOne() {
            long id = sim.newRequestId();
            int r = random.nextInt(1000);
            int bo = random.nextInt(BOS);
            Message m;
            if (r < 200) {
                m = new BufferObject.Validate(VRAM, null, false, id, client);
            } else if (r < 350) {
                m = new BufferObject.Validate(VRAM_TT, null, false, id, client);
            } else if (r < 450) {
                m = new BufferObject.Validate(VRAM_VISIBLE, null, false, id, client);
            } else if (r < 600) {
                m = new BufferObject.Validate(TT, null, false, id, client);
            } else if (r < 850) {
                m = new BufferObject.Fault(random.nextLong(pages[bo]), id, client);
            } else if (r < 950) {
                m = new BufferObject.Unmap(null, id, client);
            } else if (r < 975 && pinnedCount < MAX_PINNED) {
                pinned[pinnedCount++] = bo;
                m = new BufferObject.Pin(null, null, id, client);
            } else if (pinnedCount > 0) {
                int k = random.nextInt(pinnedCount);
                bo = pinned[k];
                pinned[k] = pinned[--pinnedCount];
                m = new BufferObject.Unpin(null, id, client);
            } else {
                m = new BufferObject.Unmap(null, id, client);
            }
            sim.submit(client, bos[bo], m);
            requests++;
        }

        /** Stops the benchmark if the checker found anything: the figure of a broken run means nothing. */
        void verify() {
            if (checker == null) return;
            List<Violation> v = checker.all();
            if (!v.isEmpty()) throw new IllegalStateException(v.size() + " invariant violation(s), first: " + v.get(0));
        }
    }

    @State(Scope.Thread)
    public static class Production {
        Workload w;

        @Setup(Level.Iteration)
        public void setUp() {
            w = new Workload(false);
            w.sim.retainReplies(false);
        }
    }

    @State(Scope.Thread)
    public static class Checked {
        Workload w;

        @Setup(Level.Iteration)
        public void setUp() {
            w = new Workload(true);
            w.sim.retainReplies(false);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            w.verify();
        }
    }

    /** Client requests issued per second (JMH reports it next to the primary score, not scaled by the batch). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Requests {
        public long requests;

        @Setup(Level.Iteration)
        public void clean() {
            requests = 0;
        }
    }

    /**
     * Messages per CPU-second of the benchmark thread, reported as {@code msgsPerCpuSec}. Unlike the primary
     * score it leaves out time the thread spent waiting for a core, so it stays meaningful on a loaded machine
     * (it leaves out GC work on other threads too). JMH divides an OPERATIONS counter by the iteration's wall
     * time, so the counter holds messages scaled by wall/CPU time of the invocations: JMH's division then
     * yields messages / CPU-seconds (up to the harness's own time between invocations, well under 1%).
     */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class CpuTime {
        private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
        public long msgsPerCpuSec;
        private long messages;
        private long cpuNanos;
        private long wallNanos;
        private long cpu0;
        private long wall0;

        @Setup(Level.Iteration)
        public void clean() {
            msgsPerCpuSec = 0;
            messages = 0;
            cpuNanos = 0;
            wallNanos = 0;
        }

        void start() {
            wall0 = System.nanoTime();
            cpu0 = MX.getCurrentThreadCpuTime();
        }

        void stop(int batch) {
            cpuNanos += MX.getCurrentThreadCpuTime() - cpu0;
            wallNanos += System.nanoTime() - wall0;
            messages += batch;
            msgsPerCpuSec = cpuNanos == 0 ? 0 : (long) ((double) messages * wallNanos / cpuNanos);
        }
    }

    /**
     * Describes the workload instead of timing it: runs {@code args[0]} messages (default 1,000,000) with the
     * invariant checker off (or {@code args[1]} = "checked": on) and prints the reply outcomes, evictions and
     * moves. {@code java -cp load-tests/target/ttm.jar dev.ttm.bench.SimulatorBenchmark [MESSAGES] [checked]}
     */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        boolean checked = args.length > 1 && args[1].equals("checked");
        Workload w = new Workload(checked);
        long firstRequest = w.sim.newRequestId() + 1;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        w.run(n);
        long t1 = System.nanoTime();
        long c1 = mx.getCurrentThreadCpuTime();
        long lastRequest = w.sim.newRequestId() - 1;
        java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (long id = firstRequest; id <= lastRequest; id++) {
            dev.ttm.protocol.model.Reply r = w.sim.reply(id);
            if (r != null) outcomes.merge(r.outcome().name(), 1, Integer::sum);
        }
        long evictions = 0;
        long moved = 0;
        for (BoState b : w.sim.bos()) {
            evictions += b.evictions();
            moved += b.movedPages();
        }
        System.out.printf("%d BOs, %d MiB in all; VRAM 64 MiB (16 MiB visible), TT 128 MiB%n", BOS, w.totalBytes() >> 20);
        System.out.printf("%d messages, %d requests, %.0f msgs/s wall, %.0f msgs per CPU-second of this thread"
                        + " (one run, no warm-up: indicative only)%n",
                w.sim.delivered(), w.requests, n / ((t1 - t0) / 1e9), n / ((c1 - c0) / 1e9));
        System.out.printf("reply outcomes: %s%n", outcomes);
        System.out.printf("evictions: %d, pages moved: %d, io_mem_reserve calls: %d%n", evictions, moved, w.sim.io().reserveCalls());
        for (var r : w.sim.regions())
            System.out.printf("  %-6s used %d of %d pages%n", r.config().name(), r.usedPages(), r.config().sizePages());
        w.verify();
        if (checked) System.out.println("invariant checker: no violations");
    }

    /** The headline figure: messages per second, no listener attached (the production configuration). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long fifoNoChecker(Production s, Requests counters, CpuTime cpu) {
        long before = s.w.requests;
        cpu.start();
        s.w.run(BATCH);
        cpu.stop(BATCH);
        counters.requests += s.w.requests - before;
        return s.w.sim.delivered();
    }

    /** The same workload with the incremental invariant checker after every message (its cost is the ratio). */
    @Benchmark
    @OperationsPerInvocation(CHECKED_BATCH)
    public long fifoWithInvariantChecker(Checked s, Requests counters, CpuTime cpu) {
        long before = s.w.requests;
        cpu.start();
        s.w.run(CHECKED_BATCH);
        cpu.stop(CHECKED_BATCH);
        counters.requests += s.w.requests - before;
        return s.w.sim.delivered();
    }
}
