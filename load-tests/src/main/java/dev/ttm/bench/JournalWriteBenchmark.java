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
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Journal write throughput, in one run: (a) bare Pekko typed {@link EventSourcedBehavior}s persisting one small event
 * per command on the runtime's LevelDB journal configuration ({@link Journals#forDataDir}: the same plugin class, native
 * LevelDB when it loads, fsync off, Jackson CBOR), {@code PIDS} persistence ids (300, as the BOs), closed-loop with
 * {@code 8 x 4} commands outstanding (as the runtime load's clients), each answered after its event is written; (b) the
 * actor runtime under {@link RuntimeLoad} with {@code ttm.journal = leveldb} (fsync off): journal entries (one persist
 * each) and events per second, counted afterwards from the journal (the entries stamped in the measured runs). Each is
 * warmed up first. The ratio is (b) entries/s over (a) events/s (both: persist calls per second).
 *
 * <p>{@code java -Xms2g -Xmx2g -cp load-tests/target/ttm.jar dev.ttm.bench.JournalWriteBenchmark [SECONDS_PER_RUN] [RUNS] [OUTSTANDING]} (OUTSTANDING: bare commands in flight, default 32)
 */
public final class JournalWriteBenchmark {
    /** A small event, about as large in CBOR as a journal entry of the runtime (a string, a few numbers). */
    public record Written(String runId, long stamp, String input, long a, long b) implements CborSerializable {}

    public record Persist(long n, ActorRef<Long> replyTo) implements CborSerializable {}

    static Behavior<Persist> entity(String pid) {
        return Behaviors.setup(ctx -> new EventSourcedBehavior<Persist, Written, Long>(PersistenceId.ofUniqueId(pid)) {
            @Override
            public Long emptyState() {
                return 0L;
            }

            @Override
            public CommandHandler<Persist, Written, Long> commandHandler() {
                return newCommandHandlerBuilder().forAnyState().onCommand(Persist.class, (s, c) -> Effect()
                        .persist(new Written("5f0c8e7e-2f7b-4f5e-9d7a-bench", c.n(), "Validate{placement=VRAM,TT}", c.n() * 7, c.n() * 13))
                        .thenReply(c.replyTo(), st -> st)).build();
            }

            @Override
            public EventHandler<Long, Written> eventHandler() {
                return newEventHandlerBuilder().forAnyState().onEvent(Written.class, (s, e) -> s + 1).build();
            }
        });
    }

    /** (a): events per second of {@code pids} bare persistent actors, {@code outstanding} commands in flight. */
    static double bare(Path dir, int pids, int outstanding, double seconds, int runs) throws Exception {
        Config base = ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.persistence.journal.plugin = "pekko.persistence.journal.leveldb"
                pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
                """).withFallback(ConfigFactory.load());
        Config config = Journals.forDataDir(dir, base);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bare-persist", config);
        try {
            @SuppressWarnings("unchecked")
            ActorRef<Persist>[] refs = new ActorRef[pids];
            for (int i = 0; i < pids; i++) refs[i] = system.systemActorOf(entity("bare-" + i), "bare-" + i, Props.empty());
            double best = 0;
            double[] rates = new double[runs + 1];
            for (int run = 0; run <= runs; run++) {
                AtomicLong done = new AtomicLong();
                long deadline = System.nanoTime() + (long) (seconds * 1e9);
                CountDownLatch finished = new CountDownLatch(outstanding);
                long t0 = System.nanoTime();
                for (int w = 0; w < outstanding; w++) loop(system, refs, done, deadline, finished, w);
                if (!finished.await(2, TimeUnit.MINUTES)) throw new IllegalStateException("bare persist did not finish");
                double s = (System.nanoTime() - t0) / 1e9;
                rates[run] = done.get() / s;
                System.out.printf("(a) bare persist %s: %,d events in %.1f s: %,.0f events/s%n", run == 0 ? "warm-up" : "run " + run, done.get(), s, rates[run]);
                if (run > 0) best += rates[run] / runs;
            }
            return best;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        }
    }

    private static void loop(ActorSystem<Void> system, ActorRef<Persist>[] refs, AtomicLong done, long deadline, CountDownLatch finished, int seed) {
        long n = done.get() + seed;
        ActorRef<Persist> to = refs[(int) Math.floorMod(n * 2654435761L, (long) refs.length)];
        AskPattern.<Persist, Long>ask(to, r -> new Persist(n, r), Duration.ofSeconds(30), system.scheduler()).whenComplete((v, x) -> {
            if (x != null) {
                finished.countDown();
                return;
            }
            done.incrementAndGet();
            if (System.nanoTime() < deadline) loop(system, refs, done, deadline, finished, seed + 1);
            else finished.countDown();
        });
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int outstanding = args.length > 2 ? Integer.parseInt(args[2]) : ActorRuntimeBenchmark.CLIENTS * ActorRuntimeBenchmark.WINDOW;
        Path dir = Files.createTempDirectory("ttm-bare-persist-");
        double bare;
        try {
            bare = bare(dir, RuntimeLoad.BOS, outstanding, seconds, runs);
        } finally {
            RuntimeLoad.deleteTree(dir);
        }
        double[] r = runtime(seconds, runs);
        System.out.printf("%n(a) bare persist, mean: %,.0f events/s%n(b) runtime, leveldb, mean: %,.0f entries/s, %,.0f events/s, %,.0f operations/s%n"
                + "ratio (b) entries/s / (a) events/s: %.3f (target 0.70); (b) events/s / (a): %.3f%n", bare, r[0], r[1], r[2], r[0] / bare, r[1] / bare);
    }

    /** (b): mean entries/s, events/s and operations/s of the runtime with journal leveldb. */
    static double[] runtime(double seconds, int runs) {
        RuntimeLoad load = new RuntimeLoad("leveldb", false, ActorRuntimeBenchmark.CLIENTS, ActorRuntimeBenchmark.WINDOW, "cores");
        try {
            // Operations per run from a short probe, so that a run lasts about `seconds`.
            RuntimeLoad.Result probe = load.run(2_000);
            long ops = Math.max(1_000, (long) (probe.opsPerSecond() * seconds));
            long[] from = new long[runs + 1];
            long[] to = new long[runs + 1];
            long[] nanos = new long[runs + 1];
            for (int run = 0; run <= runs; run++) {
                from[run] = load.ttm.wiring().lastStamp();
                RuntimeLoad.Result res = load.run(ops);
                to[run] = load.ttm.wiring().lastStamp();
                nanos[run] = res.nanos();
            }
            load.ttm.close();
            var entries = JournalReader.read(load.dataDir()).entries();
            double[] mean = new double[3];
            for (int run = 0; run <= runs; run++) {
                long n = 0;
                long ev = 0;
                for (JournalEntry e : entries) {
                    if (e.stamp() > from[run] && e.stamp() <= to[run]) {
                        n++;
                        ev += e.recorded().events().size();
                    }
                }
                double s = nanos[run] / 1e9;
                System.out.printf("(b) runtime leveldb %s: %,d operations, %,d entries, %,d events in %.1f s: %,.0f entries/s, %,.0f events/s, %,.0f ops/s%n",
                        run == 0 ? "warm-up" : "run " + run, ops, n, ev, s, n / s, ev / s, ops / s);
                if (run > 0) {
                    mean[0] += n / s / runs;
                    mean[1] += ev / s / runs;
                    mean[2] += ops / s / runs;
                }
            }
            return mean;
        } finally {
            load.close();
        }
    }
}
