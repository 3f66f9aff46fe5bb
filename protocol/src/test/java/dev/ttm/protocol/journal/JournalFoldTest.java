package dev.ttm.protocol.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.StateDigest;
import dev.ttm.protocol.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every example and regression scenario, recorded from the simulator as a journal and folded back: the fold reaches
 * every entity's live state (digest equality), today's decide agrees with every entry, and the fold finds the same
 * invariants broken as the checker that watched the run.
 */
class JournalFoldTest {
    static List<Path> scenarios() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path dir : List.of(Path.of("..", "examples"), Path.of("src", "test", "resources", "regressions"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".ttm")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void everyScenarioFoldsBackToItsLiveStateWithTheSameVerdict() throws IOException {
        StringBuilder report = new StringBuilder();
        for (Path p : scenarios()) {
            RecordedRun run = RecordedRun.of(p);
            JournalFold fold = run.fold();
            FoldResult r = fold.finish();
            assertTrue(r.firstDivergence().isEmpty(), p + ": " + r.firstDivergence());
            for (Simulator.Slot<?, ?, ?> slot : run.sim().entities()) {
                Simulator.Slot<?, ?, ?> folded = ((Simulator) fold.model()).entity(slot.address());
                String live = StateDigest.digest(slot.state());
                String mine = folded == null ? "(none)" : StateDigest.digest(folded.state());
                if (!live.equals(mine) && !(folded == null && slot.state() instanceof dev.ttm.protocol.model.BoState b && !b.created()))
                    report.append(p).append(": ").append(slot.address()).append(" folds to another state\n");
            }
            Set<String> live = invariants(run.checker().all());
            Set<String> folded = new TreeSet<>();
            for (StampedViolation v : r.violations()) folded.add(v.violation().invariant());
            if (!live.equals(folded)) report.append(p).append(": live ").append(live).append(", folded ").append(folded).append(' ').append(r.violations()).append('\n');
            if (!r.inFlight().isEmpty()) report.append(p).append(": in flight at the end ").append(r.inFlight()).append('\n');
        }
        assertEquals("", report.toString());
    }

    private static Set<String> invariants(List<Violation> vs) {
        Set<String> out = new TreeSet<>();
        for (Violation v : vs) out.add(v.invariant());
        return out;
    }
}
