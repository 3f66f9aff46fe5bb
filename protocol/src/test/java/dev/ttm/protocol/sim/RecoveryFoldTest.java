package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a restarted runtime's monitor does: a fresh simulator rebuilt with {@link Simulator#recover} from every
 * entity's events (no listener hears them) holds the live model's states, and an invariant checker told
 * {@link InvariantChecker#recovered} finds exactly the state violations a full check of the live model finds, and
 * its incremental checks start from there.
 */
class RecoveryFoldTest {
    @Test
    void aModelRecoveredFromItsJournalsIsTheLiveOneAndItsCheckerAgrees() {
        SplittableRandom r = new SplittableRandom(dev.ttm.protocol.TestSeeds.base("RecoveryFoldTest", 0x2EC0L));
        int checked = 0;
        for (int i = 0, n = dev.ttm.protocol.TestSeeds.count(24); i < n; i++) {
            ReplayWorkload w = new ReplayWorkload(ReplayWorkload.runSeed(r, i));
            ReplayTest.Journal journal = new ReplayTest.Journal();
            w.sim.addListener(journal);
            w.run();
            Simulator rebuilt = new Simulator(w.device);
            for (Map.Entry<Address, List<Event>> e : journal.events.entrySet()) rebuilt.recover(e.getKey(), e.getValue());
            assertEquals(RegionSnapshotTest.digests(w.sim), RegionSnapshotTest.digests(rebuilt), () -> "run " + w.describe());

            InvariantChecker live = new InvariantChecker();
            live.checkFull(w.sim, 0, false);
            InvariantChecker recovered = new InvariantChecker();
            recovered.recovered(rebuilt, 0);
            assertEquals(keys(live.all()), keys(recovered.all()), () -> "run " + w.describe());
            // and it goes on: the incremental check after a change finds what a full one does
            recovered.checkIncremental(rebuilt);
            assertEquals(keys(live.all()), keys(recovered.all()), () -> "run " + w.describe());
            checked++;
        }
        assertTrue(checked > 0);
    }

    static List<String> keys(List<Violation> vs) {
        List<String> out = new ArrayList<>();
        for (Violation v : vs) out.add(v.invariant() + " " + v.entities());
        return out;
    }
}
