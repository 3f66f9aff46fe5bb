package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;

/** A message in flight, numbered in send order. */
public record Envelope(long seq, Address from, Address to, Message message) {}
