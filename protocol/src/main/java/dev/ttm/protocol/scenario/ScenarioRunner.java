package dev.ttm.protocol.scenario;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ttm run FILE...}: parses every file first (any script error: report them all, run nothing, exit 2),
 * then runs each on a fresh simulated device and prints one line per statement and a summary line.
 */
public final class ScenarioRunner {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_SCRIPT_ERROR = 2;
    public static final int EXIT_INTERNAL = 3;

    /** The largest scenario file {@code ttm run} reads; a larger or endless input is a script error. */
    public static final int MAX_FILE_BYTES = SourceFile.MAX_BYTES;

    /** The longest line, in characters (a longer one is a script error at the first character too many). */
    public static final int MAX_LINE_CHARS = SourceDecoder.MAX_LINE;

    /** What running one or more scenarios came to. */
    public record Result(int passed, int failed, List<String> scriptErrors, String internalError) {
        public int exitStatus() {
            if (!scriptErrors.isEmpty()) return EXIT_SCRIPT_ERROR;
            if (internalError != null) return EXIT_INTERNAL;
            return failed > 0 ? EXIT_FAILED : EXIT_OK;
        }
    }

    /** The parsed files: scenarios with their source text, or the script errors that stop the run. */
    private static final class Loaded {
        final List<Ast.Scenario> scenarios = new ArrayList<>();
        final List<String> sources = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        Throwable parserBug;
    }

    private ScenarioRunner() {}

    /** Exit status: 0 all expectations held, 1 one failed, 2 script error, 3 internal error. */
    public static int runFiles(List<Path> files, PrintStream out, PrintStream err) {
        return runFiles(files, out, err, Options.DEFAULT);
    }

    /**
     * How to run: {@code debug} puts an internal error's stack trace on stderr; {@code fullCheck} checks every
     * invariant on the whole device after every message (a cross-check of the incremental checker; slow).
     */
    public record Options(boolean debug, boolean fullCheck, ScenarioRuntime.Factory runtime) {
        public static final Options DEFAULT = new Options(false, false);

        public Options(boolean debug, boolean fullCheck) {
            this(debug, fullCheck, ScenarioRuntime.SIMULATOR);
        }
    }

    /**
     * As {@link #runFiles(List, PrintStream, PrintStream)} with {@code options}: an internal error is one line on
     * {@code err}, its stack trace on {@code err} too with {@code debug}, else in a log file the line names.
     */
    public static int runFiles(List<Path> files, PrintStream out, PrintStream err, Options options) {
        Loaded loaded = load(files);
        if (!loaded.errors.isEmpty()) {
            return reportLoadErrors(loaded, err, options.debug());
        }
        Result total = runAll(loaded.scenarios, loaded.sources, out, err, options);
        out.println(total.passed() + " passed, " + total.failed() + " failed");
        return total.exitStatus();
    }

    private static Loaded load(List<Path> files) {
        Loaded loaded = new Loaded();
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = SourceFile.read(f);
            } catch (SourceFile.Unreadable e) {
                loaded.errors.add(e.getMessage());
                continue;
            }
            ParseResult pr = ScenarioParser.parse(f.toString(), bytes);
            for (Ast.ScriptError e : pr.errors()) loaded.errors.add(e.toString());
            if (loaded.parserBug == null) loaded.parserBug = pr.internalError();
            if (pr.ok()) {
                loaded.scenarios.add(pr.scenario());
                loaded.sources.add(sourceText(new String(bytes, StandardCharsets.UTF_8)));
            }
        }
        return loaded;
    }

    private static int reportLoadErrors(Loaded loaded, PrintStream err, boolean debug) {
        for (String e : loaded.errors) err.println(e);
        if (loaded.parserBug != null) {
            String trace = CrashReport.keepStackTrace(loaded.parserBug, new PrintWriter(err, true), debug);
            err.println("ttm run: internal error while parsing (a bug in ttm, not in the scenario; " + trace
                    + "); nothing was run");
            return EXIT_INTERNAL;
        }
        err.println("ttm run: " + loaded.errors.size() + " script error(s); nothing was run");
        return EXIT_SCRIPT_ERROR;
    }

    /**
     * Runs one scenario given as text (tests and embedding); prints the statement lines to {@code out}, and an
     * internal error's stack trace too.
     */
    public static Result runSource(String fileName, String text, PrintStream out) {
        ParseResult pr = ScenarioParser.parse(fileName, text.getBytes(StandardCharsets.UTF_8));
        if (!pr.ok()) {
            List<String> errors = new ArrayList<>();
            for (Ast.ScriptError e : pr.errors()) errors.add(e.toString());
            return new Result(0, 0, errors, null);
        }
        return runAll(List.of(pr.scenario()), List.of(sourceText(text)), out, out, new Options(true, false));
    }

    /**
     * The text the statement lines echo: without the UTF-8 byte-order mark that the parser skips (it would
     * otherwise be printed as part of line 1).
     */
    private static String sourceText(String decoded) {
        return decoded.startsWith("\uFEFF") ? decoded.substring(1) : decoded;
    }

    /** Runs parsed scenarios (package-private for tests: a broken scenario stands in for a bug in the model). */
    static Result runAll(List<Ast.Scenario> scenarios, List<String> sources, PrintStream out, PrintStream err,
                         Options options) {
        int passed = 0;
        int failed = 0;
        String internal = null;
        for (int i = 0; i < scenarios.size(); i++) {
            ScenarioInterpreter run = null;
            try {
                run = new ScenarioInterpreter(scenarios.get(i), sources.get(i), out, options.fullCheck(), options.runtime());
                try {
                    run.run();
                } finally {
                    run.close();
                }
            } catch (Throwable e) {
                // Any Throwable, Errors too (StackOverflowError, OutOfMemoryError): a bug in the model must end
                // as exit 3 and one line, and the other scenarios still run.
                internal = (run == null ? scenarios.get(i).file() : run.where()) + ": internal error: "
                        + CrashReport.describe(e);
                String trace = CrashReport.keepStackTrace(e, new PrintWriter(err, true), options.debug());
                err.println(internal + " (a bug in ttm, not in the scenario; " + trace + ")");
            }
            if (run != null) {
                passed += run.passed();
                failed += run.failed();
            }
        }
        return new Result(passed, failed, List.of(), internal);
    }
}
