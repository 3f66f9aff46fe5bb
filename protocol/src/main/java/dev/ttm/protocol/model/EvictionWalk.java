package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The walk both a region manager (victims for space) and the io-lru IO manager (victims for aperture space) run:
 * one request is served at a time; while it walks, later requests wait in a bounded FIFO, so that what a victim
 * frees is held for the request that evicted it. The walk asks its candidates one by one, least recently used
 * first. The waiting requests are served one per message ({@link #resume}), never in a loop inside one decision.
 */
public final class EvictionWalk {
    /** Bound on the requests waiting behind a walk: beyond it a request is refused as busy. */
    public static final int MAX_DEFERRED = 4096;

    private EvictionWalk() {}

    /** A walk in progress: the request it serves, its candidates, the next one, the one asked now. */
    public record Walk(Message request, List<String> candidates, int next, String victim, boolean skippedBusy) {
        public Walk {
            candidates = List.copyOf(candidates);
        }
    }

    /** The walk's part of a region's or the IO manager's state: the walk in progress and the requests behind it. */
    static final class Host {
        Walk walk;
        final ArrayDeque<Message> deferred = new ArrayDeque<>();
    }

    // ---- events, shared by both entities -------------------------------------------------------------------
    public record Began(Message request, List<String> candidates) implements RegionManager.RegionEvent, IoManager.IoEvent {
        public Began {
            candidates = List.copyOf(candidates);
        }
        @Override public void applyTo(RegionState s) { apply(s.walks); }
        @Override public void applyTo(IoState s) { apply(s.walks); }
        private void apply(Host h) { h.walk = new Walk(request, candidates, 0, null, false); }
    }

    /** The walk asks candidate {@code next - 1}, {@code victim}, to leave. */
    public record Asked(int next, String victim) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { apply(s.walks); }
        @Override public void applyTo(IoState s) { apply(s.walks); }
        private void apply(Host h) {
            Walk w = h.walk;
            h.walk = new Walk(w.request(), w.candidates(), next, victim, w.skippedBusy());
        }
    }

    /** The victim answered; {@code busy}: it was skipped because it was busy and the walk must not wait. */
    public record Answered(boolean busy) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { apply(s.walks); }
        @Override public void applyTo(IoState s) { apply(s.walks); }
        private void apply(Host h) {
            Walk w = h.walk;
            h.walk = new Walk(w.request(), w.candidates(), w.next(), null, w.skippedBusy() || busy);
        }
    }

    public record Ended() implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { s.walks.walk = null; }
        @Override public void applyTo(IoState s) { s.walks.walk = null; }
    }

    public record Deferred(Message request) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { s.walks.deferred.addLast(request); }
        @Override public void applyTo(IoState s) { s.walks.deferred.addLast(request); }
    }

    public record Resumed() implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { s.walks.deferred.removeFirst(); }
        @Override public void applyTo(IoState s) { s.walks.deferred.removeFirst(); }
    }

    // ---- the decisions, for one message of the host ----------------------------------------------------------
    /**
     * Helps one decision of a host: {@code emit} records an event, {@code send} a message. It reads the host's
     * state as it was before the message; the host's own decision never reads back what was emitted.
     */
    static final class Step {
        private final Host host;
        private final Address self;
        private final Consumer<Event> emit;
        private final Consumer<Decision.Send> send;

        Step(Host host, Address self, Consumer<Event> emit, Consumer<Decision.Send> send) {
            this.host = host;
            this.self = self;
            this.emit = emit;
            this.send = send;
        }

        /** True when {@code request} may be served now; else it waits (or, past the bound, is refused). */
        boolean admit(Message request, Consumer<Message> refuse) {
            if (host.walk == null && host.deferred.isEmpty()) return true;
            if (host.deferred.size() >= MAX_DEFERRED) refuse.accept(request);
            else emit.accept(new Deferred(request));
            return false;
        }

        /** Serves the oldest waiting request, unless a walk is running; asks for the next one to follow. */
        void resume(Consumer<Message> serve, Message resumeMessage) {
            ArrayDeque<Message> waiting = host.deferred;
            if (host.walk != null || waiting.isEmpty()) return;
            emit.accept(new Resumed());
            serve.accept(waiting.peekFirst());
            // If that request began a walk, this arrives while it runs and does nothing; its end asks again.
            if (waiting.size() > 1) send.accept(new Decision.Send(self, resumeMessage));
        }

        /**
         * Asks the next candidate of {@code w} still on the LRU ({@code eligible}) to leave, recording a walk
         * that has not begun yet ({@code begin}); returns that victim, or null when none is left.
         */
        String askNext(Walk w, boolean begin, Predicate<String> eligible) {
            int next = w.next();
            while (next < w.candidates().size()) {
                String victim = w.candidates().get(next++);
                if (!eligible.test(victim)) continue; // pinned or gone since the walk began
                if (begin) emit.accept(new Began(w.request(), w.candidates()));
                emit.accept(new Asked(next, victim));
                return victim;
            }
            return null;
        }

        /** The walk in progress is over: the next waiting request is served by a message of its own. */
        void end(Message resumeMessage) {
            if (host.walk == null) return; // the walk never began: nothing was recorded
            emit.accept(new Ended());
            if (!host.deferred.isEmpty()) send.accept(new Decision.Send(self, resumeMessage));
        }
    }
}
