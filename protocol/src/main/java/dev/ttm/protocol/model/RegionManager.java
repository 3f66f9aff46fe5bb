package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A region (TTM resource manager) as a decider: the page-range allocator, the per-priority LRU lists and the
 * eviction walk. One allocation request is served at a time; while a walk waits for a victim, later requests
 * are deferred (see {@link EvictionWalk}), so the space a victim frees is held for the request that evicted it.
 */
public final class RegionManager implements Decider<RegionState, RegionManager.Inbound, RegionManager.RegionEvent> {
    public static final int PRIORITIES = 4;

    // ---- inbound messages --------------------------------------------------------------------------------
    public sealed interface Inbound extends Message
            permits Serial, Free, LruUpdate, VictimDone, Populate, Inject, Resume, FenceSignaled {
        void dispatchTo(Handler h);
    }

    /** The requests served one at a time (each may need an eviction walk). */
    public sealed interface Serial extends Inbound permits Alloc, EvictAll {
        Address replyTo();
    }

    public interface Handler {
        void on(Alloc a);
        void on(EvictAll e);
        void on(Free f);
        void on(LruUpdate u);
        void on(VictimDone v);
        void on(Populate p);
        void on(Inject i);
        void on(Resume r);
        void on(FenceSignaled f);
    }

    /**
     * Allocate {@code pages} in {@code [fpfn, lpfn)} for a BO; pass 2 may evict. Answered by Granted or Refused.
     * {@code lockedBy}: a ticketed walk's round, whose requester holds one victim's reservation under that owner name.
     */
    public record Alloc(String bo, long pages, int priority, Place place, long fpfn, long lpfn, int pass,
                        boolean nowait, boolean pinned, String lockedBy, long requestId, Address replyTo) implements Serial {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Evict every unpinned BO of the region (suspend, teardown). */
    public record EvictAll(long requestId, Address replyTo) implements Serial {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /**
     * A BO gives back one of its allocations (after a move, purge or destroy). {@code fences}: what the GPU may still
     * be doing with the pages. With a {@code ghost} name the pages pass to that ghost until the fences signal (a
     * pipelined move or a purge); without one they are free at once and the fences become the region's move fence
     * (a pipelined eviction).
     */
    public record Free(String bo, long startPage, long pages, FenceSet fences, String ghost) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Put the BO at the tail of its priority's LRU list, or take it off (pinned). */
    public record LruUpdate(String bo, int priority, boolean onLru) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /**
     * A victim's answer to {@link BufferObject.Evict}; {@code reserved}: it was not taken because someone else held
     * its reservation; {@code ghost}: the victim's pages wait in that ghost for its fences.
     */
    public record VictimDone(String bo, boolean evicted, boolean busy, boolean reserved, String reason, String ghost) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Populate a BO's pages on a CPU access (only SYSTEM can fail it: an injected nospace). */
    public record Populate(String bo, long requestId) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** Arm an injected allocator fault from now on (replacing the region's earlier one). */
    public record Inject(Injection injection) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /** To itself: serve the next deferred request (see {@link EvictionWalk}). */
    public record Resume() implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    /** Answers to a BO. {@code moveFence}: the region's pending move fence, which the new resource carries. */
    public record Granted(Resource resource, FenceSet moveFence, long requestId) implements BufferObject.Inbound {
        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }
    /** {@code ENOMEM}: no space (the BO's validate goes on with the next place); {@code EBUSY}: allocator busy. */
    /**
     * {@code ENOMEM}: no space (the BO's validate goes on with the next place); {@code EBUSY}: allocator busy. After a
     * walk: {@code contended}, the first victim it could not try-lock, and how many victims it {@code evicted}.
     */
    public record Refused(Outcome outcome, String reason, String contended, int evicted, long requestId) implements BufferObject.Inbound {
        public Refused(Outcome outcome, String reason, long requestId) {
            this(outcome, reason, null, 0, requestId);
        }

        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }
    /** {@code OK}, {@code ENOMEM} (no pages) or {@code EBUSY} (the pool is busy: -EAGAIN). */
    public record Populated(Outcome outcome, long requestId) implements BufferObject.Inbound {
        @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    }

    // ---- state pieces and events -------------------------------------------------------------------------
    public record Allocation(String bo, long startPage, long pages, long fpfn, long lpfn) {
        public long endPage() {
            return startPage + pages;
        }
    }

    public sealed interface RegionEvent extends Event
            permits Allocated, Freed, Ghosted, MoveFenceAdded, FencesSignaled, Parked, Unparked, LruMoved, InjectionUsed, InjectionArmed, EvictionWalk.Began, EvictionWalk.Asked,
                    EvictionWalk.Answered, EvictionWalk.Ended, EvictionWalk.Deferred, EvictionWalk.Resumed {
        void applyTo(RegionState s);
    }

    /** {@code moveFence}: the region's move fence, which the new resource carries (the BO hears when it signals). */
    public record Allocated(Allocation allocation, int priority, boolean onLru, FenceSet moveFence) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            Allocation al = allocation;
            if (!moveFence.isEmpty()) s.carriers.merge(al.bo(), moveFence, FenceSet::union);
            s.allocator.allocate(al.startPage(), al.pages());
            s.allocations.put(al);
            RegionState.Held h = s.startsByBo.computeIfAbsent(al.bo(), RegionState.Held::new);
            h.add(al);
            s.usedPages += al.pages();
            if (onLru) s.lruPut(h, priority);
        }
    }
    public record Freed(String bo, long startPage, long pages) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            if (!s.ghosts.isEmpty()) s.ghosts.remove(bo);
            s.allocator.free(startPage, pages);
            s.allocations.remove(startPage);
            s.usedPages -= pages;
            let(s, bo, startPage);
        }

        /** {@code bo} lets its allocation at {@code startPage} go: off the LRU with its last one, else maybe off the window's. */
        static RegionState.Held let(RegionState s, String bo, long startPage) {
            RegionState.Held h = s.heldBy(bo);
            RegionManager.Allocation al = h.remove(startPage);
            if (al == null) throw new IllegalStateException("region " + s.name() + ": " + bo + " holds nothing at " + startPage);
            if (h.isEmpty()) {
                s.startsByBo.remove(bo);
                s.lruRemove(h);
            } else {
                s.windowLeft(h);
            }
            return h;
        }
    }
    /**
     * {@code bo}'s allocation at {@code startPage} passes to {@code ghost}, an anonymous destroyed object that holds the
     * pages until {@code fences} signal; the ghost goes to the tail of the LRU (priority {@code priority}).
     */
    public record Ghosted(String bo, long startPage, String ghost, FenceSet fences, int priority) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            Allocation al = s.heldBy(bo).at(startPage);
            Allocation passed = new Allocation(ghost, al.startPage(), al.pages(), al.fpfn(), al.lpfn());
            s.allocations.put(passed);
            Freed.let(s, bo, startPage);
            RegionState.Held g = s.startsByBo.computeIfAbsent(ghost, RegionState.Held::new);
            g.add(passed);
            s.ghosts.put(ghost, fences);
            s.lruPut(g, priority);
        }
    }
    /** A busy victim's pages were freed at once: allocations here carry its fences until they signal. */
    public record MoveFenceAdded(FenceSet fences) implements RegionEvent {
        @Override public void applyTo(RegionState s) { s.moveFence = s.moveFence.union(fences); }
    }
    /** Fences 1..{@code seq} of {@code bo} signalled: the move fence, the ghosts and the carriers stop waiting for them. */
    public record FencesSignaled(String bo, long seq) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            s.signaled.merge(bo, seq, Math::max);
            s.moveFence = s.moveFence.signaled(bo, seq);
            // Carriers allocated between two changes of the region's move fence share one set: shrink each set once.
            IdentityHashMap<FenceSet, FenceSet> shrunk = new IdentityHashMap<>();
            java.util.function.BiFunction<String, FenceSet, FenceSet> signal =
                    (k, f) -> f.clearedBy(bo, seq) ? shrunk.computeIfAbsent(f, x -> x.signaled(bo, seq)) : f;
            s.ghosts.replaceAll(signal);
            s.carriers.replaceAll(signal);
            s.carriers.values().removeIf(FenceSet::isEmpty);
        }
    }
    /**
     * The walk serving {@code request} met {@code ghost} and waits for its fences. It waits aside (parked), so that the
     * region goes on serving other requests meanwhile, as other allocators do in TTM while one sleeps on a fence.
     */
    public record Parked(String ghost, Message request) implements RegionEvent {
        @Override public void applyTo(RegionState s) { s.parked.computeIfAbsent(ghost, k -> new ArrayList<>(1)).add(request); }
    }
    /** {@code ghost} is gone: the requests parked on it are served again first, their walks starting over. */
    public record Unparked(String ghost) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            List<Message> back = s.parked.remove(ghost);
            for (int i = back.size() - 1; i >= 0; i--) s.walks.deferred.addFirst(back.get(i));
        }
    }
    public record LruMoved(String bo, int priority, boolean onLru) implements RegionEvent {
        @Override public void applyTo(RegionState s) {
            RegionState.Held h = s.heldBy(bo);
            if (onLru) s.lruPut(h, priority); // a put takes it off where it stood
            else s.lruRemove(h);
        }
    }
    public record InjectionUsed(int index) implements RegionEvent {
        @Override public void applyTo(RegionState s) { s.injections.consume(index); }
    }
    public record InjectionArmed(Injection injection) implements RegionEvent {
        @Override public void applyTo(RegionState s) { s.injections.arm(injection); }
    }

    // ---- the decider -------------------------------------------------------------------------------------
    private final RegionConfig config;
    private final List<Injection> initialInjections;
    private final Address address;

    public RegionManager(RegionConfig config, List<Injection> injections) {
        this.config = config;
        this.initialInjections = List.copyOf(injections);
        this.address = new Address.Region(config.name());
    }

    public Address address() { return address; }
    public RegionConfig config() { return config; }

    @Override
    public Class<Inbound> inbound() {
        return Inbound.class;
    }

    @Override
    public RegionState initialState() {
        return new RegionState(config, initialInjections);
    }

    @Override
    public Decision<RegionEvent> decide(RegionState state, Inbound message) {
        Step step = new Step(state);
        message.dispatchTo(step);
        return step.decision();
    }

    @Override
    public RegionState evolve(RegionState state, RegionEvent event) {
        event.applyTo(state);
        return state;
    }

    /**
     * One decision. It reads the state as it was before the message and never the events it decides: each
     * message changes at most one thing that a later step of the same decision would read (a request starts a
     * walk, or is answered and the walk ends), and the next deferred request is served by a message of its own.
     */
    private final class Step extends EvictionWalk.HostStep<RegionEvent> implements Handler {
        final RegionState s;

        Step(RegionState s) {
            super(s.walks, address);
            this.s = s;
        }

        @Override public void on(Alloc a) { if (walks().admit(a, this::refuseQueued)) onAlloc(a); }
        @Override public void on(EvictAll e) { if (walks().admit(e, this::refuseQueued)) onEvictAll(e); }
        @Override public void on(Resume r) { walks().resume(this::serve, r); }

        private void serve(Message request) {
            if (request instanceof Alloc a) onAlloc(a);
            else onEvictAll((EvictAll) request);
        }

        private void refuseQueued(Message request) {
            String why = config.name() + ": too many allocation requests queued";
            Message refusal = request instanceof Alloc ? new Refused(Outcome.EBUSY, why, request.requestId())
                    : Reply.of(request.requestId(), Outcome.EBUSY, why);
            send(((Serial) request).replyTo(), refusal);
        }

        private void onAlloc(Alloc a) {
            assert a.pages() > 0 && a.fpfn() < a.lpfn() : "malformed alloc " + a;
            // SYSTEM's resource allocation never fails: there an injected fault hits page population instead.
            int nospace = config.isSystem() ? -1 : s.injections.next(Injection.Kind.ALLOC_NOSPACE);
            int busy = config.isSystem() ? -1 : s.injections.next(Injection.Kind.ALLOC_BUSY);
            if (busy >= 0 && (nospace < 0 || busy < nospace)) {
                emit(new InjectionUsed(busy));
                send(a.replyTo(), new Refused(Outcome.EBUSY, config.name() + ": allocator busy (injected)", a.requestId()));
            } else if (nospace >= 0) {
                emit(new InjectionUsed(nospace));
                send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no space (injected)", a.requestId()));
            } else if (a.nowait() && !s.moveFence.isEmpty()) {
                // ttm_bo_add_move_fence with no_wait_gpu: allocating here would wait for the move fence; next place.
                send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": its move fence " + s.moveFence + " is pending (nowait)", a.requestId()));
            } else if (!tryGrant(a)) {
                if (a.pass() == 1 || !config.evicts()) {
                    send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no free range of " + a.pages() + " pages", a.requestId()));
                } else {
                    continueWalk(EvictionWalk.Walk.begin(a, s.walkLru(a)), true, false);
                }
            }
        }

        /**
         * A BO (or ghost) on the LRU can help {@code a} if its pages intersect the range; the requester is never its
         * own victim; a walk that must not wait passes over ghosts (their pages are free only when their fences signal).
         */
        private boolean mayHelp(Message request, String bo) {
            if (!(request instanceof Alloc a)) return true; // evict-all: every BO on the LRU, and every ghost
            if (a.nowait() && s.ghosts.containsKey(bo)) return false;
            return !bo.equals(a.bo()) && s.intersects(bo, a.fpfn(), a.lpfn());
        }


        private boolean tryGrant(Alloc a) {
            long start = s.allocator.findFit(a.pages(), a.fpfn(), a.lpfn(), a.place().topdown());
            if (start < 0) return false;
            Allocation al = new Allocation(a.bo(), start, a.pages(), a.fpfn(), a.lpfn());
            emit(new Allocated(al, a.priority(), !a.pinned(), s.moveFence));
            send(a.replyTo(), new Granted(new Resource(config.name(), start, a.pages(), a.fpfn(), a.lpfn()), s.moveFence, a.requestId()));
            return true;
        }

        private void onEvictAll(EvictAll e) {
            if (!config.evicts()) {
                send(e.replyTo(), s.lruSize() == 0
                        ? Reply.of(e.requestId(), Outcome.OK, config.name() + " holds no unpinned BO")
                        : Reply.of(e.requestId(), Outcome.EBUSY, config.name() + " never evicts"));
                return;
            }
            continueWalk(EvictionWalk.Walk.begin(e, s.lru), true, false);
        }

        /**
         * One step of walk {@code w}: after a victim left, try the allocation again ({@code retry}); else ask the
         * next candidate still on the LRU to leave; with none left, answer and end the walk.
         */
        private void continueWalk(EvictionWalk.Walk w, boolean begin, boolean retry) {
            if (retry && w.request() instanceof Alloc a && tryGrant(a)) {
                walks().end(new Resume());
                return;
            }
            String victim = walks().askNext(w, begin, s.walkLru(w.request()), bo -> mayHelp(w.request(), bo));
            if (victim != null && s.ghosts.containsKey(victim)) {
                // A ghost is not asked: the walk waits for its fences (ttm_bo_evict_cb waits for a deleted BO).
                emit(new Parked(victim, w.request()));
                walks().end(new Resume(), begin);
                return;
            }
            if (victim != null) {
                boolean nowait = w.request() instanceof Alloc a && a.nowait();
                String lockedBy = w.request() instanceof Alloc a ? a.lockedBy() : null;
                send(new Address.Bo(victim), new BufferObject.Evict(config.name(), nowait, lockedBy));
                return;
            }
            answerExhausted(w);
            walks().end(new Resume());
        }

        private void answerExhausted(EvictionWalk.Walk w) {
            if (w.request() instanceof Alloc a) {
                send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no space for " + a.pages()
                        + " pages and no victim could be evicted" + (w.skippedBusy() ? " (busy victims skipped)" : "")
                        + (w.contended() != null ? " (" + w.contended() + " is reserved)" : ""), w.contended(), w.evicted(), a.requestId()));
            } else {
                EvictAll e = (EvictAll) w.request();
                List<String> left = s.lruOrder();
                send(e.replyTo(), left.isEmpty()
                        ? Reply.of(e.requestId(), Outcome.OK, "every unpinned BO left " + config.name())
                        : Reply.of(e.requestId(), Outcome.EBUSY, "still in " + config.name() + ": " + String.join(",", left)));
            }
        }

        @Override
        public void on(VictimDone v) {
            EvictionWalk.Walk w = s.walks.walk;
            if (w == null || !v.bo().equals(w.victim()))
                throw new IllegalStateException("region " + config.name() + ": unexpected victim answer " + v);
            EvictionWalk.Answered answered = new EvictionWalk.Answered(v.evicted(), v.busy(), v.reserved() ? v.bo() : null);
            emit(answered);
            if (v.ghost() != null && s.ghosts.containsKey(v.ghost())) {
                emit(new Parked(v.ghost(), w.request())); // the victim was freed into a ghost: wait for its fences
                walks().end(new Resume());
                return;
            }
            continueWalk(w.answered(answered), false, true);
        }

        @Override
        public void on(Free f) {
            RegionState.Held h = s.startsByBo.get(f.bo());
            Allocation al = h == null ? null : h.at(f.startPage());
            if (al == null || al.pages() != f.pages())
                throw new IllegalStateException("region " + config.name() + ": " + f.bo() + " frees " + f.startPage() + "+" + f.pages() + " it does not hold");
            FenceSet pending = s.unsignaled(f.fences());
            if (pending.isEmpty()) {
                emit(new Freed(f.bo(), f.startPage(), f.pages()));
            } else if (f.ghost() != null) {
                int priority = Math.max(0, s.lru.priorityOf(f.bo()));
                emit(new Ghosted(f.bo(), f.startPage(), f.ghost(), pending, priority));
            } else {
                emit(new MoveFenceAdded(pending)); // before the pages are free: nothing is allocated without it
                emit(new Freed(f.bo(), f.startPage(), f.pages()));
            }
        }

        /**
         * Fences signalled: ghosts that waited only for them are freed (a walk waiting for one goes on, by a message to
         * itself so that it sees the pages free), the move fence shrinks, and the carriers hear of it.
         */
        @Override
        public void on(FenceSignaled f) {
            emit(new FencesSignaled(f.bo(), f.seq()));
            for (Map.Entry<String, FenceSet> c : s.carriers.entrySet())
                if (c.getValue().clearedBy(f.bo(), f.seq())) send(new Address.Bo(c.getKey()), f);
            boolean unparked = false;
            for (Map.Entry<String, FenceSet> g : s.ghosts.entrySet()) {
                if (!g.getValue().emptiedBy(f.bo(), f.seq())) continue;
                for (Allocation al : s.allocationsOf(g.getKey())) emit(new Freed(g.getKey(), al.startPage(), al.pages()));
                if (s.parked.containsKey(g.getKey())) {
                    emit(new Unparked(g.getKey()));
                    unparked = true;
                }
            }
            if (unparked) send(address, new Resume()); // serves them now, or when the walk in progress ends
        }

        @Override
        public void on(LruUpdate u) {
            if (s.startsByBo.containsKey(u.bo())) emit(new LruMoved(u.bo(), u.priority(), u.onLru()));
            // else: moved out since, nothing to bump
        }

        @Override
        public void on(Populate p) {
            int nospace = s.injections.next(Injection.Kind.ALLOC_NOSPACE);
            int busy = s.injections.next(Injection.Kind.ALLOC_BUSY);
            Outcome outcome = Outcome.OK;
            if (busy >= 0 && (nospace < 0 || busy < nospace)) {
                emit(new InjectionUsed(busy));
                outcome = Outcome.EBUSY;
            } else if (nospace >= 0) {
                emit(new InjectionUsed(nospace));
                outcome = Outcome.ENOMEM;
            }
            send(new Address.Bo(p.bo()), new Populated(outcome, p.requestId()));
        }

        @Override
        public void on(Inject i) {
            emit(new InjectionArmed(i.injection()));
        }
    }
}
