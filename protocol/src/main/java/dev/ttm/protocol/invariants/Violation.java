package dev.ttm.protocol.invariants;

/** One broken invariant: which (INV-1 .. INV-13), the entities involved, the step (delivered message) and why. */
public record Violation(String invariant, String entities, long step, String detail) {
    @Override
    public String toString() {
        return invariant + " " + Invariant.title(invariant) + " at step " + step + " [" + entities + "]: " + detail;
    }
}
