package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionManager;

/**
 * Where the input of a journaled decision came from: a client (it entered the model there), a decision recorded
 * earlier (which entity, at which stamp), or a decision that recorded nothing (a runtime journals only decisions with
 * events, so the messages those send are known only by their arrival).
 */
public sealed interface Cause permits Cause.Client, Cause.SentBy, Cause.Unrecorded {
    /** What the harness that arms injected faults is called when an entry names no client. */
    Address.Client HARNESS = new Address.Client("harness");

    record Client(Address.Client client) implements Cause {
        @Override public String toString() { return "request from " + client; }
    }

    record SentBy(Address sender, long stamp) implements Cause {
        @Override public String toString() { return "sent by " + sender + " at stamp " + stamp; }
    }

    /**
     * Sent by a decision of {@code sender} that recorded no event, on {@code took} (which {@code tookFrom} sent at
     * stamp {@code tookAt}): found by deciding again on the messages in flight. {@code sender} is null when no message
     * in flight accounts for it.
     */
    record Unrecorded(Address sender, Message took, Address tookFrom, long tookAt) implements Cause {
        static final Unrecorded UNKNOWN = new Unrecorded(null, null, null, 0);

        @Override public String toString() {
            return sender == null ? "sent by a decision that recorded no event"
                    : "sent by " + sender + " deciding (without events) on " + took + ", sent by " + tookFrom + " at stamp " + tookAt;
        }
    }

    /**
     * The client a message comes from when it enters the model from outside: a request names its client as the
     * address to reply to (an execbuf's requests to BOs name the execbuf instead); an injected fault comes from the
     * harness. Null for a message only entities send.
     */
    static Address.Client clientOf(Message m) {
        Address replyTo = null;
        if (m instanceof BufferObject.Command c) replyTo = c.replyTo();
        else if (m instanceof RegionManager.Serial s) replyTo = s.replyTo();
        else if (m instanceof Execbuf.Submit s) replyTo = s.replyTo();
        else if (m instanceof RegionManager.Inject || m instanceof IoManager.Inject) return HARNESS;
        return replyTo instanceof Address.Client c ? c : null;
    }
}
