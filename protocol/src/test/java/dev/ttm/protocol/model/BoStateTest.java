package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A state shares the empty collections until it first writes one; nobody else sees that write, drafts included. */
class BoStateTest {
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
            new RegionConfig("VRAM", 32, 8, false, List.of(), false)), List.of());
    static final Address.Client CLIENT = new Address.Client("t");

    final BufferObject bo = new BufferObject("A", DEVICE);

    static BufferObject.Reserve reserve(String owner, long id) {
        return new BufferObject.Reserve(owner, null, false, 0, id, CLIENT);
    }

    @Test
    void freshStatesShareTheEmptyCollectionsAndRenderAsBefore() {
        BoState a = bo.initialState();
        BoState b = new BufferObject("B", DEVICE).initialState();
        assertSame(a.waiters, b.waiters);
        assertSame(a.waiters, a.deferred);
        assertSame(a.kmaps, b.kmaps);
        assertEquals(0, a.waiterCount());
        assertEquals(Map.of(), a.kmaps());
        assertThrows(UnsupportedOperationException.class, () -> a.waiters.addLast(reserve("x", 1)));
        assertThrows(UnsupportedOperationException.class, () -> a.waiters.addFirst(reserve("x", 1)));
        assertThrows(UnsupportedOperationException.class, () -> a.kmaps.put("x", 1));
        String lines = StateDigest.render(a);
        assertEquals(true, lines.contains("\nwaiters=[]\n") && lines.contains("\ndeferred=[]\n") && lines.contains("\nkmaps={}\n"), lines);
    }

    @Test
    void aWriteGivesTheStateItsOwnCollectionsAndLeavesOthersEmpty() {
        BoState a = bo.initialState();
        BoState b = bo.initialState();
        String empty = StateDigest.digest(b);
        bo.evolve(a, new BufferObject.Queued(reserve("x", 1), 0));
        bo.evolve(a, new BufferObject.Deferred(reserve("y", 2)));
        bo.evolve(a, new BufferObject.KmapChanged("z", 1, false));
        assertEquals(1, a.waiterCount());
        assertEquals(1, a.deferredCount());
        assertEquals(Map.of("z", 1), a.kmaps());
        assertEquals(0, b.waiterCount());
        assertEquals(0, b.deferredCount());
        assertEquals(Map.of(), b.kmaps());
        assertEquals(empty, StateDigest.digest(b));
        assertEquals(empty, StateDigest.digest(bo.initialState()));
    }

    @Test
    void aDraftWritesCopiesNeverTheOriginals() {
        BoState s = bo.initialState();
        BoState d = s.draft();
        d.ownCollections();
        d.waiters.addLast(reserve("x", 1));
        d.kmaps.put("z", 1);
        assertEquals(0, s.waiterCount());
        assertEquals(Map.of(), s.kmaps());
        assertEquals(1, d.waiterCount());

        bo.evolve(s, new BufferObject.Queued(reserve("x", 1), 0));
        BoState d2 = s.draft();
        assertSame(s.waiters, d2.waiters, "a draft shares until it writes");
        bo.evolve(d2, new BufferObject.Dequeued());
        assertNotSame(s.waiters, d2.waiters);
        assertEquals(1, s.waiterCount());
        assertEquals(0, d2.waiterCount());
        assertEquals(StateDigest.digest(bo.initialState()), StateDigest.digest(d2), "emptied again: as a fresh state");
    }
}
