package dev.ttm.protocol.model;

import java.util.List;

/**
 * What an entity decided to do with one message: the events to persist (and then evolve, in order) and the
 * messages to send once they are. A runtime applies a decision exactly so; it never looks inside. The lists are
 * the decider's own, handed over (not copied: a decision is made for every message); nobody changes them after.
 */
public record Decision<E extends Event>(List<E> events, List<Send> sends) {
    /** One outgoing message. */
    public record Send(Address to, Message message) {}
}
