package dev.ttm.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.runtime.Settings;
import org.junit.jupiter.api.Test;

/**
 * The journals' non-blocking plumbing goes on the entities' dispatcher ({@code TtmSystem.journalDispatchers}): the
 * in-memory journal unless the configuration chose its own dispatcher for it, and the journals' resequencers; with
 * entities on the default dispatcher nothing changes.
 */
class JournalDispatchersTest {
    static final String INMEM = "pekko.persistence.journal.inmem.plugin-dispatcher";
    static final String RESEQUENCER = "pekko.actor.deployment.\"/pekko.persistence.journal.leveldb/*\".dispatcher";

    @Test
    void theInMemoryJournalAndTheResequencersRunOnTheEntitiesDispatcher() {
        Config c = TtmSystem.journalDispatchers(ConfigFactory.load(), Settings.of(Settings.Journal.MEMORY));
        assertEquals(Settings.DEFAULT_DISPATCHER, c.getString(INMEM));
        assertEquals(Settings.DEFAULT_DISPATCHER, c.getString(RESEQUENCER));
        assertEquals(Settings.DEFAULT_DISPATCHER, c.getString("pekko.actor.deployment.\"/pekko.persistence.journal.inmem/*\".dispatcher"));
    }

    @Test
    void aDispatcherChosenForTheInMemoryJournalStays() {
        Config own = ConfigFactory.parseString(INMEM + " = my-dispatcher").withFallback(ConfigFactory.load());
        assertEquals("my-dispatcher", TtmSystem.journalDispatchers(own, Settings.of(Settings.Journal.MEMORY)).getString(INMEM));
    }

    @Test
    void entitiesOnTheDefaultDispatcherLeaveTheConfigurationAlone() {
        Config base = ConfigFactory.load();
        Settings s = Settings.of(Settings.Journal.MEMORY);
        s = new Settings(s.journal(), s.backoffMin(), s.backoffMax(), s.backoffRandom(), s.snapshotEvery(), s.recoveryTimeout(), "", s.maxBatch(),
                s.batchCapacity());
        assertSame(base, TtmSystem.journalDispatchers(base, s));
    }
}
