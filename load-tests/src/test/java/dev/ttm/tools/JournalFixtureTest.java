package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals written by earlier versions still replay: each fixture under {@code src/test/resources/journals/} (a data
 * directory written by {@code ttm run --journal}, journal format named by its prefix) gives the summary and digest
 * committed next to it ({@code NAME.expected}: {@code ttm replay}'s output without its first line, the directory).
 * When the journal format changes, keep these fixtures and add one written by the new version (docs/journal.md).
 */
class JournalFixtureTest {
    static final Path FIXTURES = Path.of("src", "test", "resources", "journals");

    @Test
    void everyCommittedJournalStillReplaysToItsCommittedSummaryAndDigest(@TempDir Path tmp) throws IOException {
        List<Path> fixtures;
        try (Stream<Path> s = Files.list(FIXTURES)) {
            fixtures = s.filter(Files::isDirectory).sorted().toList();
        }
        assertEquals(false, fixtures.isEmpty(), "fixtures in " + FIXTURES);
        for (Path f : fixtures) {
            Path copy = tmp.resolve(f.getFileName()); // LevelDB writes on open: never on the committed files
            copyTree(f, copy);
            ReplayCommandTest.Outcome r = ReplayCommandTest.ttm("replay", copy.toString());
            String expected = Files.readString(FIXTURES.resolve(f.getFileName() + ".expected"));
            String got = r.out().substring(r.out().indexOf('\n') + 1);
            assertEquals(expected, got, f + " (exit " + r.status() + ", stderr: " + r.err() + ")");
            assertEquals(0, r.status());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            s.forEach(p -> {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
