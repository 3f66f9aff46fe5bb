package dev.ttm.protocol.scenario;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How ttm reports a bug in itself: one line on stderr, with the stack trace kept out of the way — in a new
 * file under the system temp directory, or on stderr before the line when the user asked for {@code --debug}.
 * A raw stack trace is noise to a scenario author, but whoever fixes the bug needs it.
 */
public final class CrashReport {
    /** Longest exception message quoted in the one line; the log file has all of it. */
    private static final int MAX_MESSAGE = 300;

    private CrashReport() {}

    /** {@code e} as {@code Class: message} on one line (messages can hold line breaks or user text). */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        String one = m.replaceAll("\\p{Cntrl}", " ");
        if (one.length() > MAX_MESSAGE) {
            one = one.substring(0, MAX_MESSAGE) + "...";
        }
        return e.getClass().getSimpleName() + ": " + one;
    }

    /**
     * Keeps {@code e}'s stack trace (on {@code err} when {@code debug}, else in a new log file) and returns where
     * it went, as a clause for the one line: {@code "stack trace above"} or {@code "stack trace in PATH"}.
     * Never throws: after an OutOfMemoryError even writing the log may fail, and that is said instead.
     */
    public static String keepStackTrace(Throwable e, PrintWriter err, boolean debug) {
        try {
            if (debug) {
                e.printStackTrace(err);
                err.flush();
                return "stack trace above";
            }
            return "stack trace in " + writeLog(e);
        } catch (Throwable t) {
            return "the stack trace could not be kept: " + t.getClass().getSimpleName();
        }
    }

    private static Path writeLog(Throwable e) throws java.io.IOException {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        Path log = Files.createTempFile("ttm-crash-", ".log");
        Files.writeString(log, trace.toString(), StandardCharsets.UTF_8);
        return log.toAbsolutePath();
    }
}
