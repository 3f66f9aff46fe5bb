package dev.ttm.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.runtime.Settings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ttm { }} read from HOCON: the defaults of reference.conf, and bad values reported with their key. */
class TtmConfigTest {
    private static TtmConfig read(String hocon) {
        return TtmConfig.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()));
    }

    private static String badKey(String hocon) {
        return assertThrows(TtmConfig.BadConfig.class, () -> read(hocon)).getMessage();
    }

    @Test
    void referenceDefaults() {
        TtmConfig c = TtmConfig.from(ConfigFactory.load());
        assertEquals(Settings.Journal.LEVELDB, c.settings().journal());
        assertEquals(Settings.DEFAULT_DISPATCHER, c.settings().dispatcher());
        assertEquals(1000, c.settings().snapshotEvery());
        assertTrue(c.check());
    }

    @Test
    void theEntitiesDispatcherIsAConfigPathOrEmpty() {
        assertEquals("", read("ttm.actors.dispatcher = \"\"").settings().dispatcher());
        Config own = ConfigFactory.parseString("my-dispatcher { type = Dispatcher, executor = thread-pool-executor }");
        assertEquals("my-dispatcher", TtmConfig.from(ConfigFactory.parseString("ttm.actors.dispatcher = my-dispatcher")
                .withFallback(own).withFallback(ConfigFactory.load())).settings().dispatcher());
        String m = badKey("ttm.actors.dispatcher = no-such-dispatcher");
        assertTrue(m.startsWith("ttm.actors.dispatcher: no dispatcher configured at 'no-such-dispatcher'"), m);
    }

    @Test
    void badValuesNameTheirKey() {
        assertBadKey("ttm.journal = disk", "ttm.journal: unknown journal 'disk'");
        assertBadKey("ttm.page-size = 1000", "ttm.page-size:");
        assertBadKey("ttm.regions = [{ name = VRAM, size = 5000 }]", "ttm.regions[0].size:");
        assertBadKey("ttm.actors.snapshot-every = -1", "ttm.actors:");
        assertBadKey("ttm.walk = sideways", "ttm.walk:");
    }

    private static void assertBadKey(String hocon, String start) {
        String m = badKey(hocon);
        assertTrue(m.startsWith(start), m);
    }
}
