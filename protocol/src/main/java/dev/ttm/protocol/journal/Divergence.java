package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;

/**
 * Today's {@code decide}, given the state the journal folds to just before the entry at {@code stamp} and the entry's
 * input, decides otherwise than the journal recorded: {@code recorded} and {@code today} are the canonical texts of the
 * two event lists ({@code today} names the exception when today's code fails).
 */
public record Divergence(long stamp, Address entity, long seqNr, Message input, String recorded, String today) {}
