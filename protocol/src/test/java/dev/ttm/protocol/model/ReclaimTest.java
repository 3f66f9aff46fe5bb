package dev.ttm.protocol.model;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BufferObject.Reclaim}: after a restart, a BO lets go of what the clients of the dead run held. */
class ReclaimTest {
    private final Simulator sim = new Simulator(new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
            new RegionConfig("VRAM", 64, 16, false, List.of(RegionConfig.TT, RegionConfig.SYSTEM), false),
            new RegionConfig("TT", 128, 0, true, List.of(RegionConfig.SYSTEM), false)), List.of()));
    private final InvariantChecker checker = new InvariantChecker();
    private final Address.Client dead = new Address.Client("dead");
    private final Address.Client runtime = new Address.Client("recovery");

    ReclaimTest() {
        sim.addListener(checker);
    }

    private Reply call(Address.Client from, String bo, Message m) {
        sim.submit(from, new Address.Bo(bo), m);
        sim.settle(100_000);
        return sim.reply(m.requestId());
    }

    private Reply reclaim(String bo) {
        return call(runtime, bo, new BufferObject.Reclaim(sim.newRequestId(), runtime));
    }

    @Test
    void releasesTheReservationKmapsMappingsAndFencesOfGoneClients() {
        Placement vram = dev.ttm.protocol.scenario.Placements.parse("VRAM:visible");
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Create(8, 0, vram, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.MAPPED, call(dead, "A", new BufferObject.Fault(0, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Fence(null, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Reserve("o", null, false, 0, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Kmap("o", sim.newRequestId(), dead)).outcome());
        // another client of the dead run waits for the reservation
        long waiting = sim.newRequestId();
        sim.submit(dead, new Address.Bo("A"), new BufferObject.Reserve("p", null, false, 0, waiting, dead));
        sim.settle(100_000);
        assertNull(sim.reply(waiting));

        Reply r = reclaim("A");
        assertEquals(Outcome.OK, r.outcome(), r::toString);
        assertTrue(r.reason().contains("reservation of o released"), r.reason());
        BoState a = sim.bo("A");
        assertNull(a.holder(), "the waiter was a gone client too: it does not get the reservation");
        assertEquals(Outcome.ERESTARTSYS, sim.reply(waiting).outcome());
        assertEquals(0, a.kmapCount());
        assertFalse(a.mapped());
        assertEquals(0, a.ioRefs());
        assertEquals(0, a.fences());
        assertEquals("VRAM", a.resource().region(), "its memory stays where it was");
        assertEquals(Reclaims.NOTHING, reclaim("A").reason(), "a second reclaim finds nothing");
        checker.checkFull(sim, sim.delivered(), sim.idle());
        assertEquals(List.of(), checker.all());
    }

    @Test
    void theGhostsOfABusyMoveGoOnceItsFencesSignal() {
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Create(8, 0, Placement.of(Place.of("VRAM")), sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Fence(null, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Validate(Placement.of(Place.of("TT")), null, false, sim.newRequestId(), dead)).outcome());
        assertEquals(1, sim.region("VRAM").ghosts().size(), "the pipelined move left a ghost");
        Reply r = reclaim("A");
        assertTrue(r.reason().contains("fences signalled"), r.reason());
        assertEquals(0, sim.region("VRAM").ghosts().size());
        checker.checkFull(sim, sim.delivered(), sim.idle());
        assertEquals(List.of(), checker.all());
    }

    @Test
    void anExecbufWaitingBehindAGoneClientGetsTheReservationAndFinishes() {
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Create(8, 0, null, sim.newRequestId(), dead)).outcome());
        assertEquals(Outcome.OK, call(dead, "A", new BufferObject.Reserve("o", null, false, 0, sim.newRequestId(), dead)).outcome());
        Address.Exec x = sim.newExec();
        long submitted = sim.newRequestId();
        sim.submit(dead, x, new Execbuf.Submit(List.of(new Execbuf.Entry("A", Placement.of(Place.of("TT")))), 5, false, submitted, dead));
        sim.settle(100_000);
        assertNull(sim.reply(submitted), "the execbuf waits for o's reservation");
        assertEquals(Outcome.OK, reclaim("A").outcome());
        assertEquals(Outcome.OK, sim.reply(submitted).outcome(), "the execbuf lives on: it got the reservation and finished");
        assertEquals("TT", sim.bo("A").resource().region());
        assertNull(sim.bo("A").holder());
        checker.checkFull(sim, sim.delivered(), sim.idle());
        assertEquals(List.of(), checker.all());
    }
}
