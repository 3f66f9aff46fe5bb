package dev.ttm.persistence;

import com.typesafe.config.Config;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.leveldb.LeveldbJournal;
import scala.Function1;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Pekko's LevelDB journal, closing the database only once no read is running. The stock journal reads (replays an
 * entity's entries, finds its highest sequence number) on the replay dispatcher, outside its actor, and closes the
 * database when the actor stops: an actor system terminated while entities recover — a start that fails, a recovery
 * timeout, a close during a start — closes LevelDB under a running replay, and the native library then crashes the
 * JVM (SIGSEGV in {@code leveldb::Iterator::~Iterator}). Here reads are counted; when the journal stops, the database
 * is closed by the last read to finish (or at once if none runs), and reads asked for after that fail. Writes run in
 * the journal's actor, so none can overlap its stop. {@link #awaitClosed} lets the data directory's lock wait for the
 * database to be closed before it is given up.
 *
 * <p>Configured as {@code pekko.persistence.journal.leveldb.class} in this module's reference.conf.
 */
public class ClosingLeveldbJournal extends LeveldbJournal {
    /** The databases open in this JVM, by directory: completed once closed. */
    private static final ConcurrentHashMap<Path, CompletableFuture<Void>> OPEN = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private int reading;
    private boolean stopped;
    private Path dir;
    private CompletableFuture<Void> closed;

    public ClosingLeveldbJournal(Config cfg) {
        super(cfg);
    }

    /**
     * Waits (on the caller's thread, never an actor's) until no journal of this JVM has the database in
     * {@code journalDir} open; true if so within {@code timeout}.
     */
    public static boolean awaitClosed(Path journalDir, Duration timeout) {
        CompletableFuture<Void> c = OPEN.get(journalDir.toAbsolutePath().normalize());
        if (c == null) return true;
        try {
            c.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public void preStart() {
        dir = leveldbDir().toPath().toAbsolutePath().normalize();
        closed = new CompletableFuture<>();
        OPEN.put(dir, closed);
        try {
            super.preStart();
        } catch (RuntimeException e) {
            forget();
            throw e;
        }
    }

    @Override
    public void postStop() {
        boolean now;
        synchronized (lock) {
            stopped = true;
            now = reading == 0;
        }
        if (now) closeDatabase();
    }

    @Override
    public Future<BoxedUnit> asyncReplayMessages(String persistenceId, long fromSequenceNr, long toSequenceNr, long max,
                                                 Function1<PersistentRepr, BoxedUnit> recoveryCallback) {
        return counted(() -> super.asyncReplayMessages(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback));
    }

    @Override
    public Future<Object> asyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
        return counted(() -> super.asyncReadHighestSequenceNr(persistenceId, fromSequenceNr));
    }

    @Override
    public Future<BoxedUnit> asyncReplayTaggedMessages(String tag, long fromSequenceNr, long toSequenceNr, long max,
                                                       Function1<LeveldbJournal.ReplayedTaggedMessage, BoxedUnit> replayCallback) {
        return counted(() -> super.asyncReplayTaggedMessages(tag, fromSequenceNr, toSequenceNr, max, replayCallback));
    }

    private <T> Future<T> counted(Supplier<Future<T>> read) {
        synchronized (lock) {
            if (stopped) return scala.concurrent.Future$.MODULE$.failed(new IllegalStateException("the LevelDB journal in " + dir + " has stopped"));
            reading++;
        }
        Future<T> f;
        try {
            f = read.get();
        } catch (RuntimeException | Error e) {
            readDone();
            throw e;
        }
        f.onComplete(done -> {
            readDone();
            return BoxedUnit.UNIT;
        }, scala.concurrent.ExecutionContext.parasitic$.MODULE$);
        return f;
    }

    private void readDone() {
        boolean close;
        synchronized (lock) {
            reading--;
            close = stopped && reading == 0;
        }
        if (close) closeDatabase();
    }

    private void closeDatabase() {
        try {
            super.postStop(); // LeveldbStore: closes the database
        } finally {
            forget();
        }
    }

    private void forget() {
        OPEN.remove(dir, closed);
        closed.complete(null);
    }
}
