package dev.ttm.protocol.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a scenario file for the runner, at most {@link #MAX_BYTES}. The size is found by reading, not asked of
 * the file system: {@code /dev/zero} or a pipe has no size, and a file can grow while it is read.
 */
final class SourceFile {
    /** 64 MiB: far beyond any hand-written or generated scenario, and well within a default JVM heap. */
    static final int MAX_BYTES = 64 << 20;

    /** Why a file cannot be run; the message is the whole report line, {@code FILE: what: detail}. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(Path file, String what) {
            super(name(file) + ": " + what, null, false, false);
        }

        /** An empty argument would leave the line starting with a bare colon. */
        private static String name(Path file) {
            return file.toString().isEmpty() ? "''" : file.toString();
        }
    }

    private SourceFile() {}

    static byte[] read(Path file) throws Unreadable {
        return read(file, MAX_BYTES);
    }

    /** The file's bytes, if there are at most {@code limit} of them. */
    static byte[] read(Path file, int limit) throws Unreadable {
        if (file.toString().isEmpty()) {
            throw new Unreadable(file, "cannot read: empty file name");
        }
        // Opening a directory succeeds on Linux and only reading fails, with a less clear message.
        if (Files.isDirectory(file)) {
            throw new Unreadable(file, "cannot read: is a directory");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // One byte more than allowed tells a file of exactly the limit from a larger (or endless) one.
            bytes = in.readNBytes(limit + 1);
        } catch (IOException | RuntimeException e) {
            throw new Unreadable(file, "cannot read: " + reason(e));
        }
        if (bytes.length > limit) {
            throw new Unreadable(file, "too large: more than " + mib(limit) + " (the limit for a scenario file)");
        }
        return bytes;
    }

    private static String reason(Exception e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (r == null || r.isEmpty()) return e.getClass().getSimpleName();
        // OS reasons come capitalised ("Not a directory"); the rest of our messages are lower case.
        return r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
    }

    private static String mib(int bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
