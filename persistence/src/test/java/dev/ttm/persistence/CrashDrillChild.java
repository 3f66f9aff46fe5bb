package dev.ttm.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The process a crash drill kills: a busy run on the LevelDB journal in {@code DIR}, until it is killed. It starts (and
 * so recovers whatever an earlier run left there), creates its BOs if they are missing, and runs {@code clients}
 * closed-loop clients over them with the full operation mix: reserve / kmap / validate / kunmap / unreserve sequences,
 * ticketed execbufs with fences, signals, faults, pins, evictions, destroy and create again. Every acknowledged
 * request is appended to {@code DIR/acks-<run>.log} as {@code requestId outcome operation bo} with one write(2) per
 * line, so the line is in the page cache (and survives the kill) before the next request goes out. "ready" on
 * stdout says the run is going.
 *
 * <p>{@code java -cp ... dev.ttm.persistence.CrashDrillChild DIR SEED [CLIENTS]}
 */
public final class CrashDrillChild {
    static final int BOS = 48;
    static final long PAGE = 4096;
    static final String[] PLACEMENTS = {"VRAM", "VRAM,TT", "TT", "VRAM:visible,TT", "SYSTEM"};

    private final TtmSystem ttm;
    private final FileOutputStream acks;
    private final SplittableRandom seeds;

    private CrashDrillChild(TtmSystem ttm, FileOutputStream acks, long seed) {
        this.ttm = ttm;
        this.acks = acks;
        this.seeds = new SplittableRandom(seed);
    }

    /** The device of the drill: small, so that eviction, ghosts and move fences are constant. */
    static Config config(Path dir, boolean check) {
        return ConfigFactory.parseString(String.join("\n",
                "ttm {",
                "  journal = leveldb",
                "  check = " + (check ? "on" : "off"),
                "  data-dir = \"" + dir.toAbsolutePath().toString().replace("\\", "/") + "\"",
                "  regions = [",
                "    { name = VRAM, size = 4MiB, visible = 1MiB }",
                "    { name = TT, size = 8MiB }",
                "  ]",
                "  actors.snapshot-every = 200",
                "}",
                "pekko.loglevel = WARNING")).withFallback(ConfigFactory.load());
    }

    static String bo(int i) {
        return "b" + i;
    }

    static long pages(int i) {
        return 1L << (i % 6); // 4 KiB .. 128 KiB
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        TtmSystem ttm = TtmSystem.start(config(dir, false));
        FileOutputStream acks = new FileOutputStream(dir.resolve("acks-" + seed + ".log").toFile(), true);
        CrashDrillChild child = new CrashDrillChild(ttm, acks, seed);
        child.createMissing();
        System.out.println("ready");
        System.out.flush();
        for (int c = 0; c < clients; c++) child.loop("c" + c, child.seeds.split());
        Thread.sleep(Long.MAX_VALUE); // until killed
    }

    private void createMissing() {
        CompletableFuture<?>[] all = new CompletableFuture<?>[BOS];
        for (int i = 0; i < BOS; i++) {
            String b = bo(i);
            all[i] = ttm.create(b, pages(i) * PAGE, Placements.parse("VRAM,TT")).thenApply(r -> ack(r, "create", b)).toCompletableFuture();
        }
        CompletableFuture.allOf(all).join();
    }

    /** One client: an operation, then (on its reply, never blocking) the next one. */
    private void loop(String owner, SplittableRandom random) {
        next(owner, random).whenComplete((r, e) -> {
            if (e != null) {
                e.printStackTrace();
                return;
            }
            loop(owner, random);
        });
    }

    private CompletionStage<Reply> next(String owner, SplittableRandom random) {
        int i = random.nextInt(BOS);
        String b = bo(i);
        Placement p = Placements.parse(PLACEMENTS[random.nextInt(PLACEMENTS.length)]);
        int op = random.nextInt(100);
        if (op < 25) return sequence(owner, b, p);
        if (op < 45) {
            long ticket = ttm.newTicket();
            String b2 = bo(random.nextInt(BOS));
            var x = ttm.execbuf().add(b, p).ticket(ticket);
            if (!b2.equals(b)) x.add(b2, Placements.parse("VRAM,TT"));
            return step(() -> x.fence().submit(), "execbuf", b);
        }
        if (op < 60) return step(() -> ttm.fault(b, random.nextLong(pages(i))), "fault", b);
        if (op < 70) return step(() -> ttm.signal(b), "signal", b);
        if (op < 78) return step(() -> ttm.validate(b, p, null, false), "validate", b);
        if (op < 84) return step(() -> ttm.pin(b, Placements.parse("VRAM,TT"), owner), "pin", b)
                .thenCompose(r -> r.outcome() == Outcome.OK ? step(() -> ttm.unpin(b, owner), "unpin", b) : done(r));
        if (op < 88) return step(() -> ttm.unmap(b), "unmap", b);
        if (op < 91) return step(() -> ttm.evictAll(random.nextBoolean() ? "VRAM" : "TT"), "evict-all", b);
        if (op < 95) return step(() -> ttm.fence(b), "fence", b);
        return step(() -> ttm.destroy(b), "destroy", b)
                .thenCompose(r -> step(() -> ttm.create(b, pages(i) * PAGE, p), "create", b));
    }

    /** reserve, kmap, validate, kunmap, unreserve: what a driver does to fill a buffer from the CPU. */
    private CompletionStage<Reply> sequence(String owner, String b, Placement p) {
        return step(() -> ttm.reserve(b, owner, null, false), "reserve", b).thenCompose(r -> {
            if (r.outcome() != Outcome.OK) return done(r);
            return step(() -> ttm.kmap(b, owner), "kmap", b)
                    .thenCompose(k -> step(() -> ttm.validate(b, p, owner, false), "validate", b)
                            .thenCompose(v -> k.outcome() == Outcome.OK ? step(() -> ttm.kunmap(b, owner), "kunmap", b) : done(v)))
                    .thenCompose(v -> step(() -> ttm.unreserve(b, owner), "unreserve", b));
        });
    }

    private CompletionStage<Reply> step(Supplier<CompletionStage<Reply>> op, String what, String b) {
        return op.get().thenApply(r -> ack(r, what, b));
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    /** One line, one write(2): in the page cache before anything depends on it. */
    private Reply ack(Reply r, String what, String b) {
        if (r.requestId() < 0) return r; // answered by the API (EINVAL, ENOENT) without reaching the model
        byte[] line = (r.requestId() + " " + r.outcome() + " " + what + " " + b + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (acks) {
            try {
                acks.write(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return r;
    }
}
