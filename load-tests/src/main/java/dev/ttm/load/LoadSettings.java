package dev.ttm.load;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.config.TtmConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The knobs of a {@code ttm load} run: the {@code ttm.load { }} block (defaults in this module's reference.conf),
 * together with the device, journal and checker of {@code ttm { }}. The command line's options are overrides of these
 * keys. A bad value is reported with its key ({@link TtmConfig.BadConfig}).
 *
 * @param config     the whole configuration the run starts its system with
 * @param ttm        the {@code ttm { }} block read: device (regions, window, driver, walk), journal, data directory, checker
 * @param seed       the one seed all of the workload's randomness comes from
 * @param rate       the open model's arrival rate, client operations per second over all clients; 0: the closed model
 * @param outstanding per client: operations in progress at once (closed model), at most in progress (open model)
 * @param operations the run ends after this many client operations (warm-up included); 0: after {@code duration}
 */
public record LoadSettings(
        Config config,
        TtmConfig ttm,
        long seed,
        int bos,
        WeightedChoice<Long> sizes,
        double hotFraction,
        double hotShare,
        int scanouts,
        long scanoutBytes,
        int clients,
        int outstanding,
        WeightedChoice<Workload.MixOp> mix,
        int execbufMinBos,
        int execbufMaxBos,
        Duration fenceLatencyMin,
        Duration fenceLatencyMax,
        int gpuQueue,
        Duration pinTime,
        double rate,
        Duration thinkTime,
        Duration duration,
        long operations,
        Duration warmup,
        Duration sampleEvery,
        Duration progressEvery,
        Duration drainTimeout,
        List<InjectSpec> inject,
        Duration crashAfter) {

    /** Reads {@code root}'s {@code ttm.load} and {@code ttm} blocks; {@code ttm.load.seed = random} draws a seed. */
    public static LoadSettings from(Config root) {
        TtmConfig ttm = TtmConfig.from(root);
        try {
            Config l = root.getConfig("ttm.load");
            long page = ttm.device().pageBytes();
            LoadSettings s = new LoadSettings(root, ttm,
                    seed(l),
                    positive(l, "bos"),
                    sizes(l, page),
                    fraction(l, "hot.fraction"),
                    fraction(l, "hot.share"),
                    atLeast(l, "scanouts", 0),
                    bytes(l, "scanout-size", page),
                    positive(l, "clients"),
                    positive(l, "outstanding"),
                    mix(l),
                    positive(l, "execbuf.min-bos"),
                    positive(l, "execbuf.max-bos"),
                    duration(l, "execbuf.fence-latency.min"),
                    duration(l, "execbuf.fence-latency.max"),
                    positive(l, "execbuf.gpu-queue"),
                    duration(l, "pin-time"),
                    rate(l),
                    duration(l, "think-time"),
                    duration(l, "duration"),
                    atLeastLong(l, "operations", 0),
                    duration(l, "warmup"),
                    positiveDuration(l, "sample-every"),
                    positiveDuration(l, "progress-every"),
                    positiveDuration(l, "drain-timeout"),
                    inject(l),
                    duration(l, "crash-after"));
            s.check();
            return s;
        } catch (ConfigException e) {
            throw new TtmConfig.BadConfig(e.getMessage(), e);
        }
    }

    /** The reference defaults with {@code overrides} (HOCON text) on top. */
    public static LoadSettings of(String overrides) {
        return from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()).resolve());
    }

    private void check() {
        if (execbufMinBos > execbufMaxBos) bad("ttm.load.execbuf.min-bos", "is more than execbuf.max-bos (" + execbufMaxBos + ")");
        if (execbufMaxBos > bos) bad("ttm.load.execbuf.max-bos", "is more than the BOs (" + bos + ")");
        if (fenceLatencyMin.compareTo(fenceLatencyMax) > 0) bad("ttm.load.execbuf.fence-latency.min", "is more than fence-latency.max");
        if (operations == 0 && duration.isZero()) bad("ttm.load.duration", "must be positive unless ttm.load.operations is");
        if (operations == 0 && warmup.compareTo(duration) >= 0) bad("ttm.load.warmup", human(warmup) + " leaves nothing of the duration (" + human(duration) + ") to measure");
        if (!ttm.device().regions().containsKey("VRAM")) bad("ttm.regions", "a load needs a VRAM region");
        for (InjectSpec i : inject) {
            if (i.what() == InjectSpec.What.CRASH && ttm.settings().journal() == dev.ttm.actors.runtime.Settings.Journal.NONE)
                bad("ttm.load.inject", "'" + i.text() + "': a crashed entity recovers from the journal: it needs ttm.journal = leveldb or memory");
            if (i.what() == InjectSpec.What.ALLOC && !ttm.device().regions().containsKey(i.injection().target()))
                bad("ttm.load.inject", "'" + i.text() + "': the device has no region " + i.injection().target());
        }
        if (!crashAfter.isZero() && ttm.settings().journal() != dev.ttm.actors.runtime.Settings.Journal.LEVELDB)
            bad("ttm.load.crash-after", "a crash drill needs the LevelDB journal (ttm.journal = leveldb) to resume from");
        long window = ttm.device().regions().get("VRAM").visiblePages() * ttm.device().pageBytes();
        if ((long) scanouts * scanoutBytes > window / 2)
            bad("ttm.load.scanout-size", scanouts + " scanouts of " + (scanoutBytes >> 10) + " KiB take more than half of VRAM's CPU-visible window ("
                    + (window >> 10) + " KiB): fewer or smaller scanouts, or a larger window");
    }

    public boolean openModel() {
        return rate > 0;
    }

    public Path dataDir() {
        return ttm.dataDir();
    }

    public String journal() {
        return ttm.settings().journal().name().toLowerCase(Locale.ROOT);
    }

    public String driver() {
        return ttm.device().driver().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String walk() {
        return ttm.device().walk().name().toLowerCase(Locale.ROOT);
    }

    /** The mean size of a workload BO, bytes. */
    public double meanBoBytes() {
        return sizes.mean(Long::doubleValue);
    }

    /** 1.5 s, 250 ms. */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    // ---- reading keys: every error names its key ----------------------------------------------------------------
    private static void bad(String key, String why) {
        throw new TtmConfig.BadConfig(key + ": " + why, null);
    }

    private static long seed(Config l) {
        String s = l.getString("seed");
        if (s.equals("random")) return System.nanoTime() ^ Double.doubleToLongBits(Math.random());
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            bad("ttm.load.seed", "a whole number or 'random', not '" + s + "'");
            return 0;
        }
    }

    private static int positive(Config l, String key) {
        return atLeast(l, key, 1);
    }

    private static int atLeast(Config l, String key, int min) {
        int v = l.getInt(key);
        if (v < min) bad("ttm.load." + key, "must be at least " + min + ", not " + v);
        return v;
    }

    private static long atLeastLong(Config l, String key, long min) {
        long v = l.getLong(key);
        if (v < min) bad("ttm.load." + key, "must be at least " + min + ", not " + v);
        return v;
    }

    private static double fraction(Config l, String key) {
        double v = l.getDouble(key);
        if (!(v >= 0 && v <= 1)) bad("ttm.load." + key, "must be between 0 and 1, not " + v);
        return v;
    }

    private static double rate(Config l) {
        double v = l.getDouble("rate");
        if (!(v >= 0) || Double.isInfinite(v)) bad("ttm.load.rate", "must be 0 (closed model) or a positive number of operations per second, not " + v);
        return v;
    }

    private static Duration duration(Config l, String key) {
        Duration d = l.getDuration(key);
        if (d.isNegative()) bad("ttm.load." + key, "cannot be negative");
        return d;
    }

    private static Duration positiveDuration(Config l, String key) {
        Duration d = duration(l, key);
        if (d.isZero()) bad("ttm.load." + key, "must be positive");
        return d;
    }

    private static long bytes(Config l, String key, long page) {
        long b = l.getBytes(key);
        if (b <= 0 || b % page != 0) bad("ttm.load." + key, b + " bytes is not a positive whole number of " + page + "-byte pages");
        return b;
    }

    private static WeightedChoice<Long> sizes(Config l, long page) {
        try {
            return WeightedChoice.parse(l.getString("sizes"), s -> size(s, page));
        } catch (IllegalArgumentException e) {
            bad("ttm.load.sizes", e.getMessage());
            return null;
        }
    }

    static long size(String s, long page) {
        long b;
        try {
            b = ConfigFactory.parseString("s = \"" + s.replace("\"", "") + "\"").getBytes("s");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("'" + s + "' is not a size (4KiB, 1MiB, ...)");
        }
        if (b <= 0 || b % page != 0) throw new IllegalArgumentException("'" + s + "' is not a positive whole number of " + page + "-byte pages");
        return b;
    }

    private static List<InjectSpec> inject(Config l) {
        List<InjectSpec> specs = new java.util.ArrayList<>();
        List<String> texts = l.getStringList("inject");
        for (int i = 0; i < texts.size(); i++) {
            try {
                specs.add(InjectSpec.parse(texts.get(i)));
            } catch (IllegalArgumentException e) {
                bad("ttm.load.inject[" + i + "]", e.getMessage());
            }
        }
        return List.copyOf(specs);
    }

    /** How much slower the GPU signals fences ({@code --inject slow-moves=FACTOR}); 1 without. */
    public double slowMoves() {
        double f = 1;
        for (InjectSpec i : inject) if (i.what() == InjectSpec.What.SLOW_MOVES) f = i.slowFactor();
        return f;
    }

    private static WeightedChoice<Workload.MixOp> mix(Config l) {
        try {
            return WeightedChoice.parse(l.getString("mix"), Workload.MixOp::parse);
        } catch (IllegalArgumentException e) {
            bad("ttm.load.mix", e.getMessage());
            return null;
        }
    }

    /** Lists the settings in one line each, for the run's header and summary.json. */
    public List<String> describe() {
        return List.of(
                "seed " + seed,
                "driver " + driver() + ", walk " + walk() + ", journal " + journal() + ", checker " + (ttm.check() ? "on" : "off"),
                bos + " BOs (sizes " + sizes + "; mean " + (long) meanBoBytes() / 1024 + " KiB), " + scanouts + " pinned scanouts of " + (scanoutBytes >> 10) + " KiB",
                clients + " clients, " + (openModel() ? "open model at " + (long) rate + " ops/s, at most " + outstanding + " in progress per client"
                        : "closed model, " + outstanding + " in progress per client, think time " + thinkTime.toMillis() + " ms"),
                "mix " + mix,
                (operations > 0 ? operations + " operations" : "duration " + duration.toSeconds() + " s") + ", warm-up " + warmup.toMillis() / 1000.0 + " s"
                        + (inject.isEmpty() ? "" : "; inject " + String.join(" ", inject.stream().map(InjectSpec::text).toList()))
                        + (crashAfter.isZero() ? "" : "; the process kills itself after " + crashAfter.toMillis() / 1000.0 + " s"));
    }
}
