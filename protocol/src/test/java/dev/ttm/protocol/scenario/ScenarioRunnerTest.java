package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's handling of files and of bugs in ttm (reading, internal errors); statements: StatementsTest. */
class ScenarioRunnerTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** Runs the files; stdout must be empty (nothing runs when a file cannot be read). */
    private int runFiles(Path... files) {
        int status = ScenarioRunner.runFiles(List.of(files), out, err);
        assertEquals("", out());
        return status;
    }

    private void assertFirstError(String line) {
        assertEquals(line, err().lines().findFirst().orElse("(nothing on stderr)"), err());
    }

    // ---- reading files ----

    @Test
    void aMissingFileIsAScriptError(@TempDir Path dir) {
        Path f = dir.resolve("missing.ttm");
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(f));
        assertFirstError(f + ": cannot read: no such file");
        assertTrue(err().endsWith("ttm run: 1 script error(s); nothing was run" + System.lineSeparator()), err());
    }

    @Test
    void aDirectoryIsAScriptError(@TempDir Path dir) {
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(dir));
        assertFirstError(dir + ": cannot read: is a directory");
    }

    @Test
    void anEmptyFileNameIsAScriptError() {
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(Path.of("")));
        assertFirstError("'': cannot read: empty file name");
    }

    @Test
    void anUnreadableFileIsAScriptError(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("secret.ttm"), "bo A size=4KiB\n");
        assumeTrue(f.toFile().setReadable(false, false) && !Files.isReadable(f), "root reads anything");
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(f));
        assertFirstError(f + ": cannot read: permission denied");
    }

    @Test
    void aPathThroughAFileIsAScriptError(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("plain.ttm"), "");
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(f.resolve("x.ttm")));
        assertTrue(err().startsWith(f.resolve("x.ttm") + ": cannot read: "), err());
    }

    @Test
    void aFileOfExactlyTheLimitIsReadAndOneByteMoreIsRefused(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("s.ttm"), "bo A size=4KiB\n");
        assertEquals(15, SourceFile.read(f, 15).length);
        SourceFile.Unreadable e = assertThrows(SourceFile.Unreadable.class, () -> SourceFile.read(f, 14));
        assertEquals(f + ": too large: more than 14 bytes (the limit for a scenario file)", e.getMessage());
    }

    /** A sparse file: 3 GiB of apparent size, no disk blocks, read only up to the limit. */
    @Test
    void aHugeFileIsAScriptErrorNotAnOutOfMemoryError(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("huge.ttm");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(3L << 30);
        }
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(f));
        assertFirstError(f + ": too large: more than 64 MiB (the limit for a scenario file)");
    }

    @Test
    void anEndlessInputIsAScriptError() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.isReadable(zero), "no /dev/zero here");
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(zero));
        assertFirstError("/dev/zero: too large: more than 64 MiB (the limit for a scenario file)");
    }

    @Test
    void everyUnreadableFileIsReportedAndNothingRuns(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("good.ttm"), "bo A size=4KiB expect OK\n");
        Path missing = dir.resolve("missing.ttm");
        assertEquals(ScenarioRunner.EXIT_SCRIPT_ERROR, runFiles(good, missing, dir));
        assertEquals(List.of(missing + ": cannot read: no such file", dir + ": cannot read: is a directory",
                "ttm run: 2 script error(s); nothing was run"), err().lines().toList());
    }

    // ---- echoed source text ----

    @Test
    void aByteOrderMarkIsNotEchoedWithLineOne(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("bom.ttm"), "\uFEFFbo A size=4KiB   expect OK\n");
        assertEquals(ScenarioRunner.EXIT_OK, ScenarioRunner.runFiles(List.of(f), out, err));
        assertTrue(firstLine(out()).startsWith("ok   " + f + ":1  bo A size=4KiB   expect OK  -> OK"), out());
        assertEquals("", err());
    }

    @Test
    void runSourceDoesNotEchoAByteOrderMarkEither() {
        ScenarioRunner.Result r = ScenarioRunner.runSource("t.ttm", "\uFEFFbo A size=4KiB expect OK\n", out);
        assertEquals(ScenarioRunner.EXIT_OK, r.exitStatus(), out());
        assertTrue(firstLine(out()).startsWith("ok   t.ttm:1  bo A size=4KiB expect OK  -> OK"), out());
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("(nothing printed)");
    }

    // ---- scenarios as large as their inputs allow ----

    /** {@code n} regions declared in order, R0 evicting to R1 ... and R(n-1) to {@code last}. */
    private static String chain(int n, String last) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("region R").append(i).append(" size=64KiB evict-to=").append(i + 1 < n ? "R" + (i + 1) : last)
                    .append('\n');
        }
        return s.toString();
    }

    @Test
    void aSixThousandRegionEvictionChainRuns() {
        String text = chain(6000, "SYSTEM") + """
                bo A size=64KiB in R0   expect OK
                bo B size=64KiB in R0   expect OK
                expect A in R1
                expect invariants ok
                """;
        ScenarioRunner.Result r = ScenarioRunner.runSource("chain.ttm", text, out);
        assertEquals(ScenarioRunner.EXIT_OK, r.exitStatus(), () -> r + "\n" + out());
        assertEquals(4, r.passed());
    }

    @Test
    void aCycleClosingASixThousandRegionChainIsOneShortScriptError() {
        ScenarioRunner.Result r = ScenarioRunner.runSource("chain.ttm", chain(6000, "R0"), out);
        assertEquals(List.of("chain.ttm:6000:25: eviction targets form a cycle: R5999 -> R0 -> R1 -> R2 -> ... -> R5997"
                + " -> R5998 -> R5999 (6000 regions)"), r.scriptErrors());
    }

    /** Declared from the end, every region is a target before it is declared. */
    @Test
    void aChainDeclaredBackwardsIsCheckedToo() {
        StringBuilder text = new StringBuilder();
        for (int i = 5999; i >= 0; i--) {
            text.append("region R").append(i).append(" size=64KiB evict-to=R").append((i + 1) % 6000).append('\n');
        }
        ScenarioRunner.Result r = ScenarioRunner.runSource("back.ttm", text.toString(), out);
        assertEquals(List.of("back.ttm:6000:22: eviction targets form a cycle: R0 -> R1 -> R2 -> R3 -> ... -> R5998"
                + " -> R5999 -> R0 (6000 regions)"), r.scriptErrors());
    }

    // ---- internal errors ----

    private static Ast.Scenario parsed(String file, String text) {
        ParseResult r = ScenarioParser.parse(file, text);
        assertTrue(r.ok(), () -> r.errors().toString());
        return r.scenario();
    }

    /**
     * A scenario the parser would refuse (an eviction target that does not exist) makes the model throw: it
     * stands in for a bug in ttm. The run is exit 3 with one line on stderr; the next scenario still runs.
     */
    @Test
    void anInternalErrorIsOneLineWithTheStackTraceInALogFile() throws IOException {
        String text = "region VRAM size=64KiB\nbo A size=4KiB in VRAM expect OK\n";
        Ast.Scenario good = parsed("good.ttm", text);
        List<Ast.RegionDecl> regions = new ArrayList<>();
        for (Ast.RegionDecl r : good.regions()) {
            regions.add(new Ast.RegionDecl(r.pos(), r.name(), r.sizeBytes(), r.visibleBytes(), r.cpuVisible(),
                    r.name().equals("VRAM") ? List.of("NOWHERE") : r.evictTo(), r.purge()));
        }
        Ast.Scenario broken = new Ast.Scenario("broken.ttm", good.device(), regions, good.injections(), good.body());

        ScenarioRunner.Result r = ScenarioRunner.runAll(List.of(broken, good), List.of(text, text), out, err, ScenarioRunner.Options.DEFAULT);

        assertEquals(ScenarioRunner.EXIT_INTERNAL, r.exitStatus());
        assertEquals(1, r.passed(), out());
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).startsWith("broken.ttm: internal error: IllegalArgumentException: region VRAM evicts"
                + " to unknown region NOWHERE (a bug in ttm, not in the scenario; stack trace in "), lines.get(0));
        Matcher m = Pattern.compile("stack trace in (\\S+\\.log)\\)$").matcher(lines.get(0));
        assertTrue(m.find(), lines.get(0));
        Path log = Path.of(m.group(1));
        try {
            assertTrue(Files.readString(log).contains("at dev.ttm.protocol.model.DeviceConfig"));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void withDebugTheStackTraceIsOnStderr() {
        Ast.Scenario good = parsed("good.ttm", "region VRAM size=64KiB\n");
        Ast.Scenario broken = new Ast.Scenario("broken.ttm", new Ast.DeviceDecl(4096, "no-such-driver", null, "ticket", false),
                good.regions(), good.injections(), good.body());

        ScenarioRunner.Result r = ScenarioRunner.runAll(List.of(broken), List.of(""), out, err, new ScenarioRunner.Options(true, false));

        assertEquals(ScenarioRunner.EXIT_INTERNAL, r.exitStatus());
        List<String> lines = err().lines().toList();
        assertTrue(lines.get(1).strip().startsWith("at "), err());
        assertTrue(lines.get(lines.size() - 1).endsWith("(a bug in ttm, not in the scenario; stack trace above)"), err());
    }
}
