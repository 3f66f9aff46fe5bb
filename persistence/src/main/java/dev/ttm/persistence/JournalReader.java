package dev.ttm.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.JournalFormat;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.model.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.DBFactory;
import org.iq80.leveldb.DBIterator;
import org.iq80.leveldb.Options;
import org.iq80.leveldb.ReadOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a data directory's journal offline (the system that wrote it is gone): takes the directory's lock first (a
 * running system holds it: {@link JournalProblem.Kind#IN_USE} at once), checks that LevelDB opens and reads every
 * block of it, then reads every persistence id through Pekko Persistence Query on LevelDB in a throwaway actor system,
 * and merges the entities' entries by stamp. Stamps must increase within each entity's journal and be unique across
 * them. Every query has an idle timeout: a journal that stops answering is reported, never waited for.
 */
public final class JournalReader {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JournalReader.class);
    /** A query that delivers nothing for this long has failed. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    static final String STOCK_JOURNAL = "org.apache.pekko.persistence.journal.leveldb.LeveldbJournal";

    /**
     * What a journal holds: its runs, its registry, the entities' entries merged by stamp, entries per persistence id,
     * and the persistence ids that are no ttm entity (left aside).
     */
    public record Contents(Path dataDir, List<RunStarted> runs, List<Object> registry, List<JournalEntry> entries, Map<String, Long> entriesByPid,
                           List<String> otherPids) {}

    private JournalReader() {}

    public static Contents read(Path dir) {
        Path data = dir.toAbsolutePath().normalize();
        Path journal = checkLayout(data);
        DataDirLock lock;
        try {
            lock = DataDirLock.acquire(data);
        } catch (DataDirectoryInUseException e) {
            throw new JournalProblem(JournalProblem.Kind.IN_USE, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new JournalProblem(JournalProblem.Kind.NOT_A_JOURNAL, data + ": cannot take the data directory's lock: " + e.getMessage(), e);
        }
        try (lock) {
            return readLocked(data, journal);
        }
    }

    /**
     * The same for a caller that holds the data directory's lock itself: a system starting on the directory, which
     * folds the whole journal to resume what a crash interrupted before it starts its entities.
     */
    public static Contents readHeld(Path dir, boolean useNative) {
        Path data = dir.toAbsolutePath().normalize();
        Path journal = checkLayout(data);
        checkLevelDb(journal, useNative);
        return query(data, journal, useNative);
    }

    /** Whether {@code dir} holds a journal yet (a fresh data directory does not). */
    public static boolean hasJournal(Path dir) {
        return Files.isRegularFile(dir.resolve("journal").resolve("CURRENT"));
    }

    private static Contents readLocked(Path data, Path journal) {
        boolean useNative = NativeLevelDb.probe().loaded() && ConfigFactory.load().getBoolean("ttm.persistence.native");
        checkLevelDb(journal, useNative);
        return query(data, journal, useNative);
    }

    /** The journal directory, or a one-line reason why {@code data} holds none. */
    private static Path checkLayout(Path data) {
        if (!Files.exists(data)) throw notAJournal(data + ": no such directory");
        if (!Files.isDirectory(data)) throw notAJournal(data + ": not a directory");
        Path journal = data.resolve("journal");
        if (!Files.isDirectory(journal)) {
            if (Files.exists(data.resolve("CURRENT")))
                throw notAJournal(data + ": this is the LevelDB journal itself; give the data directory that holds it (" + data.getParent() + ")");
            throw notAJournal(data + ": not a ttm data directory: " + journal + " does not exist");
        }
        Path current = journal.resolve("CURRENT");
        if (!Files.isRegularFile(current)) throw notAJournal(current + ": missing: " + journal + " is not a LevelDB database");
        return journal;
    }

    /** Opens the database and reads every entry with checksums verified: damage is found here, by LevelDB, with its reason. */
    private static void checkLevelDb(Path journal, boolean useNative) {
        DBFactory factory = useNative ? org.fusesource.leveldbjni.JniDBFactory.factory : org.iq80.leveldb.impl.Iq80DBFactory.factory;
        Options options = new Options().createIfMissing(false).paranoidChecks(true);
        DB db;
        try {
            db = factory.open(journal.toFile(), options);
        } catch (IOException | RuntimeException e) {
            // Opening replays the write-ahead logs (*.log) into the database: damage found now is in one of them. A
            // log whose only bad record is its last, torn by a crash during the write, is no damage: LevelDB drops
            // that record (never acknowledged) when it opens without paranoid checks, as Pekko's journal does.
            if (!onlyTornTails(journal)) throw damaged(journal + ": LevelDB cannot open it: " + namingFile(journal, e, "log"), e);
            try {
                db = factory.open(journal.toFile(), new Options().createIfMissing(false));
            } catch (IOException | RuntimeException again) {
                throw damaged(journal + ": LevelDB cannot open it: " + namingFile(journal, again, "log"), again);
            }
        }
        DB opened = db;
        try (opened; DBIterator it = opened.iterator(new ReadOptions().verifyChecksums(true))) {
            for (it.seekToFirst(); it.hasNext(); it.next()) {
                // reading is the check
            }
        } catch (IOException | RuntimeException e) {
            throw damaged(journal + ": LevelDB cannot read it: " + namingFile(journal, e, "ldb|sst"), e);
        }
    }

    /** Whether every bad write-ahead log of {@code journal} is bad only at its end, as a crash during a write leaves it. */
    private static boolean onlyTornTails(Path journal) {
        File[] logs = journal.toFile().listFiles((d, n) -> n.matches("\\d+\\.log"));
        boolean torn = false;
        for (File f : logs == null ? new File[0] : logs) {
            WriteAheadLog.Verdict v;
            try {
                v = WriteAheadLog.scan(f.toPath());
            } catch (IOException e) {
                return false;
            }
            if (v.kind() == WriteAheadLog.Kind.DAMAGED) return false;
            if (v.kind() == WriteAheadLog.Kind.TORN_TAIL) {
                torn = true;
                LOG.warn("{}: the last record (at byte {}) was torn by a crash during its write; LevelDB drops it (it was never acknowledged)", f, v.offset());
            }
        }
        return torn;
    }

    /**
     * LevelDB's reason, with the file it is about: the one it names, CURRENT when it names that by its role, else the
     * files of the kind being read ({@code kinds}: the extensions) when its reason names none.
     */
    private static String namingFile(Path journal, Throwable e, String kinds) {
        String m = oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
        if (m.contains(journal.toString())) return m;
        if (m.contains("CURRENT")) return m + " (file " + journal.resolve("CURRENT") + ")";
        File[] all = journal.toFile().listFiles((d, n) -> n.matches("\\d+\\.(ldb|sst|log)") || n.startsWith("MANIFEST-"));
        for (File f : all == null ? new File[0] : all) if (m.contains(f.getName())) return m + " (file " + f + ")";
        File[] suspects = journal.toFile().listFiles((d, n) -> n.matches("\\d+\\.(" + kinds + ")"));
        if (suspects == null || suspects.length == 0) return m;
        java.util.Arrays.sort(suspects);
        List<String> names = new ArrayList<>();
        for (File f : suspects) names.add(f.toString());
        return m + " (in " + (names.size() == 1 ? "file " : "one of the files ") + String.join(", ", names) + ")";
    }

    private static Contents query(Path data, Path journal, boolean useNative) {
        Config config = ConfigFactory.parseMap(Map.of(
                "pekko.persistence.journal.plugin", Journals.JOURNAL,
                Journals.JOURNAL + ".class", STOCK_JOURNAL,
                Journals.JOURNAL + ".dir", journal.toString(),
                Journals.JOURNAL + ".native", useNative,
                "pekko.persistence.query.journal.leveldb.write-plugin", Journals.JOURNAL))
                .withFallback(ConfigFactory.parseString("""
                        pekko.loglevel = WARNING
                        pekko.stdout-loglevel = OFF
                        pekko.log-dead-letters = off
                        pekko.log-dead-letters-during-shutdown = off
                        pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
                        pekko.persistence.journal.leveldb.compaction-intervals {}
                        # Pekko's current events-by-persistence-id query on LevelDB never completes when an entity
                        # has an exact multiple of this many events (it waits for the next batch): one batch per id.
                        pekko.persistence.query.journal.leveldb.max-buffer-size = 2147483647
                        """))
                .withFallback(ConfigFactory.load());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ttm-replay", config);
        try {
            LeveldbReadJournal q = PersistenceQuery.get(system).getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
            List<String> pids = new ArrayList<>();
            await(q.currentPersistenceIds().idleTimeout(IDLE_TIMEOUT).runWith(Sink.foreach(pids::add), system).toCompletableFuture(),
                    data + ": listing the persistence ids");
            pids.sort(null);
            List<RunStarted> runs = new ArrayList<>();
            List<Object> registry = new ArrayList<>();
            List<JournalEntry> entries = new ArrayList<>();
            Map<String, Long> counts = new LinkedHashMap<>();
            List<String> others = new ArrayList<>();
            for (String pid : pids) {
                List<EventEnvelope> es = events(q, system, pid, data);
                counts.put(pid, (long) es.size());
                Address entity = JournalFormat.entity(pid);
                if (pid.equals(JournalFormat.RUNS_PID)) {
                    for (EventEnvelope e : es) runs.add(as(RunStarted.class, e, pid));
                } else if (pid.equals(JournalFormat.REGISTRY_PID)) {
                    for (EventEnvelope e : es) registry.add(e.event());
                } else if (entity != null) {
                    long last = 0;
                    for (EventEnvelope e : es) {
                        Recorded r = as(Recorded.class, e, pid);
                        if (r.stamp() <= last)
                            throw damaged(pid + " sequence number " + e.sequenceNr() + ": stamp " + r.stamp() + " is not after the previous entry's " + last);
                        last = r.stamp();
                        entries.add(new JournalEntry(entity, e.sequenceNr(), r));
                    }
                } else {
                    others.add(pid);
                }
            }
            entries.sort(Comparator.comparingLong(JournalEntry::stamp));
            for (int i = 1; i < entries.size(); i++) {
                JournalEntry a = entries.get(i - 1);
                JournalEntry b = entries.get(i);
                if (a.stamp() == b.stamp())
                    throw damaged("stamp " + a.stamp() + " appears twice: " + a.entity() + " sequence number " + a.seqNr() + " and " + b.entity()
                            + " sequence number " + b.seqNr());
            }
            return new Contents(data, runs, registry, entries, counts, others);
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the lock is given up all the same; the process ends soon after
            }
        }
    }

    /** Every event of {@code pid}; one that cannot be read is named by the sequence number after the last one read. */
    private static List<EventEnvelope> events(LeveldbReadJournal q, ActorSystem<Void> system, String pid, Path data) {
        List<EventEnvelope> es = new ArrayList<>();
        try {
            await(q.currentEventsByPersistenceId(pid, 0L, Long.MAX_VALUE).idleTimeout(IDLE_TIMEOUT).runWith(Sink.foreach(es::add), system)
                    .toCompletableFuture(), pid);
        } catch (JournalProblem p) {
            long next = es.isEmpty() ? 1 : es.get(es.size() - 1).sequenceNr() + 1;
            throw damaged(data + ": " + pid + " sequence number " + next + " cannot be read: " + p.getMessage(), p.getCause());
        }
        return es;
    }

    private static <T> T as(Class<T> type, EventEnvelope e, String pid) {
        if (type.isInstance(e.event())) return type.cast(e.event());
        throw damaged(pid + " sequence number " + e.sequenceNr() + ": a " + e.event().getClass().getName() + " where a " + type.getSimpleName()
                + " belongs");
    }

    private static void await(CompletableFuture<?> f, String what) {
        try {
            f.get(IDLE_TIMEOUT.toMillis() * 20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw damaged(what + ": interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw damaged(oneLine(String.valueOf(c.getMessage() == null ? c : c.getMessage())), c);
        } catch (TimeoutException e) {
            throw damaged(what + ": the journal did not answer", e);
        }
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").replaceAll("\\p{Cntrl}", "?");
    }

    private static JournalProblem notAJournal(String m) {
        return new JournalProblem(JournalProblem.Kind.NOT_A_JOURNAL, m, null);
    }

    private static JournalProblem damaged(String m, Throwable cause) {
        return new JournalProblem(JournalProblem.Kind.DAMAGED, m, cause);
    }

    private static JournalProblem damaged(String m) {
        return damaged(m, null);
    }
}
