package dev.ttm.actors.runtime;

import java.time.Duration;

/**
 * How entity shells run: the journal (leveldb, memory, none: plain behaviors with no persistence, for raw
 * throughput), the Pekko plugin ids it maps to, and the restart backoff when the journal fails.
 */
public record Settings(Journal journal, Duration backoffMin, Duration backoffMax, double backoffRandom, int snapshotEvery) {
    public enum Journal {
        LEVELDB("pekko.persistence.journal.leveldb", "pekko.persistence.snapshot-store.local"),
        MEMORY("pekko.persistence.journal.inmem", "pekko.persistence.snapshot-store.local"),
        NONE(null, null);

        public final String journalPlugin;
        public final String snapshotPlugin;

        Journal(String journalPlugin, String snapshotPlugin) {
            this.journalPlugin = journalPlugin;
            this.snapshotPlugin = snapshotPlugin;
        }

        public static Journal parse(String word) {
            for (Journal j : values()) if (j.name().equalsIgnoreCase(word)) return j;
            throw new IllegalArgumentException("ttm.journal: unknown journal '" + word + "' (leveldb, memory, none)");
        }

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    public static Settings of(Journal journal) {
        return new Settings(journal, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, 1000);
    }
}
