package dev.ttm.actors;

import com.typesafe.config.Config;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.protocol.journal.Resumption;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * What a journal on disk needs before an actor system starts on it ({@code ttm.journal = leveldb}): the Pekko
 * configuration that puts the journal and the snapshot store under the data directory, and the directory for this
 * system alone. {@link TtmSystem} finds the implementation with {@link ServiceLoader}; module {@code ttm-persistence}
 * provides it (this module cannot depend on it), so that an application with ttm-persistence on its class path just
 * calls {@code TtmSystem.start(config)}.
 */
public interface JournalSetup {
    /** {@code config} with the journal and snapshot store set up under {@code ttm.dataDir()}. */
    Config configure(Config config, TtmConfig ttm);

    /**
     * Takes {@code dataDir} for one system until the lease is closed; fails at once (with an exception that names the
     * directory and, if known, the process holding it) when another system holds it.
     */
    Lease acquire(Path dataDir);

    /**
     * What a crash left to resume on {@code ttm.dataDir()}, found by folding its whole journal (the caller holds the
     * directory's lease and has not started anything on it yet; {@code configured} is what {@link #configure} gave);
     * {@link Resumption#NONE} for a fresh directory.
     */
    default Resumption resumption(Config configured, TtmConfig ttm) {
        return Resumption.NONE;
    }

    /** Held while a system runs on a data directory. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** The implementation on the class path, if any (the first one found). */
    static Optional<JournalSetup> find() {
        Iterator<JournalSetup> it = ServiceLoader.load(JournalSetup.class, JournalSetup.class.getClassLoader()).iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }
}
