package dev.ttm.protocol.model;

/**
 * What a handler may do: record events (each is applied to the entity's state at once, so the handler
 * reads its own writes, and replay folds the same events through the same {@code apply}) and send
 * messages. Nothing else: no clock, no randomness, no I/O.
 */
public interface Ctx {
    void emit(Event event);

    void send(Address to, Message message);
}
