package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.WalkMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The incremental checker (what runs after every message) and the full one (the whole device after every message)
 * attached to the same random runs must report the same violations: none on a correct model, the same set of
 * (invariant, entities) under the v3-atomic driver, which breaks invariants for real. Seeds are fixed and logged.
 */
class CheckerEquivalenceTest {
    static final long[] SEQUENCE_SEEDS = {1, 2, 3, 4, 17, 42, 99, 1234, 4242, 90210};
    static final long[] WORKLOAD_SEEDS = {5, 6, 7, 8, 11, 13, 21, 34, 55, 89, 144, 233};

    /** RandomizedModelTest's sequences (simple and io-lru drivers): both checkers stay silent. */
    @Test
    void randomizedModelSequencesAreCleanForBoth() {
        for (long seed : SEQUENCE_SEEDS) {
            System.out.println("CheckerEquivalenceTest sequence seed=" + seed);
            RandomizedModelTest.Sequence s = new RandomizedModelTest.Sequence(seed, false);
            InvariantChecker full = new InvariantChecker(true);
            s.sim.addListener(full);
            s.run(); // fails on any violation of the incremental checker
            assertEquals(List.of(), full.all(), "seed " + seed);
            assertEquals(List.of(), s.checker.all(), "seed " + seed);
        }
    }

    @Test
    void correctDriversAreCleanForBoth() {
        for (long seed : WORKLOAD_SEEDS) {
            for (Driver d : List.of(Driver.SIMPLE, Driver.IO_LRU)) {
                Result r = workload(seed, d);
                assertEquals(Set.of(), r.full, "seed " + seed + " " + d);
                assertEquals(Set.of(), r.incremental, "seed " + seed + " " + d);
            }
        }
    }

    @Test
    void v3AtomicViolationsAreTheSameForBoth() {
        int withViolations = 0;
        for (long seed : WORKLOAD_SEEDS) {
            Result r = workload(seed, Driver.V3_ATOMIC);
            assertEquals(r.full, r.incremental, "seed " + seed + " v3-atomic");
            if (!r.full.isEmpty()) withViolations++;
        }
        assertTrue(withViolations > 0, "the v3-atomic runs must break something for the comparison to mean anything");
    }

    record Result(Set<String> incremental, Set<String> full) {}

    private static Set<String> keys(List<Violation> vs) {
        Set<String> out = new TreeSet<>();
        for (Violation v : vs) out.add(v.invariant() + " [" + v.entities() + "]");
        return out;
    }

    /** A small random workload: a few BOs under memory pressure, random operations, random delivery order. */
    static Result workload(long seed, Driver driver) {
        System.out.println("CheckerEquivalenceTest workload seed=" + seed + " driver=" + driver.name());
        SplittableRandom rnd = new SplittableRandom(seed);
        DeviceConfig dev = new DeviceConfig(4096, driver, driver == Driver.IO_LRU ? 8 : 0, List.of(
                new RegionConfig("VRAM", 24, 8, false, List.of("TT", RegionConfig.SYSTEM), false),
                new RegionConfig("TT", 16, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of(),
                WalkMode.values()[(int) Math.floorMod(seed, 3L)], seed % 2 == 0);
        Simulator sim = new Simulator(dev);
        InvariantChecker incremental = new InvariantChecker();
        InvariantChecker full = new InvariantChecker(true);
        sim.addListener(incremental);
        sim.addListener(full);
        sim.randomize(rnd.nextLong());
        Address.Client client = new Address.Client("w");
        String[] owners = {"k", "m", "fbdev"};
        int bos = 6;
        for (int i = 0; i < bos; i++) {
            long id = sim.newRequestId();
            Place p = rnd.nextBoolean() ? Place.of("VRAM") : Place.of("TT");
            sim.submit(client, new Address.Bo("B" + i), new BufferObject.Create(1 + rnd.nextInt(6), rnd.nextInt(4), Placement.of(p), id, client));
        }
        sim.settle(1_000_000);
        boolean[] destroyed = new boolean[bos];
        for (int op = 0; op < 300; op++) {
            int b = rnd.nextInt(bos);
            if (destroyed[b]) continue;
            long id = sim.newRequestId();
            String owner = owners[rnd.nextInt(owners.length)];
            Message m = switch (rnd.nextInt(14)) {
                case 0 -> new BufferObject.Validate(Placement.of(rnd.nextBoolean() ? Place.visible("VRAM") : Place.of("TT")), null, false, id, client);
                case 1 -> new BufferObject.Fault(0, id, client);
                case 2 -> new BufferObject.Reserve(owner, null, true, 0, id, client);
                case 3 -> new BufferObject.Unreserve(owner, id, client);
                case 4, 5 -> new BufferObject.Kmap(owner, id, client);
                case 6 -> new BufferObject.Kunmap(owner, id, client);
                case 7 -> new BufferObject.Pin(null, null, id, client);
                case 8 -> new BufferObject.Unpin(null, id, client);
                case 9 -> new BufferObject.Unmap(null, id, client);
                case 10 -> new BufferObject.Fence(null, id, client);
                case 11 -> new BufferObject.Signal(id, client);
                case 12 -> new BufferObject.Validate(Placement.of(Place.of("VRAM")), null, true, id, client);
                default -> {
                    if (rnd.nextInt(8) == 0) {
                        destroyed[b] = true;
                        yield new BufferObject.Destroy(null, id, client);
                    }
                    yield new BufferObject.Fault(0, id, client);
                }
            };
            sim.submit(client, new Address.Bo("B" + b), m);
            if (rnd.nextInt(3) == 0) sim.settle(1_000_000);
            else for (int i = rnd.nextInt(20); i > 0 && sim.step(); i--) { /* partial: the next op overlaps */ }
        }
        sim.settle(1_000_000);
        return new Result(keys(incremental.all()), keys(full.all()));
    }
}
