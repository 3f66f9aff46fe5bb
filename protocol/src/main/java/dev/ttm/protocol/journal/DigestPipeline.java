package dev.ttm.protocol.journal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link JournalFold}'s {@link JournalDigest}, made off the fold's thread. An entry's digest line is a function of
 * the entry and its run's ordinal alone (both immutable: records of strings, numbers, enums and unmodifiable
 * collections), so another thread can render and hash the lines while the fold goes on, as long as it hashes them in
 * the order the fold took the entries: the same bytes in the same order, the same digest. The fold waits for the
 * digest only when it asks for it ({@link #hex}).
 *
 * <p>Entries are handed over in batches of {@link #BATCH} (one hand-off per batch, not per entry; a batch's lines go
 * to SHA-256 in a few large pieces), through a bounded queue of {@link #AHEAD} batches. A fold that gets that far
 * ahead of its digest (its thread is descheduled on a busy machine, say) hashes the oldest batch itself, rather than
 * pile entries up or wait: it is never slower than hashing everything itself. Whoever hashes a batch takes it off the
 * queue and hashes it under one lock, so batches are hashed one at a time, in order. The batches of one pipeline are
 * drained by one task at a time on a shared pool of daemon threads that end after a short idle time: an abandoned
 * fold (an exception, a caller that stops early) leaves at most {@code AHEAD} batches to hash and no thread behind.
 * The last, partial batch is hashed on the caller's thread in {@link #hex}: a small journal never hands anything off.
 *
 * <p>One fold thread (the caller) and at most one hashing task at a time; not for concurrent callers.
 */
final class DigestPipeline {
    /** Entries per hand-off: a few hundred microseconds of folding, so that a hand-off costs next to nothing. */
    static final int BATCH = 1024;
    /** Batches handed off and not yet hashed, at most. */
    static final int AHEAD = 8;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadFactory DAEMONS = r -> {
        Thread t = new Thread(r, "ttm-journal-digest-" + THREADS.incrementAndGet());
        t.setDaemon(true); // never keeps a JVM alive
        return t;
    };
    /** As many threads as folds digesting at once (usually one); idle ones end after 2 s. */
    private static final ThreadPoolExecutor HASHERS =
            new ThreadPoolExecutor(0, Integer.MAX_VALUE, 2, TimeUnit.SECONDS, new SynchronousQueue<>(), DAEMONS);

    /** Entries with their run's ordinal, in fold order. */
    private static final class Batch {
        final JournalEntry[] entries;
        final int[] runs;
        int size;

        Batch(int capacity) {
            entries = new JournalEntry[capacity];
            runs = new int[capacity];
        }

        boolean full() {
            return size == entries.length;
        }
    }

    private final JournalDigest digest = new JournalDigest();
    private final boolean pipelined;
    private final int batch;
    private final ArrayBlockingQueue<Batch> queue;
    /** Whether a drain task is scheduled or running (at most one). */
    private final AtomicBoolean draining = new AtomicBoolean();
    /**
     * Held while a batch is taken off the queue and hashed, by whichever thread does it: so batches are hashed one at
     * a time in queue order, and a thread holding it that finds the queue empty knows every batch handed off is hashed.
     */
    private final Object hashing = new Object();
    private Batch open;
    /** What hashing a batch threw, rethrown on the fold's thread. */
    private volatile Throwable failure;

    /** {@code pipelined}: hash on another thread; otherwise on the caller's, as each entry is added. */
    DigestPipeline(boolean pipelined) {
        this(pipelined, BATCH, AHEAD);
    }

    /** With batches of {@code batch} entries, {@code ahead} of them at most waiting (small ones: for tests). */
    DigestPipeline(boolean pipelined, int batch, int ahead) {
        assert batch > 0 && ahead > 0;
        this.pipelined = pipelined;
        this.batch = batch;
        this.queue = new ArrayBlockingQueue<>(ahead);
        this.open = pipelined ? new Batch(batch) : null;
    }

    /** Adds {@code e}'s line, {@code run} being its run's ordinal. */
    void add(int run, JournalEntry e) {
        if (!pipelined) {
            digest.add(run, e);
            return;
        }
        rethrow();
        Batch b = open;
        b.entries[b.size] = e;
        b.runs[b.size] = run;
        if (++b.size == batch) {
            open = new Batch(batch);
            handOff(b);
        }
    }

    /** The digest of every entry added so far: hashes here what is still queued, and the open batch. */
    String hex() {
        if (pipelined) {
            while (hashNext()) {
                // the hashing thread is behind, or gone: take its batches, in order
            }
            rethrow();
            synchronized (hashing) { // the queue is empty and only this thread fills it: nobody else hashes now
                hash(open);
            }
            open = new Batch(batch);
        }
        return digest.hex();
    }

    /** Whether no batch is queued or being hashed (for tests: an abandoned pipeline runs dry). */
    boolean idle() {
        return queue.isEmpty() && !draining.get();
    }

    private void handOff(Batch b) {
        // A full queue: the hashing thread is AHEAD batches behind (descheduled, say, on a busy machine). The fold
        // hashes the oldest batch itself rather than wait for it: it never runs slower than hashing everything itself.
        while (!queue.offer(b)) hashNext();
        if (!draining.compareAndSet(false, true)) return; // the running task takes it
        try {
            HASHERS.execute(this::drain);
        } catch (RejectedExecutionException | OutOfMemoryError x) {
            draining.set(false); // no thread to be had: the fold hashes the queue when it fills, and in hex
        }
    }

    /** Hashes the queued batches in order; ends when the queue is empty (another task starts with the next batch). */
    private void drain() {
        while (true) {
            while (hashNext()) {
                // on to the next batch
            }
            draining.set(false);
            // A batch queued after the last poll and before the flag fell found the flag up and scheduled nothing.
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) return;
        }
    }

    /** Takes the oldest queued batch and hashes it (skips it after a failure: the digest is void); false if none. */
    private boolean hashNext() {
        synchronized (hashing) {
            Batch b = queue.poll();
            if (b == null) return false;
            if (failure == null) {
                try {
                    hash(b);
                } catch (Throwable x) {
                    failure = x;
                }
            }
            return true;
        }
    }

    private void hash(Batch b) {
        digest.addAll(b.runs, b.entries, b.size);
    }

    private void rethrow() {
        Throwable x = failure;
        if (x == null) return;
        if (x instanceof RuntimeException r) throw r;
        if (x instanceof Error err) throw err;
        throw new IllegalStateException("the journal digest failed: " + x, x);
    }
}
