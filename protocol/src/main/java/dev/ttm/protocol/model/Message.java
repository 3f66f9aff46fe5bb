package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * Anything one entity sends another. Entities share no state: a buffer object, a region manager, the IO
 * manager and an execbuf learn about each other only through these, so that each can run in its own actor.
 * Each entity accepts exactly its sealed {@code Inbound} type; the compiler checks that every one is handled.
 * Journaled with a type id (see {@link ModelTypes}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
public sealed interface Message
        permits BufferObject.Inbound, RegionManager.Inbound, IoManager.Inbound, Execbuf.Inbound {
    /** The client request this message answers or serves, or -1 when it belongs to none. */
    default long requestId() {
        return -1;
    }
}
