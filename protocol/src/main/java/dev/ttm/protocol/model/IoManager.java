package dev.ttm.protocol.model;

import java.util.List;

/**
 * The driver's side of CPU access as a decider: {@code io_mem_reserve} / {@code io_mem_free} (counted per BO and
 * in total, so that balance can be checked), the fault hook, and for the {@code io-lru} driver an aperture with
 * its own LRU of mappings (nouveau's BAR manager). It never decides for a BO; BOs ask and it answers.
 */
public final class IoManager implements Decider<IoState, IoManager.Inbound, IoManager.IoEvent> {
    // ---- inbound messages --------------------------------------------------------------------------------
    public sealed interface Inbound extends Message
            permits IoReserve, IoFree, IoLruUpdate, FaultNotify, IoEvictDone, Inject, Resume {
        void dispatchTo(Handler h);
    }

    public interface Handler {
        void on(IoReserve r);
        void on(IoFree f);
        void on(IoLruUpdate u);
        void on(FaultNotify n);
        void on(IoEvictDone d);
        void on(Inject i);
        void on(Resume r);
    }

    /** {@code aperturePages}: how much of the io-lru aperture the mapping needs (0: none, e.g. TT or SYSTEM). */
    public record IoReserve(String bo, long aperturePages, boolean pinned, long requestId) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** The driver's io_mem_free. A free of a BO that holds no reservation is an unbalanced call (INV-8). */
    public record IoFree(String bo) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Put the BO's mapping at the tail of the IO LRU, or take it off (pinned mappings are on none). */
    public record IoLruUpdate(String bo, boolean onLru) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** The driver's fault hook (the seed's fault_reserve_notify), called on every fault. */
    public record FaultNotify(String bo, long requestId) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** A victim's answer to {@link BufferObject.IoEvict}; one that gave its mapping up sent its IoFree first. */
    public record IoEvictDone(String bo, boolean evicted) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Arm an injected driver fault from now on (replacing the earlier one for the same hook). */
    public record Inject(Injection injection) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** To itself: serve the next deferred reservation (see {@link EvictionWalk}). */
    public record Resume() implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    /** Answers to a BO. */
    public record IoReserved(long requestId) implements BufferObject.Inbound {
        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }
    public record IoFailed(KernelError error, long requestId) implements BufferObject.Inbound {
        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }
    public record HookDone(KernelError error, long requestId) implements BufferObject.Inbound {
        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }

    // ---- events ------------------------------------------------------------------------------------------
    public sealed interface IoEvent extends Event
            permits ReserveCalled, ReserveFailed, FreeCalled, LruTouched, InjectionUsed, InjectionArmed,
                    EvictionWalk.Began, EvictionWalk.Asked, EvictionWalk.Answered, EvictionWalk.Ended,
                    EvictionWalk.Deferred, EvictionWalk.Resumed {
        void applyTo(IoState s);
    }

    public record ReserveCalled(String bo, long aperturePage, long pages, boolean onLru) implements IoEvent {
        @Override public void applyTo(IoState s) {
            s.count(bo, true);
            if (s.aperture != null && aperturePage >= 0) s.aperture.allocate(aperturePage, pages);
            s.reserved.put(bo, new IoState.Slot(aperturePage, pages));
            if (onLru) s.lru.put(bo, 0);
        }
    }
    public record ReserveFailed(String bo, KernelError error) implements IoEvent {
        @Override public void applyTo(IoState s) { s.failedReserves++; }
    }
    /** {@code outstanding}: whether the BO held a reservation when the driver was called (INV-8). */
    public record FreeCalled(String bo, boolean outstanding) implements IoEvent {
        @Override public void applyTo(IoState s) {
            s.count(bo, false);
            IoState.Slot slot = s.reserved.remove(bo);
            s.lru.remove(bo);
            if (slot == null) s.unbalancedFrees++;
            else if (s.aperture != null && slot.startPage() >= 0) s.aperture.free(slot.startPage(), slot.pages());
        }
    }
    public record LruTouched(String bo, boolean onLru) implements IoEvent {
        @Override public void applyTo(IoState s) {
            s.lru.remove(bo);
            if (onLru) s.lru.put(bo, 0);
        }
    }
    public record InjectionUsed(int index) implements IoEvent {
        @Override public void applyTo(IoState s) { s.injections.consume(index); }
    }
    public record InjectionArmed(Injection injection) implements IoEvent {
        @Override public void applyTo(IoState s) { s.injections.arm(injection); }
    }

    // ---- the decider -------------------------------------------------------------------------------------
    private final Driver driver;
    private final long aperturePages;
    private final List<Injection> initialInjections;

    public IoManager(Driver driver, long aperturePages, List<Injection> injections) {
        this.driver = driver;
        this.aperturePages = aperturePages;
        this.initialInjections = List.copyOf(injections);
    }

    public Address address() { return Address.IO; }

    @Override
    public Class<Inbound> inbound() {
        return Inbound.class;
    }

    @Override
    public IoState initialState() {
        return new IoState(driver, aperturePages, initialInjections);
    }

    @Override
    public Decision<IoEvent> decide(IoState state, Inbound message) {
        Step step = new Step(state);
        message.dispatchTo(step);
        return step.decision();
    }

    @Override
    public IoState evolve(IoState state, IoEvent event) {
        event.applyTo(state);
        return state;
    }

    /** One decision; like a region's, it reads the state before the message and never its own events. */
    private static final class Step extends EvictionWalk.HostStep<IoEvent> implements Handler {
        final IoState s;

        Step(IoState s) {
            super(s.walks, Address.IO);
            this.s = s;
        }

        @Override
        public void on(IoFree f) {
            emit(new FreeCalled(f.bo(), s.reserved.containsKey(f.bo())));
        }

        @Override
        public void on(IoLruUpdate u) {
            if (s.reserved.containsKey(u.bo()) && s.aperture != null) emit(new LruTouched(u.bo(), u.onLru()));
        }

        @Override
        public void on(FaultNotify n) {
            int inj = s.injections.next(Injection.Kind.FAULT_NOTIFY);
            KernelError error = null;
            if (inj >= 0) {
                emit(new InjectionUsed(inj));
                error = s.injections.get(inj).error();
            }
            send(new Address.Bo(n.bo()), new HookDone(error, n.requestId()));
        }

        @Override
        public void on(Inject i) {
            emit(new InjectionArmed(i.injection()));
        }

        @Override
        public void on(IoReserve r) {
            if (walks().admit(r, q -> fail((IoReserve) q, KernelError.EBUSY))) serve(r);
        }

        @Override
        public void on(Resume r) {
            walks().resume(q -> serve((IoReserve) q), r);
        }

        private void serve(IoReserve r) {
            int inj = s.injections.next(Injection.Kind.IO_RESERVE);
            if (inj >= 0) {
                emit(new InjectionUsed(inj));
                fail(r, s.injections.get(inj).error());
            } else if (s.aperture == null || r.aperturePages() == 0) {
                emit(new ReserveCalled(r.bo(), -1, 0, false));
                send(new Address.Bo(r.bo()), new IoReserved(r.requestId()));
            } else if (!tryAperture(r)) {
                continueWalk(EvictionWalk.Walk.begin(r, s.lru), true);
            }
        }

        private boolean tryAperture(IoReserve r) {
            long start = s.aperture.findFit(r.aperturePages(), 0, s.aperture.sizePages(), false);
            if (start < 0) return false;
            emit(new ReserveCalled(r.bo(), start, r.aperturePages(), !r.pinned()));
            send(new Address.Bo(r.bo()), new IoReserved(r.requestId()));
            return true;
        }

        private void fail(IoReserve r, KernelError error) {
            emit(new ReserveFailed(r.bo(), error));
            send(new Address.Bo(r.bo()), new IoFailed(error, r.requestId()));
        }

        /** io-lru: evict the least recently used mapping of another BO until the request fits. */
        private void continueWalk(EvictionWalk.Walk w, boolean begin) {
            String requester = ((IoReserve) w.request()).bo();
            String victim = walks().askNext(w, begin, s.lru, bo -> !bo.equals(requester));
            if (victim != null) {
                send(new Address.Bo(victim), new BufferObject.IoEvict());
                return;
            }
            fail((IoReserve) w.request(), KernelError.ENOSPC);
            walks().end(new Resume());
        }

        /** The victim's io_mem_free (if it gave its mapping up) arrived before this answer: try again. */
        @Override
        public void on(IoEvictDone d) {
            EvictionWalk.Walk w = s.walks.walk;
            if (w == null || !d.bo().equals(w.victim()))
                throw new IllegalStateException("io: unexpected eviction answer " + d);
            EvictionWalk.Answered answered = new EvictionWalk.Answered(d.evicted(), false, null);
            emit(answered);
            if (d.evicted() && tryAperture((IoReserve) w.request())) {
                walks().end(new Resume());
            } else {
                continueWalk(w.answered(answered), false);
            }
        }
    }
}
