package dev.ttm.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.ttm.actors.runtime.Settings;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.WalkMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ttm { }} block of the HOCON configuration (defaults in this module's reference.conf), read into the
 * model's {@link DeviceConfig} and the runtime's {@link Settings}. A bad value is reported with its config key.
 */
public record TtmConfig(DeviceConfig device, Settings settings, Path dataDir, boolean check) {

    /** Thrown for a bad setting; the message names the key (e.g. {@code ttm.regions[0].size}). */
    public static final class BadConfig extends RuntimeException {
        public BadConfig(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static TtmConfig from(Config root) {
        try {
            Config t = root.getConfig("ttm");
            long page = bytes(t, "page-size");
            if (page < 512 || Long.bitCount(page) != 1) throw new BadConfig("ttm.page-size: must be a power of two of at least 512 bytes, not " + page, null);
            Driver driver = parse("ttm.driver", () -> Driver.parse(t.getString("driver")));
            WalkMode walk = parse("ttm.walk", () -> WalkMode.parse(t.getString("walk")));
            List<RegionConfig> regions = new ArrayList<>();
            List<? extends Config> rs = t.getConfigList("regions");
            for (int i = 0; i < rs.size(); i++) regions.add(region(rs.get(i), "ttm.regions[" + i + "]", page));
            long aperture = bytes(t, "aperture") / page;
            DeviceConfig device = parse("ttm.regions", () -> new DeviceConfig(page, driver, aperture, regions, List.of(), walk, t.getBoolean("multihop")));
            Settings.Journal journal = parse("ttm.journal", () -> Settings.Journal.parse(t.getString("journal")));
            Config a = t.getConfig("actors");
            Settings settings = parse("ttm.actors", () -> new Settings(journal, a.getDuration("restart-backoff.min"), a.getDuration("restart-backoff.max"),
                    a.getDouble("restart-backoff.random-factor"), a.getInt("snapshot-every"), a.getDuration("recovery-timeout"),
                    dispatcher(root, a.getString("dispatcher")), a.getInt("group-commit.max-batch"), a.getInt("group-commit.capacity")));
            return new TtmConfig(device, settings, Path.of(t.getString("data-dir")), t.getBoolean("check"));
        } catch (ConfigException e) {
            throw new BadConfig(e.getMessage(), e);
        }
    }

    private static RegionConfig region(Config r, String key, long page) {
        String name = r.getString("name");
        long size = r.hasPath("size") ? pages(r, "size", key, page) : RegionConfig.UNBOUNDED;
        long visible = r.hasPath("visible") ? pages(r, "visible", key, page) : 0;
        boolean cpuVisible = r.hasPath("cpu-visible") ? r.getBoolean("cpu-visible") : name.equals(RegionConfig.TT) || name.equals(RegionConfig.SYSTEM);
        boolean purge = false;
        List<String> evictTo = List.of();
        if (r.hasPath("evict-to")) {
            if (r.getValue("evict-to").valueType() == com.typesafe.config.ConfigValueType.STRING) {
                if (!r.getString("evict-to").equals("purge")) throw new BadConfig(key + ".evict-to: a list of regions, or purge", null);
                purge = true;
            } else {
                evictTo = r.getStringList("evict-to");
            }
        } else if (name.equals(RegionConfig.VRAM)) {
            evictTo = List.of(RegionConfig.TT, RegionConfig.SYSTEM);
        } else if (name.equals(RegionConfig.TT)) {
            evictTo = List.of(RegionConfig.SYSTEM);
        }
        long s = size;
        boolean p = purge;
        List<String> e = evictTo;
        return parse(key, () -> new RegionConfig(name, s, visible, cpuVisible, e, p));
    }

    private static long pages(Config c, String path, String key, long page) {
        long b = c.getBytes(path);
        if (b <= 0 || b % page != 0) throw new BadConfig(key + "." + path + ": " + b + " bytes is not a positive whole number of " + page + "-byte pages", null);
        return b / page;
    }

    private static long bytes(Config c, String path) {
        return c.getBytes(path);
    }

    private interface Parse<T> {
        T get();
    }

    /** {@code ttm.actors.dispatcher}: empty (the default dispatcher) or the path of a dispatcher's configuration. */
    private static String dispatcher(Config root, String path) {
        if (path.isEmpty()) return path;
        if (!root.hasPath(path) || root.getValue(path).valueType() != com.typesafe.config.ConfigValueType.OBJECT)
            throw new BadConfig("ttm.actors.dispatcher: no dispatcher configured at '" + path + "' (a config path, or \"\" for the default dispatcher)", null);
        return path;
    }

    private static <T> T parse(String key, Parse<T> p) {
        try {
            return p.get();
        } catch (IllegalArgumentException e) {
            throw new BadConfig(key + ": " + e.getMessage(), e);
        }
    }

    /** For tests and tools: the same settings with another journal. */
    public TtmConfig withJournal(Settings.Journal j) {
        return new TtmConfig(device, settings.withJournal(j), dataDir, check);
    }

    /** The same settings with another data directory. */
    public TtmConfig withDataDir(Path dir) {
        return new TtmConfig(device, settings, dir, check);
    }

    /** The same settings with region snapshots every {@code n} journal entries (0: none). */
    public TtmConfig withSnapshotEvery(int n) {
        return new TtmConfig(device, settings.withSnapshotEvery(n), dataDir, check);
    }

    public static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
