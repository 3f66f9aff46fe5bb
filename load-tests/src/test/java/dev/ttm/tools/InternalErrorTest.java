package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A bug in ttm is exit status 3 and one line on stderr, never a raw stack trace: the trace goes to a log file
 * the line names, or to stderr above the line with {@code --debug}. A throwing subcommand stands in for the bug.
 */
class InternalErrorTest {
    private static final Pattern LOG = Pattern.compile("stack trace in (\\S+\\.log)\\)$");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Throws what it is given; declares --debug as {@code ttm run} does. */
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        final Throwable toThrow;

        @Option(names = "--debug")
        boolean debug;

        Boom(Throwable toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public Integer call() throws Exception {
            if (toThrow instanceof Exception e) throw e;
            throw (Error) toThrow;
        }
    }

    private int ttm(Throwable toThrow, String... args) {
        CommandLine cmd = TtmCommand.commandLine();
        cmd.addSubcommand("boom", new Boom(toThrow));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return TtmCommand.execute(cmd, args);
    }

    /** The one line names a log file holding the stack trace; the file is removed afterwards. */
    private static String logged(String line) throws IOException {
        Matcher m = LOG.matcher(line);
        assertTrue(m.find(), line);
        Path log = Path.of(m.group(1));
        try {
            return Files.readString(log);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void anExceptionIsOneLineAndALogFile() throws IOException {
        assertEquals(3, ttm(new IllegalStateException("broken\nstate"), "boom"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("ttm: internal error: IllegalStateException: broken state (a bug in ttm;"),
                lines.get(0));
        String trace = logged(lines.get(0));
        assertTrue(trace.contains("java.lang.IllegalStateException: broken") && trace.contains("at dev.ttm.tools."),
                trace);
        assertEquals("", out.toString());
    }

    @Test
    void anErrorThatPicocliDoesNotHandleIsOneLineToo() throws IOException {
        assertEquals(3, ttm(new StackOverflowError(), "boom"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("ttm: internal error: StackOverflowError (a bug in ttm;"), lines.get(0));
        assertTrue(logged(lines.get(0)).contains("java.lang.StackOverflowError"));
    }

    @Test
    void outOfMemoryIsOneLine() throws IOException {
        assertEquals(3, ttm(new OutOfMemoryError("Java heap space"), "boom"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        logged(lines.get(0));
    }

    @Test
    void debugOnTtmPutsTheStackTraceOnStderrAboveTheLine() {
        assertEquals(3, ttm(new StackOverflowError(), "--debug", "boom"));
        assertDebugOutput();
    }

    @Test
    void debugOnTheSubcommandWorksToo() {
        assertEquals(3, ttm(new IllegalStateException("x"), "boom", "--debug"));
        assertDebugOutput();
    }

    private void assertDebugOutput() {
        List<String> lines = err.toString().lines().toList();
        assertTrue(lines.size() > 2, err.toString());
        assertTrue(lines.get(1).strip().startsWith("at "), err.toString());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("ttm: internal error: ") && last.endsWith("stack trace above)"), last);
        assertFalse(last.contains(".log"), last);
    }
}
