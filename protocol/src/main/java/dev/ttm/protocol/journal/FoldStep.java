package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.ModelView;

import java.util.List;

/**
 * What folding one journal entry came to, as {@link FoldListener}s see it: the entry, where its input came from, the
 * decision today's code makes in its place ({@code today}: its sends are the messages the entry sent; null when
 * today's code failed), whether that differs from the recorded events, the invariants the entry broke, and the whole
 * model just after it ({@code after}: live, read it during the callback only).
 */
public record FoldStep(JournalEntry entry, int run, Cause cause, Decision<?> today, Divergence divergence,
                       List<StampedViolation> violations, ModelView after) {
    public boolean diverged() {
        return divergence != null;
    }
}
