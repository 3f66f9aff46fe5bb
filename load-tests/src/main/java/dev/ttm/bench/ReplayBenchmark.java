package dev.ttm.bench;

import dev.ttm.persistence.JournalReader;
import dev.ttm.persistence.JournalWriter;
import dev.ttm.protocol.journal.FoldResult;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.JournalFold;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.journal.SimRecorder;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Replay speed: a journal of at least {@code EVENTS} events (default 1,000,000) is recorded once, in memory, from the
 * simulator benchmark's workload ({@link SimulatorBenchmark}: 300 BOs under eviction pressure, a closed-loop client with
 * 16 requests outstanding, pins and unpins), exactly as {@code ttm run --journal} records a simulator run
 * ({@link SimRecorder}); then it is folded through {@link JournalFold} — today's {@code decide} on every entry and the
 * comparison of its events with the recorded ones ({@code --recheck}), {@code evolve}, the incremental invariant
 * checker after every entry, the messages in flight, the digest, and the full check at the end — {@code PASSES} times
 * after {@code WARMUPS} warm-up passes, each on a fresh fold. Every pass must find no violation and no divergence.
 *
 * <p>With {@code disk}, the journal is also written to a LevelDB data directory ({@link JournalWriter}, as {@code ttm
 * run --journal} does) and read back with {@link JournalReader} (LevelDB, checksums, Pekko Persistence Query,
 * deserialization, the merge by stamp) {@code PASSES} times.
 *
 * <p>{@code java -Xms3g -Xmx3g -cp load-tests/target/ttm.jar dev.ttm.bench.ReplayBenchmark [EVENTS] [WARMUPS] [PASSES] [disk]}
 */
public final class ReplayBenchmark {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** The whole process's CPU time: the fold hashes its digest on another thread (and GC, JIT count too). */
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** A recorded journal: the entries merged by stamp, as a reader gives them, and the recorder's journal. */
    public record Generated(DeviceConfig device, List<JournalEntry> entries, long events, long messages, SimRecorder.Journal journal) {}

    private ReplayBenchmark() {}

    /** Records the simulator benchmark's workload until the journal holds at least {@code minEvents} events. */
    public static Generated generate(long minEvents) {
        DeviceConfig device = SimulatorBenchmark.device();
        Simulator sim = new Simulator(device);
        SimRecorder recorder = new SimRecorder("bench-run", device);
        sim.addListener(recorder);
        long[] events = {0};
        sim.addListener(new SimListener() {
            @Override
            public void beforeApply(Simulator s, Address entity, Event event) {
                events[0]++;
            }
        });
        sim.retainReplies(false);
        Address.Client client = new Address.Client("bench");
        int bos = SimulatorBenchmark.BOS;
        Address.Bo[] bo = new Address.Bo[bos];
        long[] pages = new long[bos];
        SplittableRandom random = new SplittableRandom(SimulatorBenchmark.SEED);
        long[] sizes = {16, 32, 64, 128, 256, 512};
        Set<Long> pending = sim.pendingRequests();
        for (int i = 0; i < bos; i++) {
            bo[i] = new Address.Bo("bo" + i);
            pages[i] = sizes[random.nextInt(sizes.length)];
            sim.submit(client, bo[i], new BufferObject.Create(pages[i], i % 10 == 0 ? 1 : 0, SimulatorBenchmark.VRAM_TT, sim.newRequestId(), client));
            if (!sim.settle(10_000_000)) throw new IllegalStateException("create did not settle");
        }
        int[] pinned = new int[SimulatorBenchmark.MAX_PINNED];
        int pinnedCount = 0;
        while (events[0] < minEvents) {
            while (pending.size() < SimulatorBenchmark.WINDOW) {
                long id = sim.newRequestId();
                int r = random.nextInt(1000);
                int b = random.nextInt(bos);
                Message m;
                if (r < 200) m = new BufferObject.Validate(SimulatorBenchmark.VRAM, null, false, id, client);
                else if (r < 350) m = new BufferObject.Validate(SimulatorBenchmark.VRAM_TT, null, false, id, client);
                else if (r < 450) m = new BufferObject.Validate(SimulatorBenchmark.VRAM_VISIBLE, null, false, id, client);
                else if (r < 600) m = new BufferObject.Validate(SimulatorBenchmark.TT, null, false, id, client);
                else if (r < 850) m = new BufferObject.Fault(random.nextLong(pages[b]), id, client);
                else if (r < 950) m = new BufferObject.Unmap(null, id, client);
                else if (r < 975 && pinnedCount < pinned.length) {
                    pinned[pinnedCount++] = b;
                    m = new BufferObject.Pin(null, null, id, client);
                } else if (pinnedCount > 0) {
                    int k = random.nextInt(pinnedCount);
                    b = pinned[k];
                    pinned[k] = pinned[--pinnedCount];
                    m = new BufferObject.Unpin(null, id, client);
                } else m = new BufferObject.Unmap(null, id, client);
                sim.submit(client, bo[b], m);
            }
            if (!sim.step()) throw new IllegalStateException("simulator idle with requests unanswered");
        }
        if (!sim.settle(10_000_000)) throw new IllegalStateException("the run did not settle");
        SimRecorder.Journal j = recorder.journal();
        List<JournalEntry> entries = new ArrayList<>();
        long ev = 0;
        for (Map.Entry<Address, List<Recorded>> e : j.entries().entrySet()) {
            long seq = 0;
            for (Recorded r : e.getValue()) {
                entries.add(new JournalEntry(e.getKey(), ++seq, r));
                ev += r.events().size();
            }
        }
        entries.sort(Comparator.comparingLong(JournalEntry::stamp));
        return new Generated(device, List.copyOf(entries), ev, sim.delivered(), j);
    }

    /** One pass of the fold: wall time, CPU time of this thread and of the process, and the result. */
    public record Pass(long wallNanos, long cpuNanos, long processCpuNanos, FoldResult result) {}

    public static Pass fold(Generated g) {
        long p0 = OS.getProcessCpuTime();
        long c0 = MX.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        JournalFold fold = new JournalFold(g.device());
        for (JournalEntry e : g.entries()) fold.apply(e);
        FoldResult r = fold.finish();
        long t1 = System.nanoTime();
        long c1 = MX.getCurrentThreadCpuTime();
        long p1 = OS.getProcessCpuTime();
        if (!r.violations().isEmpty()) throw new IllegalStateException(r.violations().size() + " violation(s), first: " + r.violations().get(0));
        if (r.divergences() != 0) throw new IllegalStateException(r.divergences() + " divergence(s), first: " + r.firstDivergence());
        if (r.events() != g.events()) throw new IllegalStateException("folded " + r.events() + " events of " + g.events());
        return new Pass(t1 - t0, c1 - c0, p1 - p0, r);
    }

    public static void main(String[] args) throws Exception {
        long minEvents = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean disk = args.length > 3 && args[3].equals("disk");
        long t0 = System.nanoTime();
        Generated g = generate(minEvents);
        System.out.printf("journal: %,d entries, %,d events (%.2f events per entry), %,d simulator messages; recorded in %.1f s%n",
                g.entries().size(), g.events(), (double) g.events() / g.entries().size(), g.messages(), (System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < warmups; i++) report("warm-up", g, fold(g));
        double[] ev = new double[passes];
        double[] evCpu = new double[passes];
        double[] evProcess = new double[passes];
        for (int i = 0; i < passes; i++) {
            Pass p = fold(g);
            report("pass", g, p);
            ev[i] = g.events() / (p.wallNanos() / 1e9);
            evCpu[i] = g.events() / (p.cpuNanos() / 1e9);
            evProcess[i] = g.events() / (p.processCpuNanos() / 1e9);
        }
        java.util.Arrays.sort(ev);
        java.util.Arrays.sort(evCpu);
        java.util.Arrays.sort(evProcess);
        System.out.printf("fold: median %,.0f events/s (%,.0f entries/s), per CPU-second %,.0f events/s (fold thread), %,.0f events/s (process); range %,.0f .. %,.0f events/s%n",
                ev[passes / 2], ev[passes / 2] * g.entries().size() / g.events(), evCpu[passes / 2], evProcess[passes / 2], ev[0], ev[passes - 1]);
        if (!disk) return;
        Path dir = Files.createTempDirectory("ttm-replay-bench-");
        try {
            long w0 = System.nanoTime();
            JournalWriter.write(dir, g.journal());
            double ws = (System.nanoTime() - w0) / 1e9;
            System.out.printf("written to LevelDB (JournalWriter, %d events per batch): %.1f s, %,.0f entries/s, %,.0f events/s; %d MiB on disk%n",
                    512, ws, g.entries().size() / ws, g.events() / ws, size(dir) >> 20);
            for (int i = 0; i < passes; i++) {
                long r0 = System.nanoTime();
                JournalReader.Contents c = JournalReader.read(dir);
                double rs = (System.nanoTime() - r0) / 1e9;
                if (c.entries().size() != g.entries().size()) throw new IllegalStateException("read " + c.entries().size() + " entries of " + g.entries().size());
                System.out.printf("read (JournalReader: LevelDB check, query, deserialize, merge): %.2f s, %,.0f entries/s, %,.0f events/s%n",
                        rs, c.entries().size() / rs, g.events() / rs);
            }
        } finally {
            RuntimeLoad.deleteTree(dir);
        }
    }

    /** Bytes under {@code dir}. */
    static long size(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void report(String what, Generated g, Pass p) {
        // The digest too: a faster fold must fold to the same journal digest.
        System.out.printf("%-8s %6.2f s wall (%6.2f s CPU fold thread, %6.2f s process): %,11.0f events/s, %,11.0f entries/s; digest %s%n", what,
                p.wallNanos() / 1e9, p.cpuNanos() / 1e9, p.processCpuNanos() / 1e9, g.events() / (p.wallNanos() / 1e9), g.entries().size() / (p.wallNanos() / 1e9), p.result().digest());
    }
}
