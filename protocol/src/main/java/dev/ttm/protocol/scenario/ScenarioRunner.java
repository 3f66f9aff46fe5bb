package dev.ttm.protocol.scenario;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

    /** What running one or more scenarios came to. */
    public record Result(int passed, int failed, List<String> scriptErrors, String internalError) {
        public int exitStatus() {
            if (!scriptErrors.isEmpty()) return EXIT_SCRIPT_ERROR;
            if (internalError != null) return EXIT_INTERNAL;
            return failed > 0 ? EXIT_FAILED : EXIT_OK;
        }
    }

    private ScenarioRunner() {}

    /** Exit status: 0 all expectations held, 1 one failed, 2 script error, 3 internal error. */
    public static int runFiles(List<Path> files, PrintStream out, PrintStream err) {
        return runFiles(files, out, err, false);
    }

    /** As {@link #runFiles(List, PrintStream, PrintStream)}; {@code fullCheck}: check the whole device after every message. */
    public static int runFiles(List<Path> files, PrintStream out, PrintStream err, boolean fullCheck) {
        List<Ast.Scenario> scenarios = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException | RuntimeException e) {
                errors.add(f + ":0:0: cannot read the file: " + describe(e));
                continue;
            }
            ParseResult pr = ScenarioParser.parse(f.toString(), bytes);
            for (Ast.ScriptError e : pr.errors()) errors.add(e.toString());
            if (pr.ok()) {
                scenarios.add(pr.scenario());
                sources.add(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        if (!errors.isEmpty()) {
            for (String e : errors) err.println(e);
            err.println("ttm run: " + errors.size() + " script error(s); nothing was run");
            return EXIT_SCRIPT_ERROR;
        }
        Result total = runAll(scenarios, sources, out, err, fullCheck);
        out.println(total.passed() + " passed, " + total.failed() + " failed");
        return total.exitStatus();
    }

    /** Runs one scenario given as text (tests and embedding); prints the statement lines to {@code out}. */
    public static Result runSource(String fileName, String text, PrintStream out) {
        ParseResult pr = ScenarioParser.parse(fileName, text.getBytes(StandardCharsets.UTF_8));
        if (!pr.ok()) {
            List<String> errors = new ArrayList<>();
            for (Ast.ScriptError e : pr.errors()) errors.add(e.toString());
            return new Result(0, 0, errors, null);
        }
        return runAll(List.of(pr.scenario()), List.of(text), out, out, false);
    }

    private static Result runAll(List<Ast.Scenario> scenarios, List<String> sources, PrintStream out, PrintStream err, boolean fullCheck) {
        int passed = 0;
        int failed = 0;
        String internal = null;
        for (int i = 0; i < scenarios.size(); i++) {
            ScenarioInterpreter run = new ScenarioInterpreter(scenarios.get(i), sources.get(i), out, fullCheck);
            try {
                run.run();
            } catch (RuntimeException | AssertionError e) {
                internal = run.where() + ": internal error: " + describe(e);
                err.println(internal);
                err.println("ttm run: this is a bug in ttm, not in the scenario; please report it with the file");
            }
            passed += run.passed();
            failed += run.failed();
        }
        return new Result(passed, failed, List.of(), internal);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
