package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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
    void versionComesFromFilteredVersionConf() {
        assertEquals(0, ttm("--version"));
        String version = out.toString().trim();
        assertTrue(version.startsWith("ttm "), version);
        assertTrue(!version.contains("${") && !version.endsWith("unknown"), version);
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertEquals(2, ttm());
        assertTrue(err.toString().contains("Missing required subcommand"), err.toString());
    }

    @Test
    void runWithoutFilesIsAUsageError() {
        assertEquals(2, ttm("run"));
        assertTrue(err.toString().contains("FILE"), err.toString());
    }

    @Test
    void unsupportedRuntimeIsAUsageError() {
        assertEquals(2, ttm("run", "--runtime", "actors", "x.ttm"));
        assertTrue(err.toString().contains("Unsupported runtime 'actors'"), err.toString());
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, ttm("run", "--no-such-option", "x.ttm"));
        assertTrue(err.toString().contains("--no-such-option"), err.toString());
    }
}
