package dev.ttm.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.scenario.ScenarioRunner;
import dev.ttm.protocol.scenario.ScenarioRuntime;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every example and regression scenario runs on the simulator and on the actor runtime (in-memory journal, every
 * entry serialized), and the two outputs agree line by line. Scenarios whose expectations depend on the
 * simulator's delivery order are exempt: those with {@code schedule random}, and those marked
 * {@code # runtime: simulator} (a race staged by the order of concurrently started operations); they must still
 * pass on the actor runtime's own schedule or say why not in that line.
 */
@ExtendWith(LogCapturingExtension.class)
class RuntimeEquivalenceTest {
    static final Path ROOT = Path.of("..");

    static List<Path> scenarios() {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("examples", "protocol/src/test/resources/regressions")) {
            try (Stream<Path> s = Files.list(ROOT.resolve(dir))) {
                String only = System.getProperty("ttm.only", "");
                s.filter(p -> p.toString().endsWith(".ttm") && p.toString().contains(only)).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertTrue(out.size() > 40 || !System.getProperty("ttm.only", "").isEmpty(), "examples and regressions not found from " + ROOT.toAbsolutePath());
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyScenarioGivesTheSameResultsOnBothRuntimes() {
        return scenarios().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            String text = Files.readString(p);
            boolean orderMatters = text.contains("schedule random") || text.contains("# runtime: simulator");
            Run sim = run(p, ScenarioRuntime.SIMULATOR);
            Run actors = run(p, ActorScenarioRuntime.factory(Settings.Journal.MEMORY));
            assertEquals(0, sim.status, () -> "simulator:\n" + sim.out);
            if (orderMatters) return;
            assertEquals(sim.out, actors.out, "the actor runtime disagrees with the simulator");
            assertEquals(sim.status, actors.status);
        }));
    }

    record Run(int status, String out) {}

    static Run run(Path file, ScenarioRuntime.Factory runtime) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ScenarioRunner.runFiles(List.of(file), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ScenarioRunner.Options(false, false, runtime));
        return new Run(status, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }
}
