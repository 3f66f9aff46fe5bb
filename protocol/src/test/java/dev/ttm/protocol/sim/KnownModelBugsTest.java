package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.Reply;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Minimal, hand-made reproductions of the model bugs RandomizedModelTest once found (BUG-1 .. BUG-5 there), kept as
 * regression tests now that all five are fixed. Each test states what the model's semantics require (docs/semantics.md)
 * and fails if its bug comes back.
 */
class KnownModelBugsTest {
    private final DeviceConfig device = new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
            new RegionConfig("VRAM", 64, 16, false, List.of("TT", RegionConfig.SYSTEM), false),
            new RegionConfig("TT", 64, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of());
    private final Simulator sim = new Simulator(device);
    private final InvariantChecker checker = new InvariantChecker();

    KnownModelBugsTest() {
        sim.addListener(checker);
    }

    private long submit(String client, String bo, Message m) {
        sim.submit(new Address.Client(client), new Address.Bo(bo), m);
        return m.requestId();
    }

    private Address.Client c(String name) {
        return new Address.Client(name);
    }

    private long create(String bo, long pages, Placement pl) {
        long id = submit("t", bo, new BufferObject.Create(pages, 0, pl, sim.newRequestId(), c("t")));
        sim.settle(100_000);
        assertEquals(Outcome.OK, sim.reply(id).outcome());
        return id;
    }

    private long reserve(String bo, String owner, Long ticket) {
        int acquired = 0; // ww_ctx->acquired: what a holder with this ticket has reserved now
        for (dev.ttm.protocol.model.BoState b : sim.bos())
            if (ticket != null && b.holder() != null && ticket.equals(b.holder().ticket())) acquired++;
        return submit(owner, bo, new BufferObject.Reserve(owner, ticket, false, acquired, sim.newRequestId(), c(owner)));
    }

    private long unreserve(String bo, String owner) {
        return submit(owner, bo, new BufferObject.Unreserve(owner, sim.newRequestId(), c(owner)));
    }

    private long kmap(String bo, String owner) {
        return submit(owner, bo, new BufferObject.Kmap(owner, sim.newRequestId(), c(owner)));
    }

    private long kunmap(String bo, String owner) {
        return submit(owner, bo, new BufferObject.Kunmap(owner, sim.newRequestId(), c(owner)));
    }

    private Outcome outcome(long id) {
        Reply r = sim.reply(id);
        assertNotNull(r, "request " + id + " has no reply");
        return r.outcome();
    }

    private void settle() {
        assertTrue(sim.settle(1_000_000));
    }

    private void noViolations() {
        checker.checkFull(sim);
        assertEquals(List.of(), checker.all());
    }

    /**
     * BUG-1. docs/semantics.md kmap: "kunmap releases one kmap of that owner (none outstanding → EINVAL)". For the owner that
     * holds the reservation, admit() runs the Kunmap under the reservation without that check, and
     * BufferObject.kunmap does {@code kmaps.get(owner) - 1} on a missing entry: NullPointerException out of handle().
     * RandomizedModelTest: -Dttm.exclusions=2,3,4,5 (e.g. -Dttm.sequence=-4062978992936737719).
     */
    @Test
    // BUG-1: fixed on main (b79fd60)
    void kunmapByTheHolderWithoutAKmapIsEinval() {
        create("A", 4, Placement.of(Place.of("TT")));
        long r = reserve("A", "X", null);
        settle();
        assertEquals(Outcome.OK, outcome(r));
        long k = kunmap("A", "X");
        settle(); // today: NullPointerException at BufferObject.kunmap
        assertEquals(Outcome.EINVAL, outcome(k));
        noViolations();
    }

    /**
     * BUG-2. docs/semantics.md destroy: "unmap, free the IO reservation, free the resource"; INV-6, INV-7, INV-13. destroy()
     * loops {@code for (k : new ArrayList<>(kmaps.entrySet())) for (i < k.getValue()) kunmap(...)}: the copied
     * entries are TreeMap's live entries, whose value each KmapChanged decrements, so with two kmaps of one owner the
     * loop ends after one. The resource is then freed with a kmap (and an IO reference) in place.
     * RandomizedModelTest: -Dttm.exclusions=1,3,4,5.
     */
    @Test
    // BUG-2: fixed on main (b79fd60)
    void destroyDropsEveryKmap() {
        create("A", 4, Placement.of(Place.of("TT")));
        long r = reserve("A", "X", null);
        long k1 = kmap("A", "X");
        long k2 = kmap("A", "X");
        long d = submit("X", "A", new BufferObject.Destroy("X", sim.newRequestId(), c("X")));
        settle();
        assertEquals(Outcome.OK, outcome(r));
        assertEquals(Outcome.OK, outcome(k1));
        assertEquals(Outcome.OK, outcome(k2));
        assertEquals(Outcome.OK, outcome(d));
        assertEquals(0, sim.bo("A").kmapCount(), "kmaps left after destroy: " + sim.bo("A").kmaps());
        assertEquals(0, sim.bo("A").ioRefs());
        noViolations(); // today: INV-6, INV-7, INV-13 at the Moved(TT -> null)
    }

    /**
     * BUG-3. docs/semantics.md reservation + INV-12: every request gets exactly one reply. While the holder X runs an
     * operation, X's further commands are deferred. If one of them is X's Unreserve, release() ends the reservation
     * and drain() only looks at {@code deferred} while a holder exists: X's commands deferred after the Unreserve are
     * never run nor answered. The checker counts them as parked (InvariantChecker.quiescent uses parkedRequests()),
     * so INV-12 does not fire. RandomizedModelTest: -Dttm.exclusions=1,2,4,5.
     */
    @Test
    void commandsDeferredBehindAnUnreserveStillRun() {
        create("A", 4, Placement.of(Place.of("TT")));
        long r = reserve("A", "X", null);
        settle();
        assertEquals(Outcome.OK, outcome(r));
        // the first validate moves A (a region round trip), so the next two commands of X are deferred behind it
        long v1 = submit("X", "A", new BufferObject.Validate(Placement.of(Place.of("VRAM")), "X", false, sim.newRequestId(), c("X")));
        long u = unreserve("A", "X");
        long v2 = submit("X", "A", new BufferObject.Validate(Placement.of(Place.of("TT")), "X", false, sim.newRequestId(), c("X")));
        settle();
        assertEquals(Outcome.OK, outcome(v1));
        assertEquals(Outcome.OK, outcome(u));
        assertNotNull(sim.reply(v2), "the validate deferred behind the unreserve never got a reply (parked: "
                + sim.bo("A").parkedRequests() + ", holder " + sim.bo("A").holder() + ")");
        assertTrue(sim.pendingRequests().isEmpty());
        noViolations();
    }

    /**
     * BUG-4. docs/semantics.md: tickets give deadlock avoidance (wait-die, "as dma_resv's ww class"); INV-12. The wait-die
     * test is made only against the holder at the moment a ticketed Reserve arrives (BufferObject.onReserve). Here
     * the young ticket Y queues for P behind a holder without a ticket, the old ticket O queued earlier gets P, then O
     * asks for Q which Y holds and waits (correctly): O and Y wait for each other forever. ww_mutex wakes a younger
     * waiter that holds locks and makes it back off (-EDEADLK) when an older context owns the lock (or is queued
     * ahead of it); the model never does. Two execbufs hit the same (Execbuf retries only on EDEADLK).
     * RandomizedModelTest: -Dttm.exclusions=1,2,3,5.
     */
    @Test
    // BUG-4: fixed on main (b79fd60)
    void waitDieNeverDeadlocks() {
        create("P", 1, Placement.of(Place.of("TT")));
        create("Q", 1, Placement.of(Place.of("TT")));
        long h = reserve("P", "H", null);
        settle();
        long o1 = reserve("P", "O", 1L); // waits: H holds P without a ticket
        settle();
        long y1 = reserve("Q", "Y", 2L);
        settle();
        long y2 = reserve("P", "Y", 2L); // waits behind O (H still holds P)
        settle();
        long hu = unreserve("P", "H"); // P goes to O, the older ticket; Y holds Q and waits for P
        settle();
        long o2 = reserve("Q", "O", 1L); // older waits for younger: fine in wait-die, if the younger backs off
        settle();
        assertEquals(Outcome.OK, outcome(h));
        assertEquals(Outcome.OK, outcome(hu));
        assertEquals(Outcome.OK, outcome(o1));
        assertEquals(Outcome.OK, outcome(y1));
        assertNotNull(sim.reply(y2), "deadlock: O(ticket 1) holds P and waits for Q; Y(ticket 2) holds Q and waits for P");
        assertEquals(Outcome.EDEADLK, outcome(y2));
        long yu = unreserve("Q", "Y"); // Y backs off
        settle();
        assertEquals(Outcome.OK, outcome(yu));
        assertEquals(Outcome.OK, outcome(o2));
        noViolations();
    }

    /**
     * BUG-5. docs/semantics.md reservation ("operations from other callers queue behind the holder") + INV-12. X's Reserve and
     * then X's Kunmap queue while H holds the BO. When H releases, drain() grants X's Reserve and stops, since there
     * is a holder now: X's Kunmap stays queued behind X's own reservation. X's Unreserve, sent after the Kunmap, runs
     * at once and answers EBUSY ("X still has 1 kmap") — forever: X can neither drop the kmap nor the reservation.
     * RandomizedModelTest: -Dttm.exclusions=1,2,3,4.
     */
    @Test
    void anOwnersQueuedCommandsRunOnceItHoldsTheBo() {
        create("A", 4, Placement.of(Place.of("TT")));
        long p = submit("t", "A", new BufferObject.Pin(null, null, sim.newRequestId(), c("t")));
        long k = kmap("A", "X"); // allowed: A is pinned
        long h = reserve("A", "H", null);
        settle();
        assertEquals(Outcome.OK, outcome(p));
        assertEquals(Outcome.OK, outcome(k));
        assertEquals(Outcome.OK, outcome(h));
        long x = reserve("A", "X", null); // queued behind H
        long ku = kunmap("A", "X"); // queued behind H (and X's Reserve)
        settle();
        long hu = unreserve("A", "H");
        settle();
        assertEquals(Outcome.OK, outcome(hu));
        assertEquals(Outcome.OK, outcome(x));
        long xu = unreserve("A", "X");
        settle();
        assertNotNull(sim.reply(ku), "X's kunmap waits behind X's own reservation (parked " + sim.bo("A").parkedRequests() + ")");
        assertEquals(Outcome.OK, outcome(ku));
        assertEquals(Outcome.OK, outcome(xu), "unreserve: " + sim.reply(xu));
        noViolations();
    }
}
