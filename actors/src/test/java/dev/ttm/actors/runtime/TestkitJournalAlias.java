package dev.ttm.actors.runtime;

import com.typesafe.config.Config;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;

/**
 * Test only: the journal the shells use with {@code ttm.journal = memory} ({@code pekko.persistence.journal.inmem})
 * served by the persistence testkit's own storage, so that {@code EventSourcedBehaviorTestKit} (which reads the
 * testkit journal's storage) sees what an unchanged shell writes. Configured as that plugin's class.
 */
public class TestkitJournalAlias extends PersistenceTestKitPlugin {
    public TestkitJournalAlias(Config config, String path) {
        super(config, PersistenceTestKitPlugin.PluginId());
    }
}
