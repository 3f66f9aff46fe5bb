package dev.ttm.bench;

import dev.ttm.actors.TtmSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Heap per idle buffer object on the actor runtime: {@code ttm.journal = none}, {@code ttm.check = off}, so each BO
 * is a plain behavior holding its decider state, and nothing else keeps a copy.
 *
 * <p>How: start a system and create {@value #WARM_UP} BOs first (classes loaded, code compiled, the guardian and the
 * directory past their first growth); quiesce; {@link System#gc()} until the used heap stops falling (at least
 * {@value #MIN_GCS} times); read the used heap ({@link MemoryMXBean#getHeapMemoryUsage()}). Then create {@code
 * count} BOs of {@code pages} pages each in {@code placement} (at most 1,000 creates outstanding; the calling thread
 * waits, not an actor), quiesce, wait until the timeouts of the spawns' asks (30 s) have passed (until then each
 * leaves a cancelled timer of 48 bytes in Pekko's scheduler, no part of an idle BO; those of the warm-up, still
 * there at the first reading, make the figure at most 0.5 bytes low at 100,000 BOs), collect the same way, read the
 * used heap again: (after - before) / count is the heap per BO. It is everything a BO costs in the JVM, not only its actor: the actor (cell, mailbox, behavior,
 * path), the BO's state and decider, its entry in the directory and in the guardian's children, and the region
 * manager's bookkeeping of its resource (allocation, LRU), unless the placement is {@code none}. The live-object
 * class histogram (the JVM's {@code GC.class_histogram}) is taken before and after as well, and the classes that grew
 * most are printed per BO: where the bytes go.
 *
 * <p>{@code pekko} instead of a placement measures the yardstick: as many idle bare Pekko typed actors, spawned by
 * one parent with names and default props as the guardian spawns BOs: what Pekko itself costs per actor.
 *
 * <p>{@code java -Xms1g -Xmx1g -cp load-tests/target/ttm.jar dev.ttm.bench.HeapPerBo [COUNT] [system|none|vram|pekko]
 * [PAGES]} (defaults: 100000, system, 16; a fixed heap keeps G1 from resizing between the two readings).
 */
public final class HeapPerBo {
    public static final int WARM_UP = 1_000;
    static final int MIN_GCS = 3;
    static final int OUTSTANDING = 1_000;
    /** The timeout of TtmSystem's asks (a spawn is one). */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    /** The figures of one measurement. */
    public record Result(int count, long before, long after, long createNanos, List<String> topClasses) {
        public double bytesPerBo() {
            return (double) (after - before) / count;
        }
    }

    private HeapPerBo() {}

    public static Placement placement(String word) {
        return switch (word) {
            case "system" -> null; // create's default: SYSTEM
            case "none" -> Placement.NONE;
            case "vram" -> Placement.of(Place.of("VRAM"));
            default -> throw new IllegalArgumentException("placement: system, none or vram, not " + word);
        };
    }

    public static Result measure(int count, String placementWord, long pages, int topClasses) {
        if (placementWord.equals("pekko")) return measureBarePekko(count, topClasses);
        Placement placement = placement(placementWord);
        Path dir;
        try {
            dir = Files.createTempDirectory("ttm-heap-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // VRAM large enough for every BO, so that a vram placement never evicts.
        long vram = Math.max(256L << 20, (long) (count + WARM_UP) * pages * RuntimeLoad.PAGE);
        var config = com.typesafe.config.ConfigFactory.parseString(
                "ttm.regions = [ { name = VRAM, size = " + vram + ", visible = 64MiB }, { name = TT, size = 512MiB } ]")
                .withFallback(RuntimeLoad.config("none", false, dir, "default"));
        TtmSystem ttm = TtmSystem.start(config);
        try {
            create(ttm, "warm", WARM_UP, pages, placement);
            long before = usedAfterGc();
            Map<String, long[]> h0 = histogram();
            long createNanos;
            long t0 = System.nanoTime();
            create(ttm, "bo", count, pages, placement);
            createNanos = System.nanoTime() - t0;
            awaitAskTimers();
            long after = usedAfterGc();
            Map<String, long[]> h1 = histogram();
            Reference.reachabilityFence(ttm);
            return new Result(count, before, after, createNanos, top(h0, h1, count, topClasses));
        } finally {
            ttm.close();
            RuntimeLoad.deleteTree(dir);
        }
    }

    /**
     * The yardstick: {@code count} idle Pekko typed actors with a trivial behavior, spawned by one parent as the
     * guardian spawns BOs (named children, default props), measured the same way. What Pekko itself costs per actor.
     */
    static Result measureBarePekko(int count, int topClasses) {
        record Spawn(String prefix, int n, CompletableFuture<Void> done) {}
        Behavior<Object> idle = Behaviors.receive(Object.class).onAnyMessage(m -> Behaviors.same()).build();
        ActorSystem<Spawn> sys = ActorSystem.create(Behaviors.<Spawn>setup(ctx -> Behaviors.receive(Spawn.class).onMessage(Spawn.class, s -> {
            for (int i = 0; i < s.n(); i++) ctx.spawn(idle, s.prefix() + i);
            s.done().complete(null);
            return Behaviors.same();
        }).build()), "heap-per-actor", com.typesafe.config.ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(com.typesafe.config.ConfigFactory.load()));
        try {
            CompletableFuture<Void> warm = new CompletableFuture<>();
            sys.tell(new Spawn("warm", WARM_UP, warm));
            warm.orTimeout(60, TimeUnit.SECONDS).join();
            long before = usedAfterGc();
            Map<String, long[]> h0 = histogram();
            long t0 = System.nanoTime();
            CompletableFuture<Void> done = new CompletableFuture<>();
            sys.tell(new Spawn("a", count, done));
            done.orTimeout(5, TimeUnit.MINUTES).join();
            long createNanos = System.nanoTime() - t0;
            long after = usedAfterGc();
            Map<String, long[]> h1 = histogram();
            Reference.reachabilityFence(sys);
            return new Result(count, before, after, createNanos, top(h0, h1, count, topClasses));
        } finally {
            sys.terminate();
            sys.getWhenTerminated().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
        }
    }

    /**
     * Creates {@code n} BOs, at most {@value #OUTSTANDING} at a time. Like {@link TtmSystem#create}, but in two steps
     * (spawn every BO of a window, then send each its Create through the runtime's wiring): {@code create} chains the
     * Create onto the spawn's ask with {@code thenCompose}, which Pekko's Scala future converter runs asynchronously
     * on {@code ForkJoinPool.commonPool()}, and on a 2-core machine (common pool parallelism 1) that is a new thread
     * per call. The heap figure is the same either way; the run is much faster.
     */
    private static void create(TtmSystem ttm, String prefix, int n, long pages, Placement placement) {
        Address.Client client = new Address.Client("heap");
        List<Address.Bo> window = new ArrayList<>(OUTSTANDING);
        List<CompletableFuture<Boolean>> spawned = new ArrayList<>(OUTSTANDING);
        List<CompletableFuture<Reply>> created = new ArrayList<>(OUTSTANDING);
        for (int i = 0; i < n; i++) {
            Address.Bo bo = new Address.Bo(prefix + i);
            window.add(bo);
            spawned.add(ttm.spawn(bo).toCompletableFuture());
            if (window.size() == OUTSTANDING || i == n - 1) {
                for (CompletableFuture<Boolean> f : spawned) f.orTimeout(60, TimeUnit.SECONDS).join();
                for (Address.Bo b : window) {
                    long id = ttm.newRequestId();
                    created.add(ttm.wiring().clients.expect(id));
                    ttm.wiring().submit(client, b, new BufferObject.Create(pages, 0, placement, id, client));
                }
                for (CompletableFuture<Reply> f : created) {
                    Reply r = f.orTimeout(60, TimeUnit.SECONDS).join();
                    if (r.outcome() != Outcome.OK) throw new IllegalStateException("create: " + r);
                }
                window.clear();
                spawned.clear();
                created.clear();
            }
        }
        if (!ttm.awaitQuiescence(Duration.ofMinutes(1))) throw new IllegalStateException("creates did not settle");
    }

    /**
     * Waits until the timeouts of the creates' spawn asks have passed: each ask leaves a cancelled timer in Pekko's
     * scheduler (a TaskHolder and a queue node, 48 bytes) until its timeout ({@link #ASK_TIMEOUT}) comes round, which
     * is no part of an idle BO.
     */
    private static void awaitAskTimers() {
        try {
            Thread.sleep(ASK_TIMEOUT.plusSeconds(1).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Used heap after full collections, once it stops falling. */
    static long usedAfterGc() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            long now = mx.getHeapMemoryUsage().getUsed();
            if (i >= MIN_GCS - 1 && now >= used - (used >> 10)) return Math.min(now, used);
            used = Math.min(used, now);
        }
        return used;
    }

    /** Class name -> {instances, bytes} of live objects (the JVM's GC.class_histogram, which collects first). */
    static Map<String, long[]> histogram() {
        Map<String, long[]> m = new HashMap<>();
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[]{new String[0]}, new String[]{String[].class.getName()});
            for (String line : text.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].endsWith(":")) m.put(f[3], new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        } catch (Exception e) {
            m.put("(no class histogram: " + e + ")", new long[]{0, 0});
        }
        return m;
    }

    private static List<String> top(Map<String, long[]> h0, Map<String, long[]> h1, int count, int n) {
        record Grew(String cls, long instances, long bytes) {}
        List<Grew> grew = new ArrayList<>();
        for (Map.Entry<String, long[]> e : h1.entrySet()) {
            long[] b = h0.getOrDefault(e.getKey(), new long[]{0, 0});
            grew.add(new Grew(e.getKey(), e.getValue()[0] - b[0], e.getValue()[1] - b[1]));
        }
        grew.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        List<String> out = new ArrayList<>();
        for (Grew g : grew.subList(0, Math.min(n, grew.size())))
            out.add(String.format(Locale.ROOT, "%8.1f B/BO %6.2f objects/BO  %s", (double) g.bytes() / count, (double) g.instances() / count, g.cls()));
        return out;
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        String placement = args.length > 1 ? args[1] : "system";
        long pages = args.length > 2 ? Long.parseLong(args[2]) : 16;
        Runtime rt = Runtime.getRuntime();
        String what = placement.equals("pekko") ? "idle bare Pekko typed actors (the yardstick, no BO)"
                : "idle BOs of " + pages + " pages, placement " + placement + "; journal none, check off";
        System.out.printf("%d %s; heap max %d MiB, %s%n", count, what, rt.maxMemory() >> 20,
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList());
        Result r = measure(count, placement, pages, 25);
        System.out.printf("used heap after GC: %,d bytes before, %,d bytes after %,d more (created in %d ms)%n",
                r.before(), r.after(), r.count(), r.createNanos() / 1_000_000);
        System.out.printf(Locale.ROOT, "heap per " + (placement.equals("pekko") ? "actor" : "BO") + ": %.0f bytes (%.2f KiB); target <= 1024 bytes: %s%n",
                r.bytesPerBo(), r.bytesPerBo() / 1024, r.bytesPerBo() <= 1024 ? "met" : "MISSED");
        System.out.println("live-object growth by class (GC.class_histogram after - before), per " + (placement.equals("pekko") ? "actor:" : "BO:"));
        for (String line : r.topClasses()) System.out.println("  " + line);
    }
}
