package dev.ttm.actors;

import dev.ttm.protocol.invariants.Violation;

import java.util.List;

/**
 * The invariant checker's verdict on the whole device (docs/semantics.md, "Invariants"): every invariant evaluated
 * at the time of the report, and every violation found since the start.
 *
 * @param checked    false when checking is off ({@code ttm.check = off}): nothing was looked at
 * @param violations what was found, oldest first
 */
public record InvariantReport(boolean checked, List<Violation> violations) {

    public InvariantReport {
        violations = List.copyOf(violations);
    }

    /** Checked, and nothing broken. */
    public boolean ok() {
        return checked && violations.isEmpty();
    }

    @Override
    public String toString() {
        if (!checked) return "invariants not checked (ttm.check = off)";
        if (violations.isEmpty()) return "invariants ok";
        StringBuilder b = new StringBuilder(violations.size() + " invariant violation(s):");
        for (Violation v : violations) b.append("\n  ").append(v);
        return b.toString();
    }
}
