package dev.ttm.protocol.model;

/**
 * Anything one entity sends another. Entities share no state: a buffer object, a region manager and
 * the IO manager learn about each other only through these, so that each can run in its own actor.
 */
public interface Message {
    /** The client request this message answers or serves, or -1 when it belongs to none. */
    default long requestId() {
        return -1;
    }
}
