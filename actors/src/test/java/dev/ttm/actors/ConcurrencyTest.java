package dev.ttm.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many clients on many threads hammer a few hundred BOs through {@link TtmSystem} with the whole operation mix, under
 * memory pressure (the BOs hold about two and a half times what VRAM and TT hold together), on the in-memory journal
 * with every entry serialized: ticketed multi-BO reservations with wait-die back-off, plain and nowait reservations,
 * validates that evict, faults, kmap/kunmap under a reservation, pins, fences and signals, execbufs, unmaps, destroys
 * and the odd evict-all. The run is bounded by operation count, not time. Then every fence is signalled, every
 * client has released what it holds, the system quiesces, and: every request got exactly one reply (futures completed
 * = requests issued), the invariant checker (fed every decision in stamp order) found nothing, no reservation is held,
 * no request waits, nothing is pinned, kmapped or busy, no ghost is left.
 *
 * <p>Each client's planned operations (which operation, which BOs, placements, pages) follow from the seed alone:
 * operation {@code i} of client {@code c} draws from its own generator, seeded from (seed, c, i). What the operations
 * answer depends on how the actor system interleaves them, and so do the steps a client takes in response (a
 * wait-die back-off and its retries, which pins it has to release), so a seed reproduces the workload but not the
 * schedule. The GPU is modelled as finishing its work whenever a client has waited a while: a client whose request is
 * not answered within a few milliseconds signals every fence attached so far (a walk may be waiting for a ghost).
 * {@code -Dttm.seed=N|clock}, {@code -Dttm.scale=K} (K times the operations), {@code -Dttm.clients=N}.
 */
@ExtendWith(LogCapturingExtension.class)
class ConcurrencyTest {
    static final int CLIENTS = Integer.getInteger("ttm.clients", 8);
    static final int BOS = 300;
    static final int OPS_PER_CLIENT = 300 * scale();
    static final int MAX_DESTROYS = BOS / 10;
    static final int MAX_PINS_PER_CLIENT = 2;
    static final long PAGE = 4096;
    static final Duration PATIENCE = Duration.ofMillis(50);
    static final Duration STALL = Duration.ofSeconds(120);

    static final List<Placement> PLACEMENTS = List.of(
            Placements.parse("VRAM"), Placements.parse("VRAM:visible"), Placements.parse("VRAM,TT"),
            Placements.parse("VRAM:visible,TT"), Placements.parse("TT"), Placements.parse("TT,SYSTEM"),
            Placements.parse("SYSTEM"), Placements.parse("VRAM:desired,TT:fallback"), Placements.parse("VRAM:topdown,TT"));

    final Set<String> fenced = ConcurrentHashMap.newKeySet();
    final AtomicInteger destroys = new AtomicInteger();
    final AtomicLong issued = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final ConcurrentLinkedQueue<CompletableFuture<Reply>> all = new ConcurrentLinkedQueue<>();
    final Map<String, Map<Outcome, LongAdder>> outcomes = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    TtmSystem ttm;

    static int scale() {
        String p = System.getProperty("ttm.scale");
        return p == null || p.isBlank() ? 1 : Integer.parseInt(p.trim());
    }

    static long seed() {
        String p = System.getProperty("ttm.seed");
        long seed = p == null || p.isBlank() ? 20261201L : p.trim().equals("clock") ? System.nanoTime() : Long.parseLong(p.trim());
        System.out.println("ConcurrencyTest seed=" + seed + " (replay the workload: -Dttm.seed=" + seed
                + "; the interleaving of the " + CLIENTS + " client threads is not reproducible, and with it neither are the outcomes)");
        return seed;
    }

    static Config config() {
        return ConfigFactory.parseString("""
                ttm {
                  journal = memory
                  walk = ticket
                  regions = [
                    { name = VRAM, size = 4MiB, visible = 1MiB }
                    { name = TT, size = 8MiB }
                  ]
                }
                pekko.loglevel = INFO
                pekko.persistence.journal.inmem.test-serialization = on
                """).withFallback(TestSystems.small(""));
    }

    @Test
    void manyClientsHammerAFewHundredBosAndEverythingSettles() throws Exception {
        long seed = seed();
        long t0 = System.nanoTime();
        try (TtmSystem system = TtmSystem.start(systemConfig())) {
            ttm = system;
            Random setup = new Random(seed);
            long totalPages = 0;
            List<CompletableFuture<Reply>> creates = new ArrayList<>();
            for (int i = 0; i < BOS; i++) {
                long pages = 4 + setup.nextInt(45);
                totalPages += pages;
                int priority = setup.nextInt(10) == 0 ? 1 + setup.nextInt(3) : 0;
                creates.add(req("create", ttm.bo(name(i)).create(pages * PAGE, PLACEMENTS.get(setup.nextInt(PLACEMENTS.size())), priority)));
            }
            for (CompletableFuture<Reply> c : creates) {
                Reply r = c.get(60, TimeUnit.SECONDS);
                if (r.outcome() != Outcome.OK && r.outcome() != Outcome.ENOMEM) problems.add("create: " + r);
            }
            System.out.println("ConcurrencyTest: " + BOS + " BOs of " + totalPages * PAGE / 1024 + " KiB in all (VRAM 4 MiB, TT 8 MiB), "
                    + CLIENTS + " clients x " + OPS_PER_CLIENT + " operations");

            List<Thread> threads = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> crashed = new ConcurrentLinkedQueue<>();
            for (int c = 0; c < CLIENTS; c++) {
                Client client = new Client(c, seed);
                Thread t = new Thread(() -> {
                    try {
                        client.run();
                    } catch (Throwable e) {
                        crashed.add(e);
                    }
                }, "ttm-client-" + c);
                threads.add(t);
                t.start();
            }
            AtomicBoolean clientsDone = new AtomicBoolean();
            Runnable side = besideTheClients(seed, clientsDone);
            Thread beside = side == null ? null : new Thread(() -> {
                try {
                    side.run();
                } catch (Throwable e) {
                    crashed.add(e);
                }
            }, "ttm-beside-the-clients");
            if (beside != null) beside.start();
            for (Thread t : threads) t.join();
            clientsDone.set(true);
            if (beside != null) beside.join();
            if (!crashed.isEmpty()) {
                AssertionError e = new AssertionError("a client failed: " + crashed.peek(), crashed.peek());
                crashed.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }

            // The GPU finishes everything; every request ever issued is answered; the model settles.
            List<CompletableFuture<Reply>> signals = new ArrayList<>();
            for (int i = 0; i < BOS; i++) signals.add(req("signal", ttm.bo(name(i)).signal()));
            CompletableFuture.allOf(signals.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertTrue(ttm.awaitQuiescence(Duration.ofSeconds(60)), () -> ttm.inFlight() + " messages still in flight");
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("ConcurrencyTest: " + issued.get() + " requests in " + elapsedMs + " ms; outcomes " + summary());

            assertTrue(problems.isEmpty(), () -> problems.size() + " protocol problem(s): " + String.join("\n", problems));
            assertEquals(issued.get(), completed.get(), "every request issued got its reply");
            assertEquals(issued.get(), all.size());
            for (CompletableFuture<Reply> f : all) assertTrue(f.isDone() && !f.isCompletedExceptionally());

            Snapshot s = TestSystems.join(ttm.views());
            assertEquals(BOS, s.bos().size());
            List<String> left = new ArrayList<>();
            for (BoView v : s.bos().values()) {
                if (v.holder().isPresent()) left.add(v.name() + " reserved by " + v.holder().get());
                if (v.waiters() > 0) left.add(v.name() + " has " + v.waiters() + " request(s) waiting");
                if (v.pins() > 0) left.add(v.name() + " pinned " + v.pins());
                if (!v.kmaps().isEmpty()) left.add(v.name() + " kmapped " + v.kmaps());
                if (v.busy()) left.add(v.name() + " busy");
                if (v.destroyed() && v.resource().isPresent()) left.add(v.name() + " destroyed but holds " + v.resource().get());
            }
            for (RegionView r : s.regions().values()) {
                if (!r.ghosts().isEmpty()) left.add(r.name() + " ghosts " + r.ghosts());
                if (r.movePending()) left.add(r.name() + " move fence pending");
            }
            assertTrue(left.isEmpty(), () -> "left behind: " + left);
            assertTrue(s.counters().evictions() > 0, "the workload evicts");
            System.out.println("ConcurrencyTest: " + s.counters() + ", " + Math.min(destroys.get(), MAX_DESTROYS) + " destroys");

            InvariantReport report = TestSystems.join(ttm.invariantReport());
            assertTrue(report.ok(), report::toString);
            afterSettling();
        }
    }

    /** The system's configuration (a subclass may run the same workload on another). */
    Config systemConfig() {
        return config();
    }

    /** What runs on a thread of its own beside the clients (a subclass injects faults) until {@code clientsDone}; null: nothing. */
    Runnable besideTheClients(long seed, AtomicBoolean clientsDone) {
        return null;
    }

    /** A subclass's own checks, once everything has settled and the checks above passed. */
    void afterSettling() {}

    // ---- one client --------------------------------------------------------------------------------------------
    final class Client {
        final int index;
        final long seed;
        final String owner;
        final Deque<String> pins = new ArrayDeque<>();

        Client(int index, long seed) {
            this.index = index;
            this.seed = seed;
            this.owner = "c" + index;
        }

        void run() {
            for (int i = 0; i < OPS_PER_CLIENT; i++) step(new Random(seed * 1_000_003L + index * 7_919L + i));
            while (!pins.isEmpty()) await("unpin", ttm.bo(pins.pop()).unpin());
        }

        void step(Random rng) {
            int dice = rng.nextInt(100);
            BoHandle bo = ttm.bo(pick(rng));
            if (dice < 12) transaction(rng);
            else if (dice < 20) single(rng, bo);
            else if (dice < 36) await("validate", bo.validate(placement(rng), null, rng.nextInt(4) == 0));
            else if (dice < 50) await("fault", bo.fault(rng.nextInt(10) == 0 ? 1000 : rng.nextInt(4)));
            else if (dice < 55) pin(rng, bo);
            else if (dice < 58) unpin();
            else if (dice < 65) {
                if (await("fence", bo.fence()).outcome() == Outcome.OK) fenced.add(bo.name());
            } else if (dice < 72) {
                List<String> f = new ArrayList<>(fenced);
                String which = f.isEmpty() || rng.nextInt(4) == 0 ? bo.name() : f.get(rng.nextInt(f.size()));
                fenced.remove(which);
                await("signal", ttm.bo(which).signal());
            } else if (dice < 84) execbuf(rng);
            else if (dice < 90) await("unmap", bo.unmap());
            else if (dice < 93) {
                if (destroys.incrementAndGet() <= MAX_DESTROYS) await("destroy", bo.destroy());
                else await("fault", bo.fault(0));
            } else if (dice < 94) await("evict-all", ttm.region(rng.nextBoolean() ? "VRAM" : "TT").evictAll());
            else await("validate", bo.validate(placement(rng)));
        }

        /** A ww transaction: reserve 2-3 BOs with one ticket (backing off on EDEADLK), work on them, release them. */
        void transaction(Random rng) {
            List<String> want = distinct(rng, 2 + rng.nextInt(2));
            long ticket = ttm.newTicket();
            List<String> held = new ArrayList<>();
            String contended = null;
            for (int backoffs = 0; ; ) {
                List<String> order = new ArrayList<>(want);
                if (contended != null) {
                    order.remove(contended);
                    order.add(0, contended);
                }
                String died = null;
                for (String b : order) {
                    if (held.contains(b)) continue;
                    Reply r = await("reserve-ticket", ttm.bo(b).reserve(owner, ticket));
                    if (r.outcome() == Outcome.OK) held.add(b);
                    else if (r.outcome() == Outcome.EDEADLK) {
                        died = b;
                        break;
                    } else if (r.outcome() != Outcome.ENOENT) problems.add(owner + " ticket " + ticket + " reserve " + b + ": " + r);
                }
                if (died == null) break;
                release(held);                                     // wait-die: release everything, then
                contended = died;                                  // wait for the contended BO first
                if (++backoffs > 8) return;
            }
            for (String b : held) work(rng, ttm.bo(b));
            release(held);
        }

        /** One BO reserved without a ticket (waiting, or nowait), worked on, released. */
        void single(Random rng, BoHandle bo) {
            Reply r = await("reserve", rng.nextBoolean() ? bo.reserve(owner) : bo.tryReserve(owner));
            if (r.outcome() != Outcome.OK) return;
            work(rng, bo);
            expectOk("unreserve", bo.unreserve(owner));
        }

        /** What a holder does under its reservation. */
        void work(Random rng, BoHandle bo) {
            if (rng.nextInt(3) > 0) await("validate-reserved", bo.validate(placement(rng), owner, rng.nextInt(5) == 0));
            if (rng.nextInt(3) == 0) {
                Reply k = await("kmap", bo.kmap(owner));
                if (rng.nextBoolean()) await("fault-reserved", bo.fault(0)); // RETRY: reserved, and a fault never waits
                if (k.outcome() == Outcome.OK) expectOk("kunmap", bo.kunmap(owner));
            }
            if (rng.nextInt(8) == 0 && await("pin-reserved", bo.pin(null, owner)).outcome() == Outcome.OK) expectOk("unpin-reserved", bo.unpin(owner));
        }

        void release(List<String> held) {
            for (String b : held) expectOk("unreserve", ttm.bo(b).unreserve(owner));
            held.clear();
        }

        void pin(Random rng, BoHandle bo) {
            if (pins.size() >= MAX_PINS_PER_CLIENT) unpin();
            Placement where = rng.nextBoolean() ? null : placement(rng);
            if (await("pin", bo.pin(where)).outcome() == Outcome.OK) pins.add(bo.name());
        }

        void unpin() {
            if (!pins.isEmpty()) await("unpin", ttm.bo(pins.pop()).unpin());
        }

        void execbuf(Random rng) {
            ExecbufBuilder x = ttm.execbuf();
            List<String> bos = distinct(rng, 2 + rng.nextInt(3));
            for (String b : bos) x.add(b, placement(rng));
            boolean fence = rng.nextBoolean();
            if (fence) x.fence();
            Reply r = await("execbuf", x.submit());
            if (fence && r.outcome() == Outcome.OK) fenced.addAll(bos);
        }

        void expectOk(String kind, CompletionStage<Reply> stage) {
            Reply r = await(kind, stage);
            if (r.outcome() != Outcome.OK) problems.add(owner + " " + kind + ": " + r);
        }
    }

    // ---- requests ----------------------------------------------------------------------------------------------
    /**
     * Counts the request and its one reply. The future returned (and kept in {@link #all}) is the counting stage's, so
     * it completes only once the reply has been counted: a dependent of the reply's own future (such as an
     * {@code allOf} over them) may run before this count does, since a future runs its dependents in no promised order.
     */
    CompletableFuture<Reply> req(String kind, CompletionStage<Reply> stage) {
        issued.incrementAndGet();
        CompletableFuture<Reply> f = stage.toCompletableFuture().whenComplete((r, e) -> {
            completed.incrementAndGet();
            if (r != null) outcomes.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).computeIfAbsent(r.outcome(), o -> new LongAdder()).increment();
        });
        all.add(f);
        return f;
    }

    /** Waits for the reply; while it waits, the GPU completes: every fence attached so far signals. */
    Reply await(String kind, CompletionStage<Reply> stage) {
        CompletableFuture<Reply> f = req(kind, stage);
        long until = System.nanoTime() + STALL.toNanos();
        while (true) {
            try {
                return f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() > until) fail(kind + " not answered within " + STALL + ": " + stallReport());
                for (String b : List.copyOf(fenced)) if (fenced.remove(b)) req("signal-while-waiting", ttm.bo(b).signal());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            } catch (ExecutionException e) {
                throw new AssertionError(kind + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    String stallReport() {
        try {
            Snapshot s = ttm.views().toCompletableFuture().get(10, TimeUnit.SECONDS);
            StringBuilder b = new StringBuilder("in flight " + ttm.inFlight());
            for (BoView v : s.bos().values())
                if (v.holder().isPresent() || v.waiters() > 0) b.append("\n  ").append(v.name()).append(" held by ").append(v.holder().map(Object::toString).orElse("nobody"))
                        .append(", ").append(v.waiters()).append(" waiting, busy=").append(v.busy());
            return b.toString();
        } catch (Exception e) {
            return "(no views: " + e + ")";
        }
    }

    String summary() {
        Map<String, Map<Outcome, Long>> m = new TreeMap<>();
        outcomes.forEach((k, v) -> {
            Map<Outcome, Long> o = new TreeMap<>();
            v.forEach((outcome, n) -> o.put(outcome, n.sum()));
            m.put(k, o);
        });
        return m.toString();
    }

    static String name(int i) {
        return "bo" + i;
    }

    static String pick(Random rng) {
        return name(rng.nextInt(BOS));
    }

    static List<String> distinct(Random rng, int n) {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String b = pick(rng);
            if (!out.contains(b)) out.add(b);
        }
        Collections.shuffle(out, rng);
        return out;
    }

    static Placement placement(Random rng) {
        return PLACEMENTS.get(rng.nextInt(PLACEMENTS.size()));
    }
}
