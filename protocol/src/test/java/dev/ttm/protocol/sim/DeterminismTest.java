package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same run, bit for bit (docs/semantics.md, "The model"): a {@link DigestRecorder} over every delivered message and every
 * applied event gives the same digest for two separate simulators driven by the same workload under the same
 * schedule seed; other seeds give other runs; the FIFO run is stable.
 */
class DeterminismTest {
    private static final int OPS = 300;
    private static final String[] BOS = {"A", "B", "C", "D", "E", "F", "G", "H"};
    private static final Placement[] PLACEMENTS = {
            Placement.of(Place.of("VRAM")),
            Placement.of(Place.visible("VRAM")),
            Placement.of(Place.of("TT")),
            Placement.of(Place.of(RegionConfig.SYSTEM)),
            Placement.of(Place.of("VRAM"), Place.of("TT")),
            Placement.of(new Place("VRAM", 0, 0, false, false, false, true)),
            Placement.of(new Place("VRAM", 0, 0, false, true, false, false), new Place("TT", 0, 0, false, false, true, false)),
    };

    /** What one run came to. */
    record Run(String digest, long items, long delivered, List<String> replies, Map<Outcome, Integer> outcomes,
               long evictions, long movedPages, List<Violation> violations) {}

    private static DeviceConfig device(Driver driver) {
        return new DeviceConfig(4096, driver, 0, List.of(
                new RegionConfig("VRAM", 48, 12, false, List.of("TT", RegionConfig.SYSTEM), false),
                new RegionConfig("TT", 24, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of());
    }

    /**
     * A fixed workload (drawn from {@code workloadSeed}): eight BOs created concurrently, then 300 operations from
     * several clients in bursts, the model running a few messages between bursts, then settled. With
     * {@code scheduleSeed == null} delivery is FIFO, else drawn from that seed.
     */
    static Run run(long workloadSeed, Long scheduleSeed, Driver driver) {
        SplittableRandom w = new SplittableRandom(workloadSeed);
        Simulator sim = new Simulator(device(driver));
        DigestRecorder digest = new DigestRecorder();
        InvariantChecker checker = new InvariantChecker();
        sim.addListener(digest);
        sim.addListener(checker);
        if (scheduleSeed != null) sim.randomize(scheduleSeed);
        Address.Client[] clients = {new Address.Client("c0"), new Address.Client("c1"), new Address.Client("c2")};
        List<Long> ids = new ArrayList<>();

        for (String bo : BOS) {
            long id = sim.newRequestId();
            ids.add(id);
            Address.Client c = clients[w.nextInt(clients.length)];
            sim.submit(c, new Address.Bo(bo), new BufferObject.Create(1 + w.nextInt(6), w.nextInt(3), PLACEMENTS[w.nextInt(PLACEMENTS.length)], id, c));
        }
        // Clients use a BO once its creation has been answered (a command overtaking its Create is another matter).
        assertTrue(sim.settle(1_000_000));
        int kmapOwner = 0;
        for (int i = 0; i < OPS; i++) {
            long id = sim.newRequestId();
            ids.add(id);
            Address.Client c = clients[w.nextInt(clients.length)];
            String bo = BOS[w.nextInt(BOS.length)];
            String owner = "o" + w.nextInt(3);
            Placement pl = PLACEMENTS[w.nextInt(PLACEMENTS.length)];
            int kind = w.nextInt(16);
            switch (kind) {
                case 0, 1 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Validate(pl, null, w.nextBoolean(), id, c));
                case 2, 3 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Fault(w.nextInt(3), id, c));
                case 4 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Pin(w.nextBoolean() ? null : pl, null, id, c));
                case 5 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Unpin(null, id, c));
                case 6 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Fence(null, id, c));
                case 7 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Signal(id, c));
                case 8 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Unmap(null, id, c));
                case 9 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Reserve(owner, null, true, 0, id, c));
                case 10 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Unreserve(owner, id, c));
                case 11 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Validate(pl, owner, false, id, c));
                // kmap by an owner that never holds a reservation: allowed only while the BO is pinned
                case 12 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Kmap("km" + (kmapOwner++), id, c));
                case 13 -> sim.submit(c, new Address.Bo(bo), new BufferObject.Kunmap("km" + w.nextInt(Math.max(1, kmapOwner)), id, c));
                case 14 -> sim.submit(c, new Address.Region(w.nextBoolean() ? "VRAM" : "TT"), new RegionManager.EvictAll(id, c));
                default -> {
                    List<Execbuf.Entry> entries = new ArrayList<>();
                    for (int j = 1 + w.nextInt(3); j > 0; j--) entries.add(new Execbuf.Entry(BOS[w.nextInt(BOS.length)], PLACEMENTS[w.nextInt(5)]));
                    sim.submit(c, sim.newExec(), new Execbuf.Submit(entries, 1 + w.nextInt(20), w.nextBoolean(), id, c));
                }
            }
            if (w.nextInt(4) == 0) for (int s = w.nextInt(40); s > 0 && sim.step(); s--) { /* let the model run a little */ }
        }
        assertTrue(sim.settle(10_000_000), "the run must quiesce");
        // Whatever holds a reservation now lets go, then what waited for it runs: one more round of activity.
        for (String bo : BOS) {
            for (int o = 0; o < 3; o++) {
                long id = sim.newRequestId();
                ids.add(id);
                sim.submit(clients[0], new Address.Bo(bo), new BufferObject.Unreserve("o" + o, id, clients[0]));
            }
            long id = sim.newRequestId();
            ids.add(id);
            sim.submit(clients[0], new Address.Bo(bo), new BufferObject.Signal(id, clients[0]));
        }
        assertTrue(sim.settle(10_000_000), "the run must quiesce");
        checker.checkFull(sim);

        List<String> replies = new ArrayList<>();
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (long id : ids) {
            Reply r = sim.reply(id);
            replies.add(id + "=" + (r == null ? "waiting" : r.outcome() + " " + r.reason()));
            if (r != null) outcomes.merge(r.outcome(), 1, Integer::sum);
        }
        long evictions = 0;
        long moved = 0;
        for (BoState b : sim.bos()) {
            evictions += b.evictions();
            moved += b.movedPages();
        }
        return new Run(digest.hex(), digest.items(), sim.delivered(), replies, outcomes, evictions, moved, checker.all());
    }

    private static void assertNonTrivial(Run r) {
        assertTrue(r.delivered() > 600, () -> "only " + r.delivered() + " messages delivered");
        assertTrue(r.items() > 1500, () -> "only " + r.items() + " messages and events recorded");
        assertTrue(r.evictions() > 0, "the run must evict");
        for (Outcome o : List.of(Outcome.OK, Outcome.MAPPED, Outcome.EBUSY, Outcome.EINVAL))
            assertTrue(r.outcomes().getOrDefault(o, 0) > 0, () -> "no " + o + " in " + r.outcomes());
        assertEquals(List.of(), r.violations(), "a correct model keeps every invariant");
    }

    @Test
    void sameSeedSameDigestInTwoSeparateSimulators() {
        for (long seed : new long[] {1, 42, 20240611}) {
            Run a = run(7, seed, Driver.SIMPLE);
            Run b = run(7, seed, Driver.SIMPLE);
            assertNonTrivial(a);
            assertEquals(a.digest(), b.digest(), "seed " + seed);
            assertEquals(a.items(), b.items());
            assertEquals(a.delivered(), b.delivered());
            assertEquals(a.replies(), b.replies(), "every reply, outcome and reason the same");
        }
    }

    @Test
    void sameSeedSameDigestUnderTheIoLruDriver() {
        Run a = run(11, 99L, Driver.IO_LRU);
        Run b = run(11, 99L, Driver.IO_LRU);
        assertNonTrivial(a);
        assertEquals(a.digest(), b.digest());
        assertEquals(a.replies(), b.replies());
    }

    @Test
    void differentScheduleSeedsUsuallyGiveDifferentRuns() {
        Set<String> digests = new HashSet<>();
        Set<List<String>> replies = new HashSet<>();
        int runs = 10;
        for (long seed = 1; seed <= runs; seed++) {
            Run r = run(7, seed, Driver.SIMPLE);
            assertEquals(List.of(), r.violations(), "seed " + seed);
            digests.add(r.digest());
            replies.add(r.replies());
        }
        assertTrue(digests.size() >= runs - 1, () -> "only " + digests.size() + " distinct digests in " + runs + " seeds");
        assertTrue(replies.size() >= runs / 2, () -> "only " + replies.size() + " distinct reply sets in " + runs + " seeds");
    }

    @Test
    void differentWorkloadsGiveDifferentDigests() {
        assertNotEquals(run(7, 5L, Driver.SIMPLE).digest(), run(8, 5L, Driver.SIMPLE).digest());
    }

    @Test
    void fifoRunDigestIsStable() {
        Run first = run(7, null, Driver.SIMPLE);
        assertNonTrivial(first);
        Run random = run(7, 3L, Driver.SIMPLE); // a different run in between leaves nothing behind
        Run again = run(7, null, Driver.SIMPLE);
        assertEquals(first.digest(), again.digest());
        assertEquals(first.replies(), again.replies());
        assertNotEquals(first.digest(), random.digest(), "FIFO and a random schedule are different runs");
    }

    @Test
    void theDigestCoversEveryMessageAndEvent() {
        Simulator sim = new Simulator(device(Driver.SIMPLE));
        DigestRecorder d = new DigestRecorder();
        sim.addListener(d);
        String empty = d.hex();
        assertEquals(0, d.items());
        Address.Client c = new Address.Client("c");
        sim.submit(c, new Address.Bo("A"), new BufferObject.Create(2, 0, PLACEMENTS[0], sim.newRequestId(), c));
        assertTrue(sim.settle(1000));
        assertEquals(sim.delivered() + sim.eventsApplied(), d.items());
        assertNotEquals(empty, d.hex());
        assertEquals(d.hex(), d.hex(), "reading the digest does not change it");
    }

    /** Kept small so that a failure shows which message first differs. */
    @Test
    void sameSeedGivesTheSameMessageSequence() {
        List<String> a = trace(12345L);
        List<String> b = trace(12345L);
        assertEquals(a, b);
        assertTrue(a.size() > 50, "trace of " + a.size());
    }

    private static List<String> trace(long seed) {
        Simulator sim = new Simulator(device(Driver.SIMPLE));
        List<String> out = new ArrayList<>();
        sim.addListener(new SimListener() {
            @Override
            public void afterDelivery(Simulator s, Envelope e) {
                out.add(e.seq() + " " + e.from() + "->" + e.to() + " " + e.message());
            }
        });
        sim.randomize(seed);
        Address.Client c = new Address.Client("c");
        for (String bo : BOS) sim.submit(c, new Address.Bo(bo), new BufferObject.Create(6, 0, PLACEMENTS[0], sim.newRequestId(), c));
        assertTrue(sim.settle(100_000));
        for (String bo : BOS) sim.submit(c, new Address.Bo(bo), new BufferObject.Fault(0, sim.newRequestId(), c));
        Message m = new Execbuf.Submit(List.of(new Execbuf.Entry("A", PLACEMENTS[2]), new Execbuf.Entry("B", PLACEMENTS[2])), 1, true, sim.newRequestId(), c);
        sim.submit(c, sim.newExec(), m);
        assertTrue(sim.settle(100_000));
        return out;
    }
}
