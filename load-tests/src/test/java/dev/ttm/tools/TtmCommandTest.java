package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit statuses and messages of the command line (without reaching the scenario runner). */
class TtmCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int ttm(String... args) {
        CommandLine cmd = TtmCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, ttm("--help"));
        assertTrue(out.toString().contains("Usage: ttm"), out.toString());
        assertTrue(out.toString().contains("run"), out.toString());
    }

    @Test
    void runHelpStatesTheFileAndLineLimits() {
        assertEquals(0, ttm("run", "--help"));
        String help = out.toString().replaceAll("\\s+", " ");
        assertTrue(help.contains("Limits: a scenario file may hold at most 64 MiB and a line at most 10000 characters."),
                out.toString());
    }

    @Test
    void versionComesFromFilteredVersionConf() {
        assertEquals(0, ttm("--version"));
        String version = out.toString().trim();
        assertTrue(version.startsWith("ttm "), version);
        assertTrue(!version.contains("${") && !version.endsWith("unknown"), version);
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertEquals(2, ttm());
        assertOneLine("ttm: Missing required subcommand (try 'ttm --help')");
    }

    @Test
    void runWithoutFilesIsAUsageError() {
        assertEquals(2, ttm("run"));
        assertOneLine("ttm run: Missing required parameter: 'FILE' (try 'ttm run --help')");
    }

    @Test
    void unknownSubcommandIsAOneLineUsageErrorWithASuggestion() {
        assertEquals(2, ttm("runn", "x.ttm"));
        String e = err.toString();
        assertTrue(e.startsWith("ttm: Unmatched arguments from index 0: 'runn', 'x.ttm'; did you mean run?"), e);
        assertOneLine(e.strip());
    }

    @Test
    void missingOptionValueIsAOneLineUsageError() {
        assertEquals(2, ttm("run", "--runtime"));
        assertTrue(err.toString().startsWith("ttm run: Missing required parameter for option '--runtime'"), err.toString());
        assertOneLine(err.toString().strip());
    }

    @Test
    void controlCharactersInArgumentsDoNotBreakTheLine() {
        assertEquals(2, ttm("run", "--bad\noption", "x.ttm"));
        assertTrue(err.toString().contains("'--bad?option'"), err.toString());
        assertOneLine(err.toString().strip());
    }

    @Test
    void atFileIsALiteralPathNotAnArgumentList(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("s.ttm"), "--runtime actors\n");
        ByteArrayOutputStream runErr = new ByteArrayOutputStream();
        CommandLine cmd = TtmCommand.commandLine();
        RunCommand run = cmd.getSubcommands().get("run").getCommand();
        run.err = new PrintStream(runErr, true, StandardCharsets.UTF_8);
        cmd.setErr(new PrintWriter(err, true));

        // Expanded, s.ttm would become the options "--runtime actors" (a usage error about the runtime).
        assertEquals(2, cmd.execute("run", "@" + list));
        assertEquals("", err.toString());
        assertTrue(runErr.toString(StandardCharsets.UTF_8).startsWith("@" + list + ": cannot read: no such file"), runErr::toString);
        assertEquals(List.of(Path.of("@" + list)), run.files);
    }

    @Test
    void unsupportedRuntimeIsAUsageError() {
        assertEquals(2, ttm("run", "--runtime", "cluster", "x.ttm"));
        assertOneLine("ttm run: Unsupported runtime 'cluster' for --runtime (supported: sim, actors) (try 'ttm run --help')");
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, ttm("run", "--no-such-option", "x.ttm"));
        assertOneLine("ttm run: Unknown option: '--no-such-option' (try 'ttm run --help')");
    }

    /** stderr is exactly {@code line}, one line. */
    private void assertOneLine(String line) {
        assertEquals(line + System.lineSeparator(), err.toString());
    }
}
