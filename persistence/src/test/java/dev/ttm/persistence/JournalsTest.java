package dev.ttm.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.JournalSetup;
import dev.ttm.actors.config.TtmConfig;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The journal's configuration: everything under the data directory, fsync off unless asked, the native LevelDB when
 * it loads and otherwise the pure-Java one with a single WARN line that says why; found by TtmSystem as a service.
 */
@ExtendWith(LogCapturingExtension.class)
class JournalsTest {
    static final Path DIR = Path.of("some", "data").toAbsolutePath();

    static Config config(Map<String, Object> overrides) {
        return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.parseMap(Map.of("ttm.data-dir", DIR.toString())))
                .withFallback(ConfigFactory.load());
    }

    @Test
    void everythingLivesUnderTheDataDirectoryWithoutFsync() {
        Config c = config(Map.of());
        Config out = Journals.configure(c, TtmConfig.from(c), NativeLevelDb.Probe::ok);
        assertEquals(DIR.resolve("journal").toString(), out.getString("pekko.persistence.journal.leveldb.dir"));
        assertEquals(DIR.resolve("snapshots").toString(), out.getString("pekko.persistence.snapshot-store.local.dir"));
        assertFalse(out.getBoolean("pekko.persistence.journal.leveldb.fsync"), "fsync = off by default");
        assertTrue(out.getBoolean("pekko.persistence.journal.leveldb.native"));
        assertEquals(10000, out.getInt("pekko.persistence.journal.leveldb.compaction-intervals.\"*\""));
        assertEquals("leveldb", out.getString("ttm.journal"));
    }

    @Test
    void fsyncIsTakenFromTtmPersistence() {
        Config c = config(Map.of("ttm.persistence.fsync", "on"));
        assertTrue(Journals.configure(c, TtmConfig.from(c), NativeLevelDb.Probe::ok).getBoolean("pekko.persistence.journal.leveldb.fsync"));
    }

    @Test
    void aNativeLibraryThatDoesNotLoadGivesThePureJavaLevelDbAndOneWarningWithTheReason() {
        ListAppender<ILoggingEvent> logged = listen();
        try {
            Config c = config(Map.of());
            Config out = Journals.configure(c, TtmConfig.from(c), () -> NativeLevelDb.Probe.failed("no libleveldbjni for linux/aarch64"));
            assertFalse(out.getBoolean("pekko.persistence.journal.leveldb.native"));
            List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warnings.size(), () -> "warnings: " + warnings);
            String line = warnings.get(0).getFormattedMessage();
            assertTrue(line.contains("no libleveldbjni for linux/aarch64") && line.contains("pure-Java") && line.contains(DIR.toString()), line);
        } finally {
            unlisten(logged);
        }
    }

    @Test
    void nativeOffNeverTriesTheLibrary() {
        ListAppender<ILoggingEvent> logged = listen();
        try {
            Config c = config(Map.of("ttm.persistence.native", "off"));
            Config out = Journals.configure(c, TtmConfig.from(c), () -> {
                throw new AssertionError("the native library was tried");
            });
            assertFalse(out.getBoolean("pekko.persistence.journal.leveldb.native"));
            assertTrue(logged.list.stream().noneMatch(e -> e.getLevel() == Level.WARN));
        } finally {
            unlisten(logged);
        }
    }

    @Test
    void theNativeLibraryLoadsOnLinuxX86_64() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"));
        NativeLevelDb.Probe p = NativeLevelDb.probe();
        assertTrue(p.loaded(), p.reason());
    }

    @Test
    void forDataDirGivesALevelDbSystemOnThatDirectory() {
        Config out = Journals.forDataDir(Path.of("elsewhere"), ConfigFactory.load());
        assertEquals("leveldb", out.getString("ttm.journal"));
        assertEquals(Path.of("elsewhere").toAbsolutePath().resolve("journal").toString(), out.getString("pekko.persistence.journal.leveldb.dir"));
        assertEquals(Path.of("elsewhere"), TtmConfig.from(out).dataDir());
    }

    @Test
    void ttmSystemFindsTheSetupAsAService() {
        assertTrue(JournalSetup.find().orElseThrow() instanceof LevelDbJournalSetup);
    }

    private static ListAppender<ILoggingEvent> listen() {
        ListAppender<ILoggingEvent> a = new ListAppender<>();
        a.start();
        ((Logger) LoggerFactory.getLogger(Journals.class)).addAppender(a);
        return a;
    }

    private static void unlisten(ListAppender<ILoggingEvent> a) {
        ((Logger) LoggerFactory.getLogger(Journals.class)).detachAppender(a);
    }
}
