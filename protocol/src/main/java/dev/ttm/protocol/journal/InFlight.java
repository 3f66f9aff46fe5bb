package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;

/**
 * A message a journaled decision sent ({@code from}, at {@code sentAt}, the stamp of that decision) that no later
 * journaled decision of {@code to} took as its input: still on its way when the journal ends, unless {@code to}
 * took it in a decision that recorded no event (the journal cannot tell; see docs/journal.md).
 */
public record InFlight(Address from, long sentAt, Address to, Message message) {}
