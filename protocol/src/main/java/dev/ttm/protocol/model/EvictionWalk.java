package dev.ttm.protocol.model;

import java.util.ArrayDeque;
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

    /**
     * A walk in progress: the request it serves; it visits the LRU entries put before {@code limit}, in walk order,
     * from the cursor the LRU keeps for it; {@code victim} is the one whose answer is awaited. What it met so far:
     * busy victims it skipped, the first victim it could not try-lock because someone else held it
     * ({@code contended}: a ticketed walk locks that one with its ticket), and how many it {@code evicted}.
     */
    public record Walk(Message request, long limit, String victim, boolean skippedBusy, String contended, int evicted) {
        static Walk begin(Message request, Lru lru) {
            return new Walk(request, lru.nextSeq(), null, false, null, 0);
        }

        Walk asking(String v) {
            return new Walk(request, limit, v, skippedBusy, contended, evicted);
        }

        Walk answered(Answered a) {
            return new Walk(request, limit, null, skippedBusy || a.busy(), contended == null ? a.contended() : contended,
                    evicted + (a.evicted() ? 1 : 0));
        }
    }

    /** The walk's part of a region's or the IO manager's state: the walk in progress and the requests behind it. */
    static final class Host {
        Walk walk;
        final ArrayDeque<Message> deferred = new ArrayDeque<>();
    }

    // ---- events, shared by both entities -------------------------------------------------------------------
    /** A walk began for {@code request}; it will visit the LRU entries put before {@code limit}. */
    public record Began(Message request, long limit) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { apply(s.walks, s.walkLru(request)); }
        @Override public void applyTo(IoState s) { apply(s.walks, s.lru); }
        private void apply(Host h, Lru lru) {
            h.walk = new Walk(request, limit, null, false, null, 0);
            lru.cursorAtStart();
        }
    }

    /** The walk asks {@code victim} to leave; its cursor moves past it. */
    public record Asked(String victim) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { apply(s.walks, s.walkLru(s.walks.walk.request())); }
        @Override public void applyTo(IoState s) { apply(s.walks, s.lru); }
        private void apply(Host h, Lru lru) {
            h.walk = h.walk.asking(victim);
            lru.cursorAfter(victim);
        }
    }

    /**
     * The victim answered: it left ({@code evicted}), or was skipped because it was busy and the walk must not wait
     * ({@code busy}); {@code contended} names it when someone else held its reservation.
     */
    public record Answered(boolean evicted, boolean busy, String contended) implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) { apply(s.walks); }
        @Override public void applyTo(IoState s) { apply(s.walks); }
        private void apply(Host h) { h.walk = h.walk.answered(this); }
    }

    public record Ended() implements RegionManager.RegionEvent, IoManager.IoEvent {
        @Override public void applyTo(RegionState s) {
            s.walkLru(s.walks.walk.request()).dropCursor();
            s.walks.walk = null;
        }
        @Override public void applyTo(IoState s) {
            s.lru.dropCursor();
            s.walks.walk = null;
        }
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
    /** What every decision of a region or the IO manager has: its outbox, and the walk's helper when it needs one. */
    abstract static class HostStep<E extends Event> extends Outbox<E> {
        private final Host host;
        private final Address self;
        private Step walks;

        HostStep(Host host, Address self) {
            this.host = host;
            this.self = self;
        }

        /** The walk's helper, made when a message needs it (most do not). */
        Step walks() {
            if (walks == null) walks = new Step(host, self, this);
            return walks;
        }
    }

    /**
     * Helps one decision of a host, recording into the host's {@code out}. It reads the host's
     * state as it was before the message; the host's own decision never reads back what was emitted.
     */
    static final class Step {
        private final Host host;
        private final Address self;
        private final Outbox<?> out;

        Step(Host host, Address self, Outbox<?> out) {
            this.host = host;
            this.self = self;
            this.out = out;
        }

        /** True when {@code request} may be served now; else it waits (or, past the bound, is refused). */
        boolean admit(Message request, Consumer<Message> refuse) {
            if (host.walk == null && host.deferred.isEmpty()) return true;
            if (host.deferred.size() >= MAX_DEFERRED) refuse.accept(request);
            else out.emitShared(new Deferred(request));
            return false;
        }

        /** Serves the oldest waiting request, unless a walk is running; asks for the next one to follow. */
        void resume(Consumer<Message> serve, Message resumeMessage) {
            ArrayDeque<Message> waiting = host.deferred;
            if (host.walk != null || waiting.isEmpty()) return;
            out.emitShared(new Resumed());
            serve.accept(waiting.peekFirst());
            // If that request began a walk, this arrives while it runs and does nothing; its end asks again.
            if (waiting.size() > 1) out.send(self, resumeMessage);
        }

        /**
         * Asks the next entry of {@code lru} after the walk's cursor (from the start, for a walk that has not begun:
         * {@code begin} records that it does) that is {@code eligible} to leave; returns that victim, or null when
         * none is left. It costs the entries it passes over, never the whole list.
         */
        String askNext(Walk w, boolean begin, Lru lru, Predicate<String> eligible) {
            String victim = lru.next(w.limit(), eligible);
            if (victim == null) return null;
            if (begin) out.emitShared(new Began(w.request(), w.limit()));
            out.emitShared(new Asked(victim));
            return victim;
        }

        /** The walk in progress is over: the next waiting request is served by a message of its own. */
        void end(Message resumeMessage) {
            end(resumeMessage, false);
        }

        /** As {@link #end(Message)}; {@code begunNow}: the walk began in this very decision (its Began is recorded). */
        void end(Message resumeMessage, boolean begunNow) {
            if (host.walk == null && !begunNow) return; // the walk never began: nothing was recorded
            out.emitShared(new Ended());
            if (!host.deferred.isEmpty()) out.send(self, resumeMessage);
        }
    }
}
