package dev.ttm.protocol.model;

/** A pure, deterministic state machine: {@code handle} decides, {@code apply} changes state. */
public interface Entity {
    Address address();

    /** Decides what to do with one message: events (through ctx.emit) and outgoing messages. */
    void handle(Address from, Message message, Ctx ctx);

    /** The only way state changes. */
    void apply(Event event);
}
