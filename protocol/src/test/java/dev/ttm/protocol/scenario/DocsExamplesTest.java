package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every example in the repository's {@code docs/*.md} is a scenario that runs: each fenced block with the
 * info string {@code ttm} is extracted and run through the scenario runner. It must parse, run without an
 * internal error, fail no expectation and check at least one. The test is named {@code FILE#N} (the N-th
 * {@code ttm} block of FILE). Maven runs the tests with the module directory as working directory, so the
 * repository root is found by walking up to the first directory holding both {@code pom.xml} and {@code docs/}.
 */
class DocsExamplesTest {
    /** Fewer blocks than this means the extraction broke (or the docs lost their examples). */
    private static final int MIN_BLOCKS = 10;
    private static final String OPEN = "```ttm";
    private static final String CLOSE = "```";

    /** One {@code ttm} block: its file, its number in that file (from 1), its first line (1-based) and its text. */
    record Block(Path file, int number, int firstLine, String text) {
        String name() {
            return file.getFileName() + "#" + number;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyDocsExampleRuns() throws IOException {
        Path docs = docsDirectory();
        List<Path> files;
        try (Stream<Path> s = Files.list(docs)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".md") && Files.isRegularFile(p)).sorted().toList();
        }
        List<Block> blocks = new ArrayList<>();
        for (Path f : files) blocks.addAll(blocks(f));
        assertTrue(blocks.size() >= MIN_BLOCKS, "only " + blocks.size() + " ```ttm blocks in " + docs.toAbsolutePath()
                + " (expected at least " + MIN_BLOCKS + ")");
        return blocks.stream().map(b -> DynamicTest.dynamicTest(b.name(), b.file().toUri(), () -> run(b)));
    }

    /** The repository's docs directory: the first ancestor of the working directory with pom.xml and docs/. */
    static Path docsDirectory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir.resolve("docs");
            }
        }
        return fail("no docs/ directory next to a pom.xml above " + Path.of("").toAbsolutePath());
    }

    /** The {@code ttm} blocks of one Markdown file, in order. An unterminated block fails the test. */
    static List<Block> blocks(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> out = new ArrayList<>();
        StringBuilder text = null;
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (text == null) {
                if (line.equals(OPEN)) {
                    text = new StringBuilder();
                    start = i + 2;
                }
            } else if (line.equals(CLOSE)) {
                out.add(new Block(file, out.size() + 1, start, text.toString()));
                text = null;
            } else {
                text.append(lines.get(i)).append('\n');
            }
        }
        if (text != null) fail(file + ": the ```ttm block starting at line " + (start - 1) + " is not closed");
        return out;
    }

    private static void run(Block b) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ScenarioRunner.Result result;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            result = ScenarioRunner.runSource(b.name(), b.text(), out);
        }
        String where = b.file() + ": block " + b.number() + ", whose first line is line " + b.firstLine()
                + " (line numbers below count from there)";
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), result.scriptErrors(), where + ": script errors");
        assertNull(result.internalError(), where + ": internal error\n" + printed);
        assertEquals(0, result.failed(), where + ": " + result.failed() + " expectation(s) failed\n" + printed);
        assertTrue(result.passed() > 0, where + ": no expectation was checked\n" + printed);
    }
}
