package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every scenario in the repository's {@code examples/} directory through the scenario runner: each
 * must parse, pass every expectation (exit status 0) and check at least one thing. Maven runs the tests
 * with the module directory as working directory, so the examples are at {@code ../examples}.
 */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples");
    /** Scenarios that once exposed a model bug; they must keep passing. */
    private static final Path REGRESSIONS = Path.of("src", "test", "resources", "regressions");

    @TestFactory
    Stream<DynamicTest> everyExamplePasses() throws IOException {
        return scenariosIn(EXAMPLES);
    }

    @TestFactory
    Stream<DynamicTest> everyRegressionScenarioPasses() throws IOException {
        return scenariosIn(REGRESSIONS);
    }

    private static Stream<DynamicTest> scenariosIn(Path dir) throws IOException {
        assertTrue(Files.isDirectory(dir), "no directory at " + dir.toAbsolutePath());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".ttm")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no .ttm files in " + dir.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> run(f)));
    }

    private static void run(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ScenarioRunner.Result result;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            result = ScenarioRunner.runSource(file.getFileName().toString(), text, out);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        String context = "\n" + printed
                + (result.scriptErrors().isEmpty() ? "" : "script errors:\n" + String.join("\n", result.scriptErrors()) + "\n")
                + (result.internalError() == null ? "" : "internal error: " + result.internalError() + "\n");
        assertEquals(0, result.exitStatus(), file + ": exit status " + result.exitStatus()
                + " (" + result.passed() + " passed, " + result.failed() + " failed)" + context);
        assertTrue(result.passed() > 0, file + ": no expectation was checked" + context);
    }
}
