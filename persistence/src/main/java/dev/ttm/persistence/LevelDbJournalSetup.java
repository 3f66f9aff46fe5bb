package dev.ttm.persistence;

import com.typesafe.config.Config;
import dev.ttm.actors.JournalSetup;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.protocol.journal.Resumption;

import java.nio.file.Path;

/** The {@link JournalSetup} service {@code TtmSystem} finds for {@code ttm.journal = leveldb}. */
public final class LevelDbJournalSetup implements JournalSetup {
    @Override
    public Config configure(Config config, TtmConfig ttm) {
        return Journals.configure(config, ttm);
    }

    @Override
    public Resumption resumption(Config configured, TtmConfig ttm) {
        return Resumptions.plan(ttm.dataDir(), ttm.device(), configured.getBoolean(Journals.JOURNAL + ".native"));
    }

    @Override
    public Lease acquire(Path dataDir) {
        return DataDirLock.acquire(dataDir);
    }
}
