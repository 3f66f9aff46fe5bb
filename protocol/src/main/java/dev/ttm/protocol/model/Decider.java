package dev.ttm.protocol.model;

/**
 * An entity's behaviour as two pure functions: {@code decide} reads the state and a message and returns what
 * to do, never changing the state; {@code evolve} is the only way the state changes (it may change the state
 * object in place and returns it, as a Pekko event handler may). A runtime runs one message at a time:
 * decide, then evolve each event in order, then send.
 */
public interface Decider<S, M extends Message, E extends Event> {
    /** The sealed message type this entity accepts (a runtime checks a delivery against it). */
    Class<M> inbound();

    /** The state of a new entity, before any event. */
    S initialState();

    Decision<E> decide(S state, M message);

    S evolve(S state, E event);
}
