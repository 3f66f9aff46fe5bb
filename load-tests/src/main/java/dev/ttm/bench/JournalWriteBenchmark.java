package dev.ttm.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.CborSerializable;
import dev.ttm.persistence.JournalReader;
import dev.ttm.persistence.Journals;
import dev.ttm.protocol.journal.JournalEntry;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Journal write throughput of the actor runtime against a bare Pekko Persistence baseline, in one process, rounds
 * interleaved (even rounds runtime first, odd rounds bare first; round 0 is the warm-up of both):
 *
 * <p>(a) <b>bare</b>: {@code ENTITIES} (304: as the runtime's persistent entities under this load, 300 BOs, 3 region
 * managers, the IO manager) Pekko typed {@link EventSourcedBehavior}s, each persisting one event per command (one
 * {@code persist} call per command, no {@code persistAll}), on the runtime's LevelDB journal configuration
 * ({@link Journals#forDataDir}: the same plugin class, native LevelDB when it loads (the same probe), fsync off), the
 * events Jackson CBOR (bound as the runtime's are) of about the size of the runtime's entries ({@code PAYLOAD} bytes
 * serialized; the runtime's mean is measured and printed). Each entity has its own driver actor, which keeps
 * {@code W} commands outstanding on it: plain tells, the entity's reply ({@code thenReply}, a tell) sends the next
 * command; no ask, no future on the hot path. Entities and drivers run on the runtime's entity dispatcher
 * ({@code ttm.actors.entity-dispatcher}: a fork-join pool with one thread per core). The window is swept
 * ({@code WINDOWS}, default 1,4,16,64); the baseline is the best window's mean.
 *
 * <p>(b) <b>runtime</b>: the actor runtime under {@link RuntimeLoad} ({@code CLIENTSxWINDOW} clients, default
 * {@code 8x4}, {@code cores} dispatcher) with {@code ttm.journal = leveldb} (fsync off, check off): journal entries (one persist each) and events
 * per second, counted afterwards from the journal (the entries stamped in each measured run).
 *
 * <p>Both sides warm up for about as long: the bare side one run per window, the runtime as many runs, each sized
 * from the rate of the one before so that it lasts about a run's time (so are the measured runs).
 *
 * <p>The ratio is (b) entries/s over (a) persists/s (both: persist calls per second, one event for the bare).
 *
 * <p>{@code java -Xms2g -Xmx2g -cp load-tests/target/ttm.jar dev.ttm.bench.JournalWriteBenchmark [SECONDS_PER_RUN] [RUNS] [WINDOWS] [PAYLOAD] [ENTITIES] [CLIENTSxWINDOW] [leveldb|memory]}
 * (defaults 10, 3, 1,4,16,64, 467, 304, 8x4, leveldb). With {@code memory} both sides use Pekko's in-memory journal
 * ({@code pekko.persistence.journal.inmem}; the runtime with its own dispatchers for it, the bare side as Pekko sets
 * it): the ceiling of persists per second without any storage, and the runtime's entries are the wiring's count
 * ({@code Wiring.journalEntries}; events are not counted).
 */
public final class JournalWriteBenchmark {
    /** The runtime's persistent entities under {@link RuntimeLoad}: the BOs, VRAM, TT and SYSTEM's managers, the IO manager. */
    static final int ENTITIES = RuntimeLoad.BOS + 3 + 1;
    /** Bytes of a bare event in CBOR by default: about the runtime's mean serialized entry under this load (measured, printed each run). */
    static final int PAYLOAD = 467;

    /** The bare event: the shape of a journal entry (a run id, a stamp, an input, numbers), padded to the target size. */
    public record Written(String runId, long stamp, String input, long a, long b) implements CborSerializable {}

    /** A command to a bare entity: persist one event, then reply to {@code replyTo}. Local only (never serialized). */
    public record Persist(long n, ActorRef<Object> replyTo) {}

    /** Starts a driver's run. */
    record Start(Run run, int window) {}

    /** One measured run of the bare side: drivers send while {@code running}; each counts down {@code drained} once its last reply is in. */
    static final class Run {
        volatile boolean running = true;
        final LongAdder done = new LongAdder();
        final CountDownLatch drained;

        Run(int drivers) {
            drained = new CountDownLatch(drivers);
        }
    }

    static Behavior<Persist> entity(String pid, String pad) {
        return Behaviors.setup(ctx -> new EventSourcedBehavior<Persist, Written, Long>(PersistenceId.ofUniqueId(pid)) {
            @Override
            public Long emptyState() {
                return 0L;
            }

            @Override
            public CommandHandler<Persist, Written, Long> commandHandler() {
                return newCommandHandlerBuilder().forAnyState().onCommand(Persist.class, (s, c) -> Effect()
                        .persist(new Written("5f0c8e7e-2f7b-4f5e-9d7a-0c1d2e3f4a5b", c.n(), pad, c.n() * 7, c.n() * 13))
                        .thenReply(c.replyTo(), st -> st)).build();
            }

            @Override
            public EventHandler<Long, Written> eventHandler() {
                return newEventHandlerBuilder().forAnyState().onEvent(Written.class, (s, e) -> s + 1).build();
            }
        });
    }

    /**
     * The driver of one entity: a {@link Start} sends {@code window} commands; each reply (a {@code Long}, the
     * entity's state) is counted and, while the run lasts, sends the next.
     */
    static Behavior<Object> driver(ActorRef<Persist> entity) {
        return Behaviors.setup(ctx -> {
            ActorRef<Object> self = ctx.getSelf();
            long[] seq = {0};
            int[] outstanding = {0};
            Run[] run = {null};
            return Behaviors.receive(Object.class)
                    .onMessage(Start.class, s -> {
                        run[0] = s.run();
                        outstanding[0] = s.window();
                        for (int i = 0; i < s.window(); i++) entity.tell(new Persist(++seq[0], self));
                        return Behaviors.same();
                    })
                    .onMessage(Long.class, ack -> {
                        Run r = run[0];
                        r.done.increment();
                        if (r.running) entity.tell(new Persist(++seq[0], self));
                        else if (--outstanding[0] == 0) r.drained.countDown();
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** The bare side: an actor system on its own LevelDB journal, {@code entities} entities and their drivers. */
    static final class Bare implements AutoCloseable {
        final Path dir;
        final ActorSystem<Void> system;
        final ActorRef<Object>[] drivers;

        @SuppressWarnings("unchecked")
        Bare(int entities, String pad, String journal) throws Exception {
            dir = Files.createTempDirectory("ttm-bare-persist-");
            String plugin = journal.equals("memory") ? "pekko.persistence.journal.inmem" : "pekko.persistence.journal.leveldb";
            Config base = ConfigFactory.parseString("""
                    pekko.loglevel = WARNING
                    pekko.persistence.journal.plugin = "%s"
                    pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
                    """.formatted(plugin)).withFallback(RuntimeLoad.config("leveldb", false, dir, "cores"));
            system = ActorSystem.create(Behaviors.empty(), "bare-persist", Journals.forDataDir(dir, base));
            String d = system.settings().config().getString("ttm.actors.dispatcher");
            Props props = d.isEmpty() ? Props.empty() : DispatcherSelector.fromConfig(d);
            drivers = new ActorRef[entities];
            for (int i = 0; i < entities; i++) {
                ActorRef<Persist> e = system.systemActorOf(entity("bare:" + i, pad), "bare-" + i, props);
                drivers[i] = system.systemActorOf(driver(e), "driver-" + i, props);
            }
        }

        /** CPU of the whole process per persist (microseconds) and cores busy, in the last run. */
        double lastCpuPerPersist;
        double lastCores;

        boolean nativeLevelDb() {
            return system.settings().config().getBoolean(Journals.JOURNAL + ".native");
        }

        /** Persists per second with {@code window} commands outstanding per entity, for about {@code seconds} (then drained). */
        double run(int window, double seconds) throws InterruptedException {
            Run r = new Run(drivers.length);
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            for (ActorRef<Object> d : drivers) d.tell(new Start(r, window));
            Thread.sleep((long) (seconds * 1000));
            r.running = false;
            if (!r.drained.await(2, TimeUnit.MINUTES)) throw new IllegalStateException("bare persist did not drain");
            double s = (System.nanoTime() - t0) / 1e9;
            lastCpuPerPersist = (cpuNanos() - c0) / 1e3 / r.done.sum();
            lastCores = (cpuNanos() - c0) / 1e9 / s;
            return r.done.sum() / s;
        }

        @Override
        public void close() throws Exception {
            try {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
            } finally {
                RuntimeLoad.deleteTree(dir);
            }
        }
    }

    /** A padding text that makes {@link Written} about {@code target} bytes in CBOR. */
    static String pad(Serialization ser, int target) {
        StringBuilder sb = new StringBuilder();
        while (size(ser, new Written("5f0c8e7e-2f7b-4f5e-9d7a-0c1d2e3f4a5b", 1_000_000, sb.toString(), 7_000_000, 13_000_000)) < target) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.toString();
    }

    static int size(Serialization ser, Object o) {
        try {
            return ser.serialize(o).get().length;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int[] windows = Arrays.stream((args.length > 2 ? args[2] : "1,4,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        int payload = args.length > 3 ? Integer.parseInt(args[3]) : PAYLOAD;
        int entities = args.length > 4 ? Integer.parseInt(args[4]) : ENTITIES;
        String journal = args.length > 6 ? args[6] : "leveldb";
        if (!journal.equals("leveldb") && !journal.equals("memory")) throw new IllegalArgumentException("journal: leveldb or memory, not " + journal);
        String[] shape = (args.length > 5 ? args[5] : ActorRuntimeBenchmark.CLIENTS + "x" + ActorRuntimeBenchmark.WINDOW).split("x");
        int clients = Integer.parseInt(shape[0]);
        int window = Integer.parseInt(shape[1]);

        // A throwaway system for sizes: the same serialization bindings (Jackson CBOR, the model's module) as both sides.
        ActorSystem<Void> sizing = ActorSystem.create(Behaviors.empty(), "sizes", ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
        Serialization ser = SerializationExtension.get(Adapter.toClassic(sizing));
        String pad = pad(ser, payload);
        int bareSize = size(ser, new Written("5f0c8e7e-2f7b-4f5e-9d7a-0c1d2e3f4a5b", 1_000_000, pad, 7_000_000, 13_000_000));

        double[][] bare = new double[windows.length][runs + 1];
        long[] from = new long[runs + 1];
        long[] to = new long[runs + 1];
        long[] nanos = new long[runs + 1];
        long[] cpu = new long[runs + 1];
        long[] opsDone = new long[runs + 1];
        long[] asked = new long[runs + 1]; // entries asked of the journal in each runtime run (Wiring's counter)
        long ops;
        RuntimeLoad load = new RuntimeLoad(journal, false, clients, window, "cores");
        boolean runtimeNative = load.ttm.actorSystem().settings().config().getBoolean(Journals.JOURNAL + ".native");
        try (Bare b = new Bare(entities, pad, journal)) {
            System.out.printf("journal %s; bare: %d entities, event %d bytes CBOR, native LevelDB %s, fsync %s; runtime: %d x %d clients, native LevelDB %s, fsync %s; windows %s, %.0f s per run%n",
                    journal, entities, bareSize, b.nativeLevelDb(), b.system.settings().config().getBoolean(Journals.JOURNAL + ".fsync"),
                    clients, window, runtimeNative, load.ttm.actorSystem().settings().config().getBoolean(Journals.JOURNAL + ".fsync"), Arrays.toString(windows), seconds);
            // Operations per runtime run from a short probe, so that a run lasts about `seconds`.
            RuntimeLoad.Result probe = load.run(2_000);
            ops = Math.max(1_000, (long) (probe.opsPerSecond() * seconds));
            // The runtime warms up as long as the bare side does in round 0 (one run per window), each run sized from
            // the one before: the JIT compiles the shared Pekko paths during either side's runs, but the model's, the
            // wiring's and the entries' serializers only during the runtime's, which a single short warm-up run left
            // still speeding up over the measured runs.
            for (int i = 1; i < windows.length; i++) {
                RuntimeLoad.Result w = load.run(ops);
                System.out.printf("(b) runtime warm-up %d of %d: %,.0f ops/s%n", i, windows.length, w.opsPerSecond());
                ops = Math.max(1_000, (long) (w.opsPerSecond() * seconds));
            }
            for (int round = 0; round <= runs; round++) {
                String name = round == 0 ? "warm-up" : "run " + round;
                boolean runtimeFirst = round % 2 == 0;
                if (round > 0) ops = Math.max(1_000, (long) (opsDone[round - 1] / (nanos[round - 1] / 1e9) * seconds)); // from the last run's rate
                opsDone[round] = ops;
                if (runtimeFirst) runtimeRun(load, ops, round, from, to, nanos, cpu, asked, name);
                for (int w = 0; w < windows.length; w++) {
                    bare[w][round] = b.run(windows[w], seconds);
                    System.out.printf("(a) bare %s, window %d per entity (%d in flight): %,.0f persists/s; process CPU %.1f us per persist, %.2f cores%n",
                            name, windows[w], windows[w] * entities, bare[w][round], b.lastCpuPerPersist, b.lastCores);
                }
                if (!runtimeFirst) runtimeRun(load, ops, round, from, to, nanos, cpu, asked, name);
            }
        } catch (Throwable t) {
            load.close();
            throw t;
        }

        // The runtime's entries per run, from its journal.
        double[] mean = new double[3];
        long bytes = 0;
        long counted = 0;
        Set<Object> pids = new HashSet<>();
        Map<Object, Long> byEntity = new HashMap<>();
        try {
            load.ttm.close();
            // The in-memory journal is gone with its system: its entries are the wiring's count, its events unknown (0).
            var entries = journal.equals("leveldb") ? JournalReader.read(load.dataDir()).entries() : List.<JournalEntry>of();
            for (int run = 0; run <= runs; run++) {
                long n = 0;
                long ev = 0;
                for (JournalEntry e : entries) {
                    if (e.stamp() > from[run] && e.stamp() <= to[run]) {
                        n++;
                        ev += e.recorded().events().size();
                        if (run > 0) {
                            pids.add(e.entity());
                            byEntity.merge(e.entity(), 1L, Long::sum);
                            bytes += size(ser, e.recorded());
                            counted++;
                        }
                    }
                }
                if (!journal.equals("leveldb")) n = asked[run];
                double s = nanos[run] / 1e9;
                System.out.printf("(b) runtime %s: %,d operations, %,d entries, %s events in %.1f s: %,.0f entries/s, %s events/s, %,.0f ops/s; process CPU %.1f us per entry%n",
                        run == 0 ? "warm-up" : "run " + run, opsDone[run], n, entries.isEmpty() ? "-" : String.format("%,d", ev), s, n / s,
                        entries.isEmpty() ? "-" : String.format("%,.0f", ev / s), opsDone[run] / s, cpu[run] / 1e3 / n);
                if (run > 0) {
                    mean[0] += n / s / runs;
                    mean[1] += ev / s / runs;
                    mean[2] += opsDone[run] / s / runs;
                }
            }
        } finally {
            load.close();
            sizing.terminate();
        }

        System.out.println();
        int best = 0;
        for (int w = 0; w < windows.length; w++) {
            double m = 0;
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (int run = 1; run <= runs; run++) {
                m += bare[w][run] / runs;
                lo = Math.min(lo, bare[w][run]);
                hi = Math.max(hi, bare[w][run]);
            }
            bare[w][0] = m;
            if (m > bare[best][0]) best = w;
            System.out.printf("(a) bare, window %d per entity, mean: %,.0f persists/s = events/s (%,.0f .. %,.0f)%n", windows[w], m, lo, hi);
        }
        double baseline = bare[best][0];
        if (journal.equals("leveldb")) {
            System.out.printf("(b) runtime, mean: %,.0f entries/s, %,.0f events/s, %,.0f operations/s; %d entities wrote; mean entry %.0f bytes CBOR (bare event %d)%n",
                    mean[0], mean[1], mean[2], pids.size(), (double) bytes / Math.max(1, counted), bareSize);
            long all = byEntity.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("(b) runtime entries by entity (measured runs): %s%n", byEntity.entrySet().stream()
                    .sorted(Map.Entry.<Object, Long>comparingByValue().reversed()).limit(6)
                    .map(e -> String.format("%s %.1f%%", e.getKey(), 100.0 * e.getValue() / all)).toList() + ", ...");
        } else {
            System.out.printf("(b) runtime, mean: %,.0f entries/s (the wiring's count; events not counted), %,.0f operations/s%n", mean[0], mean[2]);
        }
        System.out.printf("baseline: bare window %d, %,.0f persists/s%nratio (b) entries/s / (a) persists/s: %.3f (target 0.70)%n",
                windows[best], baseline, mean[0] / baseline);
        if (journal.equals("leveldb")) System.out.printf("(b) events/s / (a) events/s: %.3f%n", mean[1] / baseline);
    }

    /** CPU time of the whole process so far. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** One runtime run of {@code ops} operations; the stamps before and after delimit its entries in the journal. */
    private static void runtimeRun(RuntimeLoad load, long ops, int round, long[] from, long[] to, long[] nanos, long[] cpu, long[] asked, String name) {
        from[round] = load.ttm.wiring().lastStamp();
        long entries0 = load.ttm.wiring().journalEntries();
        long c0 = cpuNanos();
        RuntimeLoad.Result res = load.run(ops);
        cpu[round] = cpuNanos() - c0;
        to[round] = load.ttm.wiring().lastStamp();
        asked[round] = load.ttm.wiring().journalEntries() - entries0;
        nanos[round] = res.nanos();
        System.out.printf("(b) runtime %s: %,d operations in %.1f s: %,.0f ops/s; process CPU %.2f cores%n", name, ops, res.nanos() / 1e9, res.opsPerSecond(),
                cpu[round] / (double) res.nanos());
    }
}
