package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects one decision: its events and its sends. A decision step is its own outbox (one object fewer per message). A decision is made for every message and most record one event
 * and send one message, or none: a lone event or send is kept in a field and handed over as a one-element list (no
 * backing array); a list is made only from the second on.
 */
class Outbox<E extends Event> {
    private E event;
    private List<E> events;
    private Decision.Send send;
    private List<Decision.Send> sends;

    void emit(E e) {
        assert e != null : "a null event";
        if (events != null) {
            events.add(e);
        } else if (event == null) {
            event = e;
        } else {
            events = new ArrayList<>(8); // a BO's move records half a dozen
            events.add(event);
            events.add(e);
        }
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
        Decision.Send s = new Decision.Send(to, message);
        if (sends != null) {
            sends.add(s);
        } else if (send == null) {
            send = s;
        } else {
            sends = new ArrayList<>(4);
            sends.add(send);
            sends.add(s);
        }
    }

    Decision<E> decision() {
        return new Decision<>(events != null ? events : event != null ? List.of(event) : List.of(),
                sends != null ? sends : send != null ? List.of(send) : List.of());
    }
}
