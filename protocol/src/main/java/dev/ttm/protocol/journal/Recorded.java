package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;

import java.util.List;
import java.util.Objects;

/**
 * One journal entry: everything one decision of one entity changed. {@code stamp} orders entries of every entity
 * consistently with causality (a runtime takes it from one counter when the decision is made: a message is sent only
 * after the decision that sends it has its stamp, so the decision that receives it gets a later one); {@code input}
 * is the message that caused the decision; {@code events} are folded through the entity's evolve in order.
 */
public record Recorded(String runId, long stamp, Message input, List<Event> events) {
    public Recorded {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(input, "input");
        events = List.copyOf(events);
        if (stamp <= 0) throw new IllegalArgumentException("stamp must be positive: " + stamp);
    }
}
