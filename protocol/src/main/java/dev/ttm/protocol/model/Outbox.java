package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects one decision: its events and its sends, each list made on first use (a decision is made for every
 * message, and most record one event and send one message, or none).
 */
final class Outbox<E extends Event> {
    private List<E> events;
    private List<Decision.Send> sends;

    void emit(E event) {
        if (events == null) events = new ArrayList<>(4);
        events.add(event);
    }

    /**
     * Records an event of the eviction walk shared by regions and the IO manager: each of those records implements
     * every host's event type, so it is an {@code E} whoever the host is.
     */
    @SuppressWarnings("unchecked")
    void emitShared(Event event) {
        emit((E) event);
    }

    void send(Address to, Message message) {
        if (sends == null) sends = new ArrayList<>(2);
        sends.add(new Decision.Send(to, message));
    }

    Decision<E> decision() {
        return new Decision<>(events == null ? List.of() : events, sends == null ? List.of() : sends);
    }
}
