package dev.ttm.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * The README's embedding example is the code between the markers below, verbatim (so it compiles), and it runs and
 * prints what the README says it prints.
 */
@ExtendWith(LogCapturingExtension.class)
class ReadmeExampleTest {
    static final Path SELF = Path.of("src/test/java/dev/ttm/actors/ReadmeExampleTest.java");
    static final Path README = Path.of("../README.md");

    static void example() {
        // README:begin
        try (TtmSystem ttm = TtmSystem.start(ConfigFactory.parseString("ttm.journal = memory").withFallback(ConfigFactory.load()))) {
            BoHandle a = ttm.bo("A");
            a.create(64 * 1024, Placements.parse("VRAM:topdown")).toCompletableFuture().join(); // outside the CPU-visible window
            Reply fault = a.fault(0).toCompletableFuture().join();                               // MAPPED: moved into the window
            Reply exec = ttm.execbuf().add("A", Placements.parse("TT")).fence().submit().toCompletableFuture().join();
            ttm.awaitQuiescence(Duration.ofSeconds(5));                                          // views are exact once quiet
            BoView view = ttm.views().toCompletableFuture().join().bo("A").orElseThrow();
            System.out.println(fault.outcome() + " " + exec.outcome() + " " + view.where() + " busy=" + view.busy());
            System.out.println(ttm.invariantReport().toCompletableFuture().join());
        }
        // README:end
    }

    /** The lines between the markers, without the method body's indentation. */
    static String snippet() throws Exception {
        String src = Files.readString(SELF);
        String body = src.substring(src.indexOf("// README:begin\n") + "// README:begin\n".length(), src.indexOf("        // README:end"));
        return body.lines().map(l -> l.startsWith("        ") ? l.substring(8) : l).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void theReadmeShowsThisVeryCode() throws Exception {
        String snippet = snippet();
        assertEquals(10, snippet.lines().count(), "a ten-line example");
        String readme = Files.readString(README);
        assertTrue(readme.contains("```java\n" + snippet + "```\n"), () -> "README.md must show, verbatim:\n" + snippet);
        assertTrue(readme.contains("MAPPED OK TT busy=true\ninvariants ok\n"), "and what it prints");
    }

    @Test
    void andItRuns() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            example();
        } finally {
            System.setOut(out);
        }
        assertEquals("MAPPED OK TT busy=true\ninvariants ok\n", captured.toString(StandardCharsets.UTF_8));
    }
}
