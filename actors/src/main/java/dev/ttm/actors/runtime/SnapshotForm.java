package dev.ttm.actors.runtime;

import dev.ttm.actors.CborSerializable;
import dev.ttm.protocol.model.RegionSnapshot;
import dev.ttm.protocol.model.RegionState;

/**
 * How an entity's state is kept in the snapshot store: as a plain value (its live state has linked structures no
 * serializer should see), stamped with the last journal entry it includes so that a recovery from it knows how far the
 * stamps went. Only region managers have one: their journals grow with every allocation of every BO, while a BO's
 * follows that BO alone and an execbuf's ends.
 */
public interface SnapshotForm<S> {
    /** What goes to the store: a copy of {@code state} (later events must not change it), stamped. */
    Object store(long stamp, S state);

    long stamp(Object stored);

    /** The plain, immutable form inside {@code stored}: the monitor rebuilds its own copy of the state from it. */
    Object plain(Object stored);

    S restore(Object plain);

    /** A region manager's snapshot as the store keeps it. */
    record StoredRegion(long stamp, RegionSnapshot region) implements CborSerializable {}

    SnapshotForm<RegionState> REGION = new SnapshotForm<>() {
        @Override public Object store(long stamp, RegionState state) { return new StoredRegion(stamp, state.snapshot()); }
        @Override public long stamp(Object stored) { return ((StoredRegion) stored).stamp(); }
        @Override public Object plain(Object stored) { return ((StoredRegion) stored).region(); }
        @Override public RegionState restore(Object plain) { return RegionState.fromSnapshot((RegionSnapshot) plain); }
    };
}
