package dev.ttm.protocol.model;

import java.util.Objects;

/**
 * The answer to one client request: an outcome and a human reason. Every request gets exactly one. Replies go
 * to clients outside the model and to execbuf coordinators (which are clients of the BOs they drive).
 */
/**
 * {@code contended}: with EDEADLK from a validate under walk=exec, the victim whose reservation the walk's ticket could
 * not take (the caller backs off and locks it first, as drm_exec does); otherwise null.
 */
public record Reply(long requestId, Outcome outcome, String reason, String contended) implements Execbuf.Inbound, BufferObject.Inbound {
    public Reply {
        Objects.requireNonNull(outcome, "outcome");
        reason = reason == null ? "" : reason;
    }

    /** A BO gets a reply when it asked another BO for its reservation (a ticketed eviction walk's victim lock). */
    @Override
    public void dispatchTo(BufferObject.Handler h) {
        h.on(this);
    }

    public static Reply of(long requestId, Outcome outcome, String reason) {
        return new Reply(requestId, outcome, reason, null);
    }

    @Override
    public String toString() {
        return reason.isEmpty() ? outcome.name() : outcome + " (" + reason + ")";
    }
}
