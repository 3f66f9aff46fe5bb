package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;

import java.util.Objects;

/** One entry as a reader found it: whose journal ({@code entity}), where in it ({@code seqNr}, from 1), and the entry. */
public record JournalEntry(Address entity, long seqNr, Recorded recorded) {
    public JournalEntry {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(recorded, "recorded");
    }

    public long stamp() {
        return recorded.stamp();
    }
}
