package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.BufferObject.Holder;
import dev.ttm.protocol.model.BufferObject.HolderKind;
import dev.ttm.protocol.model.BufferObject.Reserve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Wait-die at the decider: one BO's decisions on ticketed reserves, against Linux's ww_mutex (wait-die class,
 * kernel/locking/ww_mutex.h): who dies (only a ticket that holds other reservations: __ww_mutex_check_kill), where a
 * waiter is queued (ticket order, ticketless waiters keep their place: __ww_mutex_add_waiter) and who an arriving
 * older ticket kills (__ww_mutex_die). And the execbuf coordinator tells each reserve what it holds.
 */
class WaitDieTest {
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
            new RegionConfig("VRAM", 32, 8, false, List.of(), false)), List.of());
    static final Address.Client CLIENT = new Address.Client("t");

    final BufferObject bo = new BufferObject("A", DEVICE);
    BoState state = bo.evolve(bo.initialState(), new BufferObject.Created(1, 0));
    long nextId = 100;
    /** The replies of the last decision, by request id. */
    final Map<Long, Outcome> replies = new LinkedHashMap<>();
    final List<BufferObject.BoEvent> events = new ArrayList<>();

    void holder(String owner, Long ticket) {
        state = bo.evolve(state, new BufferObject.Reserved(new Holder(owner, ticket, HolderKind.EXPLICIT)));
    }

    /** Sends a reserve, applies the decision; returns its request id. */
    long reserve(String owner, Long ticket, int acquired) {
        long id = nextId++;
        deliver(new Reserve(owner, ticket, false, acquired, id, CLIENT));
        return id;
    }

    void deliver(BufferObject.Inbound m) {
        Decision<BufferObject.BoEvent> d = bo.decide(state, m);
        replies.clear();
        events.clear();
        for (BufferObject.BoEvent e : d.events()) {
            events.add(e);
            state = bo.evolve(state, e);
        }
        for (Decision.Send s : d.sends()) if (s.message() instanceof Reply r) replies.put(r.requestId(), r.outcome());
    }

    List<Long> queue() {
        return state.parkedRequests();
    }

    @Test
    void aYoungerTicketHoldingNothingWaits() {
        holder("old", 1L);
        long y = reserve("young", 2L, 0);
        assertTrue(replies.isEmpty(), () -> "no answer yet: " + replies);
        assertEquals(List.of(y), queue());
    }

    @Test
    void aYoungerTicketHoldingAReservationDies() {
        holder("old", 1L);
        long y = reserve("young", 2L, 1);
        assertEquals(Map.of(y, Outcome.EDEADLK), replies);
        assertTrue(events.isEmpty(), () -> "nothing changes: " + events);
        assertEquals(List.of(), queue());
    }

    @Test
    void anOlderTicketWaitsWhateverItHolds() {
        holder("young", 5L);
        long o = reserve("old", 2L, 3);
        assertTrue(replies.isEmpty());
        assertEquals(List.of(o), queue());
    }

    @Test
    void aTicketlessHolderKillsNobody() {
        holder("k", null);
        long y = reserve("y", 9L, 4);
        assertTrue(replies.isEmpty());
        assertEquals(List.of(y), queue());
    }

    @Test
    void ticketedWaitersInTicketOrderTicketlessOnesKeepTheirPlace() {
        holder("k", null);
        long t7 = reserve("t7", 7L, 0);
        long p = reserve("p", null, 0);
        long t3 = reserve("t3", 3L, 0);
        long t5 = reserve("t5", 5L, 0);
        long v = nextId++;
        deliver(new BufferObject.Validate(Placement.of(Place.of("VRAM")), null, false, v, CLIENT));
        long t9 = reserve("t9", 9L, 0);
        long t4 = reserve("t4", 4L, 0);
        assertTrue(replies.isEmpty());
        assertEquals(List.of(t3, t4, t5, t7, p, v, t9), queue());
    }

    @Test
    void aTicketIsQueuedAtThePositionItsQueuedEventNames() {
        holder("k", null);
        reserve("t7", 7L, 0);
        reserve("p", null, 0);
        reserve("t3", 3L, 0);
        assertEquals(1, events.size());
        BufferObject.Queued q = assertInstanceOf(BufferObject.Queued.class, events.get(0));
        assertEquals(0, q.at());
        long t8 = reserve("t8", 8L, 0);
        assertEquals(new BufferObject.Queued(new Reserve("t8", 8L, false, 0, t8, CLIENT), 3), events.get(0));
    }

    @Test
    void anArrivingOlderTicketKillsYoungerWaitersThatHoldReservations() {
        holder("k", null);
        long n = reserve("n", 10L, 0); // holds nothing
        long y = reserve("y", 9L, 1); // holds one: waits (k has no ticket), before n
        assertEquals(List.of(y, n), queue());
        long o = reserve("o", 2L, 0);
        assertEquals(Map.of(y, Outcome.EDEADLK), replies);
        assertEquals(List.of(new BufferObject.Unqueued(y), new BufferObject.Queued(new Reserve("o", 2L, false, 0, o, CLIENT), 0)), events);
        assertEquals(List.of(o, n), queue());
    }

    @Test
    void aTicketDyingBehindAnOlderWaiterStillKillsTheYoungerOnesItPassed() {
        // __ww_mutex_add_waiter wakes the younger waiters it passes before it meets the older one it dies behind. (A
        // queue ww_mutex never holds, forged to show the order of the scan: y would have died when o arrived.)
        holder("k", null);
        long o = reserve("o", 2L, 0);
        long y = nextId++;
        state = bo.evolve(state, new BufferObject.Queued(new Reserve("y", 9L, false, 1, y, CLIENT), 1));
        long m = reserve("m", 5L, 2);
        assertEquals(Map.of(y, Outcome.EDEADLK, m, Outcome.EDEADLK), replies);
        assertEquals(List.of(o), queue());
    }

    @Test
    void aYoungerTicketHoldingReservationsDiesBehindAnOlderWaiter() {
        holder("h", 9L); // younger than the newcomer: the holder alone would let it wait
        long o = reserve("o", 2L, 0);
        long y = reserve("y", 5L, 1);
        assertEquals(Map.of(y, Outcome.EDEADLK), replies);
        assertTrue(events.isEmpty());
        long n = reserve("n", 6L, 0); // holds nothing: queued behind the older o
        assertTrue(replies.isEmpty());
        assertEquals(List.of(o, n), queue());
    }

    @Test
    void aNewTicketedHolderKillsYoungerWaitersThatHoldReservations() {
        // __ww_mutex_check_waiters: reached in the model when a ticket takes a free BO that still has waiters.
        long y = nextId++;
        long n = nextId++;
        state = bo.evolve(state, new BufferObject.Queued(new Reserve("y", 9L, false, 2, y, CLIENT), 0));
        state = bo.evolve(state, new BufferObject.Queued(new Reserve("n", 8L, false, 0, n, CLIENT), 1));
        long o = reserve("o", 3L, 0);
        assertEquals(Map.of(o, Outcome.OK, y, Outcome.EDEADLK), replies);
        assertEquals(List.of(n), queue());
    }

    @Test
    void sameTicketAndNowaitRulesAreUnchanged() {
        holder("p", 5L);
        long a = reserve("q", 5L, 1);
        assertEquals(Map.of(a, Outcome.EALREADY), replies);
        long b = nextId++;
        deliver(new Reserve("q", 7L, true, 0, b, CLIENT));
        assertEquals(Map.of(b, Outcome.EBUSY), replies);
    }

    @Test
    void aQueuedEventOutsideTheQueueIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BufferObject.Queued(new Reserve("x", 1L, false, 0, 1, CLIENT), -1));
        assertThrows(IllegalStateException.class,
                () -> bo.evolve(state, new BufferObject.Queued(new Reserve("x", 1L, false, 0, 1, CLIENT), 1)));
        assertThrows(IllegalArgumentException.class, () -> new Reserve("x", 1L, false, -1, 1, CLIENT));
    }

    // ---- the execbuf says what it holds ----------------------------------------------------------------------

    @Test
    void execbufSendsWhatItHoldsAndNothingAfterABackOff() {
        Execbuf ex = new Execbuf(1);
        Execbuf.ExecState s = ex.initialState();
        Placement vram = Placement.of(Place.of("VRAM"));
        List<Execbuf.Entry> entries = List.of(new Execbuf.Entry("A", vram), new Execbuf.Entry("B", vram), new Execbuf.Entry("C", vram));
        Decision<Execbuf.ExecEvent> d = ex.decide(s, new Execbuf.Submit(entries, 7, false, 1, CLIENT));
        s = apply(ex, s, d);
        assertEquals(List.of(0), acquiredSent(d));
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.OK, "")));
        assertEquals(List.of(1), acquiredSent(d));
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.OK, "")));
        assertEquals(List.of(2), acquiredSent(d));
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.EDEADLK, "")));  // C: back off, release A and B
        assertEquals(List.of(), acquiredSent(d));
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.OK, "")));
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.OK, "")));
        assertEquals(List.of(0), acquiredSent(d), "the contended BO first, holding nothing");
        assertEquals("C", ((Address.Bo) d.sends().get(0).to()).name());
        s = apply(ex, s, d = ex.decide(s, Reply.of(1, Outcome.OK, "")));
        assertEquals(List.of(1), acquiredSent(d));
        assertEquals(1, s.backoffs());
    }

    private static Execbuf.ExecState apply(Execbuf ex, Execbuf.ExecState s, Decision<Execbuf.ExecEvent> d) {
        for (Execbuf.ExecEvent e : d.events()) s = ex.evolve(s, e);
        return s;
    }

    private static List<Integer> acquiredSent(Decision<Execbuf.ExecEvent> d) {
        List<Integer> out = new ArrayList<>();
        for (Decision.Send s : d.sends()) if (s.message() instanceof Reserve r) out.add(r.acquired());
        return out;
    }
}
