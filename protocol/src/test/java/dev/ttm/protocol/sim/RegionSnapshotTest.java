package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.ModelJackson;
import dev.ttm.protocol.model.RegionSnapshot;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.StateDigest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Region snapshots are exact. On random workloads ({@link ReplayWorkload}: every driver and eviction walk, ghosts,
 * parked and deferred requests, walks caught half way, injected faults), a region's snapshot taken after any message,
 * written to CBOR and read back as a snapshot store would keep it, equals itself and rebuilds a state with the live
 * state's {@link StateDigest}; and a run whose regions are replaced now and then by states rebuilt from their
 * snapshots goes on exactly as the run without (the same digest for every entity at the end, the same replies).
 */
class RegionSnapshotTest {
    static final long BASE_SEED = 0x5AA9L;
    static final int RUNS = 16;

    static List<Long> seeds(String test) {
        SplittableRandom r = new SplittableRandom(dev.ttm.protocol.TestSeeds.base("RegionSnapshotTest." + test, BASE_SEED));
        List<Long> out = new ArrayList<>();
        for (int i = 0, n = dev.ttm.protocol.TestSeeds.count(RUNS); i < n; i++) out.add(ReplayWorkload.runSeed(r, i));
        return out;
    }

    /** Takes every region's snapshot after every {@code every}-th message, checks it, and restores the region from it. */
    static final class Snapshotter implements SimListener {
        final int every;
        final boolean restore;
        int seen;
        int taken;
        String failure;

        Snapshotter(int every, boolean restore) {
            this.every = every;
            this.restore = restore;
        }

        @Override
        public void afterDelivery(Simulator sim, Envelope delivered) {
            if (failure != null || ++seen % every != 0) return;
            for (RegionState live : List.copyOf(sim.regions())) {
                RegionSnapshot snap = live.snapshot();
                RegionSnapshot back = ModelJackson.roundTrip(snap, RegionSnapshot.class);
                taken++;
                if (!back.equals(snap)) {
                    failure = live.name() + " after message " + seen + ": the snapshot reads back from CBOR as\n" + back + "\nnot\n" + snap;
                    return;
                }
                RegionState rebuilt = RegionState.fromSnapshot(back);
                String want = StateDigest.render(live);
                String got = StateDigest.render(rebuilt);
                if (!want.equals(got)) {
                    failure = live.name() + " after message " + seen + ": rebuilt from its snapshot\n" + got + "\nnot\n" + want;
                    return;
                }
                if (restore) sim.restore(new Address.Region(live.name()), rebuilt);
            }
        }
    }

    @Test
    void aStateRebuiltFromItsSnapshotHasTheSameDigest() {
        int taken = 0;
        boolean sawWalk = false;
        for (long seed : seeds("digest")) {
            ReplayWorkload w = new ReplayWorkload(seed);
            Snapshotter s = new Snapshotter(3 + (int) (seed >>> 8 & 3), false);
            WalkSeen walks = new WalkSeen();
            w.sim.addListener(s);
            w.sim.addListener(walks);
            w.run();
            if (w.thrown != null) throw new AssertionError("run " + w.describe() + " threw", w.thrown);
            if (s.failure != null) fail("run " + w.describe() + " (-Dttm.seed to vary)\n" + s.failure);
            taken += s.taken;
            sawWalk |= walks.seen;
        }
        assertTrue(taken > 500, "too few snapshots taken: " + taken);
        assertTrue(sawWalk, "no snapshot was taken while a walk was running");
    }

    /** Whether some message left a region with its walk running (so that a snapshot caught the cursor). */
    static final class WalkSeen implements SimListener {
        boolean seen;

        @Override
        public void afterDelivery(Simulator sim, Envelope delivered) {
            for (RegionState r : sim.regions()) seen |= r.walk() != null;
        }
    }

    @Test
    void aRunGoesOnTheSameFromRestoredRegions() {
        for (long seed : seeds("restore")) {
            ReplayWorkload plain = new ReplayWorkload(seed);
            plain.run();
            ReplayWorkload restored = new ReplayWorkload(seed);
            Snapshotter s = new Snapshotter(5 + (int) (seed >>> 8 & 7), true);
            restored.sim.addListener(s);
            restored.run();
            if (restored.thrown != null) throw new AssertionError("run " + restored.describe() + " threw", restored.thrown);
            assertEquals(String.valueOf(plain.thrown), String.valueOf(restored.thrown));
            if (s.failure != null) fail("run " + restored.describe() + "\n" + s.failure);
            assertTrue(s.taken > 0);
            assertEquals(plain.sim.delivered(), restored.sim.delivered(), () -> "run " + plain.describe() + ": messages delivered");
            assertEquals(digests(plain.sim), digests(restored.sim), () -> "run " + plain.describe() + ": the entities end differently");
            long last = plain.sim.newRequestId();
            for (long id = 1; id < last; id++)
                assertEquals(plain.sim.reply(id), restored.sim.reply(id), "run " + plain.describe() + ": reply " + id);
        }
    }

    static Map<Address, String> digests(Simulator sim) {
        Map<Address, String> out = new LinkedHashMap<>();
        for (Simulator.Slot<?, ?, ?> slot : sim.entities()) out.put(slot.address(), StateDigest.digest(slot.state()));
        return out;
    }
}
