package dev.ttm.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.config.TtmConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;

/**
 * The configuration of the journal on disk: Pekko's LevelDB journal in {@code <data-dir>/journal} and the local
 * snapshot store in {@code <data-dir>/snapshots}, with {@code fsync} and the choice of native or pure-Java LevelDB
 * taken from {@code ttm.persistence} (this module's reference.conf). {@code TtmSystem.start(config)} applies it by
 * itself (through {@link LevelDbJournalSetup}); an application that starts the model inside its own actor system
 * creates that system with {@link #forDataDir}.
 */
public final class Journals {
    private static final Logger LOG = LoggerFactory.getLogger(Journals.class);

    public static final String JOURNAL = "pekko.persistence.journal.leveldb";
    public static final String SNAPSHOTS = "pekko.persistence.snapshot-store.local";

    private Journals() {}

    /**
     * {@code config} made to run the model on LevelDB in {@code dataDir}: {@code ttm.journal = leveldb},
     * {@code ttm.data-dir} and the journal settings. For an application's own actor system, e.g.
     * {@code ActorSystem.create(behavior, "app", Journals.forDataDir(Path.of("data"), ConfigFactory.load()))}, then
     * {@code TtmSystem.start(system)} (which takes the directory's lock).
     */
    public static Config forDataDir(Path dataDir, Config config) {
        Config c = ConfigFactory.parseMap(Map.of("ttm.journal", "leveldb", "ttm.data-dir", dataDir.toString())).withFallback(config);
        return configure(c, TtmConfig.from(c));
    }

    /** {@code config} with the journal and the snapshot store under {@code ttm.dataDir()}, fsync and native decided. */
    public static Config configure(Config config, TtmConfig ttm) {
        return configure(config, ttm, NativeLevelDb::probe);
    }

    /** How the native LevelDB is tried (tests pass one that fails). */
    interface Prober {
        NativeLevelDb.Probe probe();
    }

    static Config configure(Config config, TtmConfig ttm, Prober prober) {
        Path dir = ttm.dataDir().toAbsolutePath().normalize();
        Config p = config.withFallback(ConfigFactory.defaultReference()).getConfig("ttm.persistence");
        boolean fsync = p.getBoolean("fsync");
        boolean useNative = p.getBoolean("native");
        if (useNative) {
            NativeLevelDb.Probe probe = prober.probe();
            if (!probe.loaded()) {
                LOG.warn("ttm: the native LevelDB (leveldbjni) cannot be used: {}; the journal in {} uses the pure-Java LevelDB (org.iq80.leveldb)"
                        + " instead (same files, slower; ttm.persistence.native = off says so without trying)", probe.reason(), dir);
                useNative = false;
            }
        }
        return ConfigFactory.parseMap(Map.of(
                JOURNAL + ".dir", dir.resolve("journal").toString(),
                JOURNAL + ".fsync", fsync,
                JOURNAL + ".native", useNative,
                SNAPSHOTS + ".dir", dir.resolve("snapshots").toString())).withFallback(config);
    }
}
