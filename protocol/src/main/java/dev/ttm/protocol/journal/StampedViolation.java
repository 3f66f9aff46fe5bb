package dev.ttm.protocol.journal;

import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;

/** An invariant found broken by the journal entry at {@code stamp} of {@code entity} (null: at the end of the journal). */
public record StampedViolation(long stamp, Address entity, Violation violation) {
    @Override
    public String toString() {
        Violation v = violation;
        return v.invariant() + " " + dev.ttm.protocol.invariants.Invariant.title(v.invariant()) + " at stamp " + stamp
                + (entity == null ? " (end of journal)" : " (" + entity + ")") + " [" + v.entities() + "]: " + v.detail();
    }
}
