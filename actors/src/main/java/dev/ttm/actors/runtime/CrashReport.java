package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;

/**
 * What an injected actor crash ({@link Wiring#crash}) did: the entity, the digest ({@link
 * dev.ttm.protocol.model.StateDigest}) of its state when it threw and of the state it recovered from the journal after
 * the restart, how many journal entries the recovery replayed, whether it started from a snapshot (a region manager on
 * LevelDB), how many messages (the journal's answers included) it took between the request and the throw, because it
 * was writing or had commands stashed when the request came (0: it threw at once), and the nanoseconds from the request
 * to the end of the recovery. {@link #sameState()} is what a crash
 * must never break.
 */
public record CrashReport(Address entity, String digestBefore, String digestAfter, long replayed, boolean fromSnapshot, long deferredBy,
                          long nanos) {
    /** Whether the restarted entity has exactly the state it had when it threw. */
    public boolean sameState() {
        return digestBefore.equals(digestAfter);
    }

    @Override
    public String toString() {
        return entity + " crashed and recovered " + (sameState() ? "the same state" : "a DIFFERENT state (" + digestBefore + " -> " + digestAfter + ")")
                + (deferredBy == 0 ? "" : " (it threw " + deferredBy + " message(s) after the request, once that lost nothing)") + " from " + replayed + " journal entries" + (fromSnapshot ? " after a snapshot" : "") + " in " + nanos / 1_000_000 + " ms";
    }
}
