package dev.ttm.persistence;

import dev.ttm.actors.JournalSetup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * A data directory held by one system: an operating-system lock on {@code DIR/ttm.lock}, taken at start and given up
 * at close (or by the operating system, when the process dies: a crash leaves no stale lock behind, only a stale file).
 * The file says who holds it ({@code pid}, {@code host}, {@code started}), so that a second system can name it. The
 * lock covers one byte far beyond the text, so that the text stays readable where locks are mandatory (Windows).
 * The file is never deleted: a process that opened it just before would lock a file nobody else sees.
 */
public final class DataDirLock implements JournalSetup.Lease {
    public static final String FILE = "ttm.lock";
    private static final long LOCK_AT = Long.MAX_VALUE - 1;
    /** How long giving the directory up waits for the journal to close its database. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private DataDirLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes {@code dir} (made if missing) for this system.
     *
     * @throws DataDirectoryInUseException at once when another system, in this process or another, holds it
     */
    public static DataDirLock acquire(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path file = abs.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(abs);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock(LOCK_AT, 1, false);
            } catch (OverlappingFileLockException e) {
                throw inUse(abs, file, true);
            }
            if (lock == null) throw inUse(abs, file, false);
            DataDirLock held = new DataDirLock(abs, ch, lock);
            held.writeHolder();
            return held;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock data directory " + abs + " (" + file + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    private void writeHolder() throws IOException {
        String host = host();
        String text = "pid " + ProcessHandle.current().pid() + "\n" + (host == null ? "" : "host " + host + "\n") + "started " + Instant.now() + "\n";
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    /**
     * Gives the directory up (the file stays, emptied), once the journal of this process has closed its database there
     * (it may still finish a replay after its actor system terminated). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (released) return;
        released = true;
        ClosingLeveldbJournal.awaitClosed(directory.resolve("journal"), CLOSE_WAIT);
        try {
            channel.truncate(0);
        } catch (IOException ignored) {
            // the lock goes all the same; a stale text names a process that no longer holds it
        }
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it
        }
        closeQuietly(channel);
    }

    private static DataDirectoryInUseException inUse(Path dir, Path file, boolean sameProcess) {
        long pid = -1;
        String host = null;
        String started = null;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("pid ")) pid = Long.parseLong(line.substring(4).trim());
                else if (line.startsWith("host ")) host = line.substring(5).trim();
                else if (line.startsWith("started ")) started = line.substring(8).trim();
            }
        } catch (IOException | RuntimeException e) {
            // the holder is not named: it may not have written the file yet
        }
        StringBuilder who = new StringBuilder();
        if (pid > 0) who.append("pid ").append(pid);
        if (host != null) who.append(who.length() > 0 ? " on " : "host ").append(host);
        if (started != null) who.append(who.length() > 0 ? ", " : "").append("started ").append(started);
        if (who.length() == 0) who.append("process unknown");
        who.append("; lock file ").append(file);
        return new DataDirectoryInUseException(dir, pid, who.toString(), sameProcess);
    }

    /** The host's name as the environment says (no name lookup: that may take seconds), or null. */
    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) h = System.getenv("COMPUTERNAME");
        return h == null || h.isBlank() ? null : h.trim();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
