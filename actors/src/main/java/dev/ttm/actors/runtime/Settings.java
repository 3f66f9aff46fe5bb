package dev.ttm.actors.runtime;

import java.time.Duration;

/**
 * How entity shells run: the journal (leveldb, memory, none: plain behaviors with no persistence, for raw
 * throughput), the Pekko plugin ids it maps to, the restart backoff when the journal fails, how often a region manager
 * takes a snapshot (0: never), how long a start may take to recover every entity from the journal, the config path
 * of the dispatcher entity actors run on (empty: the actor system's default dispatcher), and the group commit's
 * bounds ({@link GroupCommit}): how many commands one journal write may decide at most, and how many an entity holds
 * while its write is under way.
 */
public record Settings(Journal journal, Duration backoffMin, Duration backoffMax, double backoffRandom, int snapshotEvery,
                       Duration recoveryTimeout, String dispatcher, int maxBatch, int batchCapacity) {
    /** The dispatcher of reference.conf: a fork-join pool with one thread per core (entities never block). */
    public static final String DEFAULT_DISPATCHER = "ttm.actors.entity-dispatcher";
    /** reference.conf's ttm.actors.group-commit.max-batch and capacity. */
    public static final int DEFAULT_MAX_BATCH = 512, DEFAULT_BATCH_CAPACITY = 4096;

    public enum Journal {
        /** On disk under ttm.data-dir (module ttm-persistence sets it up), with the local snapshot store beside it. */
        LEVELDB("pekko.persistence.journal.leveldb", "pekko.persistence.snapshot-store.local", true),
        /**
         * In memory, for one actor system's life. No snapshots: the local store would keep them on disk after the
         * journal is gone, and a later system would recover a region from a snapshot of another run.
         */
        MEMORY("pekko.persistence.journal.inmem", "pekko.persistence.no-snapshot-store", false),
        NONE(null, null, false);

        public final String journalPlugin;
        public final String snapshotPlugin;
        /** Whether region managers take snapshots (every {@link #snapshotEvery} entries). */
        public final boolean snapshots;

        Journal(String journalPlugin, String snapshotPlugin, boolean snapshots) {
            this.journalPlugin = journalPlugin;
            this.snapshotPlugin = snapshotPlugin;
            this.snapshots = snapshots;
        }

        public static Journal parse(String word) {
            for (Journal j : values()) if (j.name().equalsIgnoreCase(word)) return j;
            throw new IllegalArgumentException("unknown journal '" + word + "' (leveldb, memory, none)");
        }

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    public Settings {
        if (dispatcher == null) throw new IllegalArgumentException("ttm.actors.dispatcher: missing");
        if (snapshotEvery < 0) throw new IllegalArgumentException("ttm.actors.snapshot-every must not be negative: " + snapshotEvery);
        if (maxBatch < 1) throw new IllegalArgumentException("ttm.actors.group-commit.max-batch must be at least 1: " + maxBatch);
        if (batchCapacity < 1) throw new IllegalArgumentException("ttm.actors.group-commit.capacity must be at least 1: " + batchCapacity);
    }

    public static Settings of(Journal journal) {
        return new Settings(journal, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, 1000, Duration.ofMinutes(5), DEFAULT_DISPATCHER,
                DEFAULT_MAX_BATCH, DEFAULT_BATCH_CAPACITY);
    }

    public Settings withJournal(Journal j) {
        return new Settings(j, backoffMin, backoffMax, backoffRandom, snapshotEvery, recoveryTimeout, dispatcher, maxBatch, batchCapacity);
    }

    public Settings withSnapshotEvery(int n) {
        return new Settings(journal, backoffMin, backoffMax, backoffRandom, n, recoveryTimeout, dispatcher, maxBatch, batchCapacity);
    }

    public Settings withGroupCommit(int maxBatch, int capacity) {
        return new Settings(journal, backoffMin, backoffMax, backoffRandom, snapshotEvery, recoveryTimeout, dispatcher, maxBatch, capacity);
    }

    /** Whether region managers take snapshots: the journal keeps them, and {@code snapshotEvery > 0}. */
    public boolean regionSnapshots() {
        return journal.snapshots && snapshotEvery > 0;
    }
}
