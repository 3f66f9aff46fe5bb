package dev.ttm.protocol.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.EvictionWalk;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;
import org.junit.jupiter.api.Test;

/** Checker branches that no real run of a correct model reaches: each test fails if its branch is removed. */
class CheckerBranchesTest {
    private static boolean caught(InvariantBreakTest.Rig r, String inv, String entities, String detailPart) {
        return r.checker.all().stream().anyMatch(v -> v.invariant().equals(inv) && v.entities().equals(entities)
                && v.detail().contains(detailPart));
    }

    @Test
    void aTicketedWaitForCycleIsReportedAsDeadlock() {
        InvariantBreakTest.Rig r = new InvariantBreakTest.Rig();
        r.create("A", 4, Place.of("VRAM"));
        r.create("B", 4, Place.of("VRAM"));
        r.ok("A", id -> new BufferObject.Reserve("x", 1L, false, 0, id, r.client), Outcome.OK);
        r.ok("B", id -> new BufferObject.Reserve("y", 2L, false, 0, id, r.client), Outcome.OK);
        // y queued for A (held by x): one edge, no cycle. Wait-die would have refused the other edge; we forge it.
        r.sim.corrupt(new Address.Bo("A"), new BufferObject.Queued(new BufferObject.Reserve("y", 2L, false, 1, 9001, r.client), 0));
        r.check();
        assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
        r.sim.corrupt(new Address.Bo("B"), new BufferObject.Queued(new BufferObject.Reserve("x", 1L, false, 1, 9002, r.client), 0));
        r.check();
        assertTrue(caught(r, Invariant.LIVENESS, "owners y,x,y", "deadlock: y -> x -> y"), () -> r.checker.all().toString());
        assertEquals(1, r.checker.all().size(), () -> r.checker.all().toString());
        r.check(); // persists: not reported again
        assertEquals(1, r.checker.all().size());
    }

    @Test
    void anEvictionWalkLeftOpenAtQuiescenceIsReported() {
        InvariantBreakTest.Rig r = new InvariantBreakTest.Rig();
        r.create("A", 4, Place.of("VRAM"));
        RegionManager.Alloc request = new RegionManager.Alloc("B", 4, 0, Place.of("VRAM"), 0, 64, 0, false, false, null, 77, r.client);
        r.sim.corrupt(new Address.Region("VRAM"), new EvictionWalk.Began(request, 1));
        assertTrue(r.sim.idle());
        r.check();
        assertTrue(caught(r, Invariant.LIVENESS, "region VRAM", "eviction walk never finished"), () -> r.checker.all().toString());
        r.sim.corrupt(new Address.Region("VRAM"), new EvictionWalk.Ended());
        r.check();
        assertEquals(1, r.checker.all().size(), "reported once");
    }

    @Test
    void aBosIoMemReserveAndFreeCallsMustBalance() {
        InvariantBreakTest.Rig r = new InvariantBreakTest.Rig();
        r.create("A", 4, Place.of("TT"));
        r.fault("A");
        assertTrue(r.sim.io().isReserved("A"));
        assertTrue(r.bo("A").ioRefs() > 0);
        r.check();
        assertTrue(r.checker.all().isEmpty(), () -> r.checker.all().toString());
        // A second io_mem_reserve for A: still one reservation and references agree, but 2 calls − 0 frees ≠ 1.
        r.sim.corrupt(Address.IO, new IoManager.ReserveCalled("A", -1, 4, false));
        assertEquals(2, r.sim.io().callsOf("A").reserves());
        r.check();
        assertTrue(caught(r, Invariant.IO_BALANCE, "bo A, io", "2 io_mem_reserve and 0 io_mem_free calls, yet reserved"),
                () -> r.checker.all().toString());
    }

    @Test
    void aFullWaiterQueueAnswersEbusy() {
        InvariantBreakTest.Rig r = new InvariantBreakTest.Rig();
        r.create("A", 4, Place.of("VRAM"));
        r.reserve("A", "holder");
        for (int i = 0; i < BufferObject.MAX_QUEUE; i++) {
            long id = r.sim.newRequestId();
            r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Reserve("w" + i, null, false, 0, id, r.client));
        }
        assertTrue(r.sim.settle(10_000_000));
        assertEquals(BufferObject.MAX_QUEUE, r.bo("A").waiterCount());
        long last = r.sim.newRequestId();
        r.sim.submit(r.client, new Address.Bo("A"), new BufferObject.Reserve("late", null, false, 0, last, r.client));
        assertTrue(r.sim.settle(1000));
        Reply reply = r.sim.reply(last);
        assertNotNull(reply, "the request beyond the bound is answered at once");
        assertEquals(Outcome.EBUSY, reply.outcome());
        assertEquals(BufferObject.MAX_QUEUE, r.bo("A").waiterCount());
        r.assertClean(); // the 4096 waiters are parked, not lost
    }
}
