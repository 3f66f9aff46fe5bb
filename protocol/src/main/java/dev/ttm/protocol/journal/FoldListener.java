package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;

/**
 * Watches a {@link JournalFold}: how the reports (a BO's timeline, the model at a stamp, the causal chain of a
 * violation, a memory map over time) are built from the one pass over the merged journal.
 */
public interface FoldListener {
    /** {@code event} of {@code entity} is about to be applied; {@code before} still shows the state before it. */
    default void beforeEvent(JournalEntry entry, Address entity, Event event, ModelView before) {}

    /**
     * {@code entity} took {@code input} in a decision that recorded nothing ({@code decision}, decided again), found
     * because the entry about to be folded takes one of its messages.
     */
    default void unrecordedDecision(Address entity, Message input, Decision<?> decision, ModelView view) {}

    /** One entry is folded. */
    default void afterEntry(FoldStep step) {}
}
