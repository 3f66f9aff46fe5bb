package dev.ttm.protocol.invariants;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.FenceSet;
import dev.ttm.protocol.model.EvictionWalk;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.IoState;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Resource;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the 13 invariants (docs/semantics.md, "Invariants") against a {@link ModelView}, told by a runtime what happens: each event
 * before it is applied ({@link #beforeApply(ModelView, long, Address, Event)}), each message sent and delivered,
 * each reply a client gets, and quiescence. It implements {@link SimListener} so the simulator feeds it directly.
 *
 * <p>Transition invariants (INV-1, 2, 6, 9, the call half of 8) are checked on each event against the state
 * before it. State invariants are checked incrementally after each delivered message: only for the BOs the message
 * touched (whose state changed, that a region or IO event named, or whose neighbouring allocation changed), the
 * regions' page sums (kept from Allocated/Freed) and the IO call balance (kept from ReserveCalled/FreeCalled).
 * Messages in flight are taken into account through per-BO counts of the Free, Granted and LruUpdate messages on
 * their way (a BO whose Free is on its way is not leaking). Liveness (INV-12) is judged at quiescence, again only
 * for what was touched since the previous one, the BOs with queued waiters and the regions' walks.
 * {@link #checkFull} evaluates everything (and {@link #fullEveryMessage} makes the listener do so after every
 * message); both use the same per-entity checks, so they find the same violations.
 *
 * <p>The incremental checks rely on having seen every event since the model began: attach the checker before the
 * first message (or start with {@link #checkFull}).
 *
 * <p>A state violation is reported when it appears, not again while it persists: each check belongs to a subject
 * (one BO, one region, the IO manager, or a quiescence check), and re-evaluating a subject replaces the violations
 * it holds active.
 */
public final class InvariantChecker implements SimListener {
    /** INV-14: pages left in use by the GPU, kept from events. */
    private final FenceSafety fences = new FenceSafety();
    private final List<Violation> found = new ArrayList<>();
    private int drained;
    private boolean fullEveryMessage;

    /** What a group of checks is about: one BO, one region, the IO manager, or a quiescence check. */
    private record Subject(String kind, String name, long page) {
        Subject(String kind, String name) {
            this(kind, name, 0);
        }

        // Written out: these keys are hashed several times per message, and the generated methods cost more.
        @Override public int hashCode() { return (31 * kind.hashCode() + name.hashCode()) * 31 + Long.hashCode(page); }
        @Override public boolean equals(Object o) {
            return o instanceof Subject x && page == x.page && kind.equals(x.kind) && name.equals(x.name);
        }
    }

    /** A Free on its way: by region, BO and start page. */
    private record FreeKey(String region, String bo, long startPage) {
        @Override public int hashCode() { return (31 * region.hashCode() + bo.hashCode()) * 31 + Long.hashCode(startPage); }
        @Override public boolean equals(Object o) {
            return o instanceof FreeKey x && startPage == x.startPage && bo.equals(x.bo) && region.equals(x.region);
        }
    }

    /** A BO in one region (Frees and LruUpdates on their way). */
    private record RegionBo(String region, String bo) {
        @Override public int hashCode() { return 31 * region.hashCode() + bo.hashCode(); }
        @Override public boolean equals(Object o) { return o instanceof RegionBo x && bo.equals(x.bo) && region.equals(x.region); }
    }

    /** Active violation keys (invariant|entities) per subject, and how many subjects hold each key. */
    private final Map<Subject, Set<String>> activeBySubject = new HashMap<>();
    private final Map<String, Integer> activeCount = new HashMap<>();

    // ---- what the runtime told us -------------------------------------------------------------------------------
    private final Set<String> touched = new LinkedHashSet<>();
    /** The name added to {@link #touched} last, while it is there: a message's events mostly name one BO again and again. */
    private String lastTouched;
    /** An allocation made or freed since the last check: its own checks and the next allocation's overlap change. */
    private record NewAllocation(String region, long startPage, boolean freed) {}

    private final List<NewAllocation> touchedAllocations = new ArrayList<>();
    private final Set<String> touchedSinceQuiescence = new LinkedHashSet<>();
    private final Set<String> withWaiters = new LinkedHashSet<>();
    /** BOs whose waiter queues changed since the last check (so whether they have waiters may have). */
    private final Set<String> queuesChanged = new HashSet<>();
    /** Regions and the IO manager that had events since the last check: only their accounting can have changed. */
    private final Set<String> touchedRegions = new HashSet<>();
    private boolean ioTouched;
    /**
     * The regions each BO has had an allocation or an LRU entry in (from the events): the only ones an incremental
     * check of the BO needs to look at.
     */
    private final Map<String, Set<String>> regionsOfBo = new HashMap<>();
    private final Set<Long> pending = new LinkedHashSet<>();
    /** Per region, its allocated pages in a cell of one: kept up to date per event without boxing a Long. */
    private final Map<String, long[]> usedByRegion = new HashMap<>();
    private boolean ioCountsKnown;
    private long ioReserves;
    private long ioFrees;
    private long ioUnbalancedFrees;

    /** Messages in flight the state checks tolerate: Free by region|bo|start and region|bo, Granted by BO, LruUpdate by region|bo. */
    private final Map<FreeKey, Integer> freesInFlight = new HashMap<>();
    private final Map<RegionBo, Integer> freesInFlightByBo = new HashMap<>();
    private final Map<String, List<Resource>> grantsInFlight = new HashMap<>();
    private final Map<RegionBo, ArrayDeque<Boolean>> lruUpdatesInFlight = new HashMap<>();

    /** The evaluation of {@link #checkIncremental}, reused. */
    private final Eval incremental = new Eval(null, 0, false);

    public InvariantChecker() {
        this(false);
    }

    /** {@code fullEveryMessage}: the listener runs {@link #checkFull} after every message (slow; a cross-check). */
    public InvariantChecker(boolean fullEveryMessage) {
        this.fullEveryMessage = fullEveryMessage;
    }

    public List<Violation> all() {
        return List.copyOf(found);
    }

    /** The violations found since the previous call. */
    public List<Violation> drain() {
        if (drained == found.size()) return List.of(); // nearly always (a fold drains after every entry)
        List<Violation> out = List.copyOf(found.subList(drained, found.size()));
        drained = found.size();
        return out;
    }

    private void report(String inv, String entities, long step, String detail) {
        found.add(new Violation(inv, entities, step, detail));
    }

    // ---- the SimListener adapter ---------------------------------------------------------------------------------
    @Override
    public void onSent(Simulator sim, Envelope sent) {
        onSent(sent.from(), sent.to(), sent.message());
    }

    @Override
    public void beforeApply(Simulator sim, Address entity, Event event) {
        beforeApply(sim, sim.delivered(), entity, event);
    }

    @Override
    public void afterDelivery(Simulator sim, Envelope delivered) {
        onDelivered(delivered.to(), delivered.message());
        if (fullEveryMessage) checkFull(sim, sim.delivered(), sim.idle());
        else checkIncremental(sim, sim.delivered(), sim.idle());
    }

    @Override
    public void onClientReply(Simulator sim, long requestId, boolean duplicate) {
        onClientReply(sim.delivered(), requestId, duplicate);
    }

    @Override
    public void onCorrupted(Simulator sim, Address entity, Event event) {
        touch(sim, entity, event);
    }

    /** Evaluates every invariant on the simulator's whole device now (quiescence ones if it is idle). */
    public void checkFull(Simulator sim) {
        checkFull(sim, sim.delivered(), sim.idle());
    }

    /** Evaluates what changed since the last check (quiescence ones if the simulator is idle). */
    public void checkIncremental(Simulator sim) {
        checkIncremental(sim, sim.delivered(), sim.idle());
    }

    // ---- the runtime-independent interface -------------------------------------------------------------------------
    /** A message was sent: a client request becomes pending; a Free, Granted or LruUpdate is now in flight. */
    public void onSent(Address from, Address to, Message m) {
        if (from instanceof Address.Client && !(to instanceof Address.Client) && m.requestId() >= 0) pending.add(m.requestId());
        inFlight(to, m, +1);
    }

    @Override
    public void onPendingRecovered(Simulator sim, long requestId) {
        pending.add(requestId);
    }

    /** A message was delivered and its decision applied; call {@link #checkIncremental} after it. */
    public void onDelivered(Address to, Message m) {
        inFlight(to, m, -1);
    }

    /** A client got the reply to {@code requestId}; {@code duplicate} when it had been answered before. */
    public void onClientReply(long step, long requestId, boolean duplicate) {
        if (duplicate) report(Invariant.LIVENESS, "request " + requestId, step, "request " + requestId + " answered twice");
        else pending.remove(requestId);
    }

    /**
     * Counts a tolerated message in ({@code +1}) or out ({@code -1}). Only its delivery touches the BO: a message
     * on its way only excuses a state, and the decision that sent it touched the BO already.
     */
    private void inFlight(Address to, Message m, int delta) {
        String bo;
        if (m instanceof RegionManager.Free f && to instanceof Address.Region r) {
            add(freesInFlight, new FreeKey(r.name(), f.bo(), f.startPage()), delta);
            add(freesInFlightByBo, new RegionBo(r.name(), f.bo()), delta);
            bo = f.bo();
        } else if (m instanceof RegionManager.Granted g && to instanceof Address.Bo b) {
            List<Resource> l = grantsInFlight.computeIfAbsent(b.name(), k -> new ArrayList<>(1));
            if (delta > 0) l.add(g.resource());
            else l.remove(g.resource());
            if (l.isEmpty()) grantsInFlight.remove(b.name());
            bo = b.name();
        } else if (m instanceof RegionManager.LruUpdate u && to instanceof Address.Region r) {
            RegionBo key = new RegionBo(r.name(), u.bo());
            ArrayDeque<Boolean> q = lruUpdatesInFlight.computeIfAbsent(key, k -> new ArrayDeque<>(1));
            if (delta > 0) q.addLast(u.onLru());
            else q.pollFirst();
            if (q.isEmpty()) lruUpdatesInFlight.remove(key);
            bo = u.bo();
        } else {
            return;
        }
        if (delta < 0) touchBo(bo);
    }

    /** Adds {@code bo} to {@link #touched} (an ordered set: adding it again changes nothing, so that look-up is skipped). */
    private void touchBo(String bo) {
        if (bo != null && bo.equals(lastTouched)) return;
        touched.add(bo);
        lastTouched = bo;
    }

    private static <K> void add(Map<K, Integer> counts, K key, int delta) {
        int n = counts.getOrDefault(key, 0) + delta;
        if (n <= 0) counts.remove(key);
        else counts.put(key, n);
    }

    /** Checks the transition {@code event} of {@code entity} against the state before it, and notes what it touches. */
    public void beforeApply(ModelView view, long step, Address entity, Event event) {
        if (entity instanceof Address.Bo b && event instanceof BufferObject.BoEvent e && e.guarded()) {
            // Every transition invariant is about a guarded event (a move, a pin count, a mapping...).
            BoState bo = view.bo(b.name());
            if (bo.holder() == null || unlocked(e))
                report(Invariant.RESERVATION, "bo " + bo.name(), step, event + " while " + bo.name() + " is not reserved by the acting operation");
            if (event instanceof BufferObject.Moved m) {
                if (bo.pinCount() > 0)
                    report(Invariant.PINNED_STAYS, "bo " + bo.name(), step, "pinned (pinCount " + bo.pinCount() + ") BO moved " + m.from() + " -> " + m.to());
                if (bo.mapped() || bo.kmapCount() > 0)
                    report(Invariant.UNMAP_BEFORE_MOVE, "bo " + bo.name(), step, "moved " + m.from() + " -> " + m.to() + " with "
                            + (bo.mapped() ? "a user mapping" : bo.kmapCount() + " kmap(s)") + " still in place");
                if (m.to() != null && bo.ioRefs() > 0)
                    report(Invariant.FRESH_RESOURCE, "bo " + bo.name(), step, "new resource " + m.to() + " starts with " + bo.ioRefs() + " IO reference(s)");
                fenceSafety(view, step, bo, m);
            }
            if (event instanceof BufferObject.PinChanged p && p.pinCount() < 0)
                report(Invariant.PIN_COUNT, "bo " + bo.name(), step, "pinCount would become " + p.pinCount());
        } else if (entity instanceof Address.Region r && event instanceof RegionManager.Freed f) {
            RegionState region = view.region(r.name());
            FenceSet u = fences.uncovered(view, r.name(), f.startPage(), f.startPage() + f.pages(), region.moveFence());
            if (!u.isEmpty())
                report(Invariant.FENCE_SAFETY, "region " + r.name() + ", " + (region.isGhost(f.bo()) ? f.bo() : "bo " + f.bo()), step, r.name() + "["
                        + f.startPage() + ".." + (f.startPage() + f.pages()) + ") freed by " + f.bo() + " while fences " + u
                        + " of the GPU work on it are unsignalled (and the region's move fence " + region.moveFence() + " does not carry them)");
        } else if (entity instanceof Address.Io) {
            IoState io = view.io();
            if (event instanceof IoManager.FreeCalled f && !f.outstanding())
                report(Invariant.IO_BALANCE, "bo " + f.bo() + ", io", step, "io_mem_free called for " + f.bo() + " which holds no IO reservation");
            if (event instanceof IoManager.ReserveCalled r && io.isReserved(r.bo()))
                report(Invariant.IO_BALANCE, "bo " + r.bo() + ", io", step, "io_mem_reserve called again for " + r.bo() + " while it is reserved");
        }
        touch(view, entity, event);
    }

    /**
     * INV-14 on a move: pages the BO leaves while busy stay in use until its fences signal; pages it is given must
     * not be in use by fences it does not carry as its move fence.
     */
    private void fenceSafety(ModelView view, long step, BoState bo, BufferObject.Moved m) {
        if (m.to() != null) {
            FenceSet u = fences.uncovered(view, m.to().region(), m.to().startPage(), m.to().endPage(), m.moveFence());
            if (!u.isEmpty())
                report(Invariant.FENCE_SAFETY, "bo " + bo.name() + ", region " + m.to().region(), step, bo.name() + " is given " + m.to()
                        + " while fences " + u + " of a former holder's GPU work are unsignalled, and its move fence " + m.moveFence() + " does not carry them");
        }
        if (m.from() != null) {
            FenceSet busy = bo.busyFences();
            if (!busy.isEmpty()) fences.left(m.from(), busy);
        }
    }

    /** The v3-atomic driver's kmap bookkeeping, done outside the BO reservation. */
    private static boolean unlocked(BufferObject.BoEvent e) {
        return (e instanceof BufferObject.KmapChanged k && k.unlocked()) || (e instanceof BufferObject.IoRefsChanged i && i.unlocked());
    }

    /** Notes what {@code event} (not yet applied) changes, and keeps the region sums and IO call counts. */
    private void touch(ModelView view, Address entity, Event event) {
        if (entity instanceof Address.Bo b) {
            if (changesQueues(event)) queuesChanged.add(b.name());
            if (bookkeepingOnly(event) || holderOnly(view, b.name(), event)) touchedSinceQuiescence.add(b.name());
            else touchBo(b.name());
        } else if (entity instanceof Address.Region r) {
            touchedRegions.add(r.name());
            if (event instanceof RegionManager.Allocated a) {
                residesIn(a.allocation().bo(), r.name());
                usedCell(view, r.name())[0] += a.allocation().pages();
                touchBo(a.allocation().bo());
                touchedAllocations.add(new NewAllocation(r.name(), a.allocation().startPage(), false));
            } else if (event instanceof RegionManager.Freed f) {
                usedCell(view, r.name())[0] -= f.pages();
                touchBo(f.bo());
                touchedAllocations.add(new NewAllocation(r.name(), f.startPage(), true)); // its own checks end
            } else if (event instanceof RegionManager.Ghosted g) {
                residesIn(g.ghost(), r.name());
                touchBo(g.bo());
                touchBo(g.ghost());
            } else if (event instanceof RegionManager.LruMoved m) {
                residesIn(m.bo(), r.name());
                touchBo(m.bo());
            }
        } else if (entity instanceof Address.Io) {
            ioTouched = true;
            IoState io = view.io();
            if (event instanceof IoManager.ReserveCalled rc) {
                ioCounts(io);
                ioReserves++;
                touchBo(rc.bo());
            } else if (event instanceof IoManager.FreeCalled f) {
                ioCounts(io);
                ioFrees++;
                if (!io.isReserved(f.bo())) ioUnbalancedFrees++;
                touchBo(f.bo());
            }
        }
    }

    /**
     * Events that change nothing a BO's state invariants read (its queues, the phase of its operation, warnings;
     * and, see {@link #holderOnly}, its holder unless it was destroyed): the BO needs no state check for them, only
     * its liveness check at the next quiescence.
     */
    private static boolean bookkeepingOnly(Event e) {
        return changesQueues(e) && !(e instanceof BufferObject.Created || e instanceof BufferObject.DestroyMarked)
                || e instanceof BufferObject.OpChanged || e instanceof BufferObject.LooseOpChanged || e instanceof BufferObject.Warned;
    }

    /** Who holds the reservation matters to a state invariant only for a destroyed BO (INV-13). */
    private static boolean holderOnly(ModelView view, String bo, Event e) {
        if (!(e instanceof BufferObject.Reserved || e instanceof BufferObject.Released)) return false;
        BoState s = view.bo(bo);
        return s != null && !s.destroyed();
    }

    private static boolean changesQueues(Event e) {
        return e instanceof BufferObject.Queued || e instanceof BufferObject.Dequeued || e instanceof BufferObject.Unqueued
                || e instanceof BufferObject.Adopted || e instanceof BufferObject.Deferred || e instanceof BufferObject.Undeferred
                || e instanceof BufferObject.Created || e instanceof BufferObject.DestroyMarked;
    }

    private void residesIn(String bo, String region) {
        regionsOfBo.computeIfAbsent(bo, k -> new LinkedHashSet<>(4)).add(region);
    }

    /** The checker's own sum of a region's allocated pages (taken from the region once, then kept from events). */
    private long used(RegionState r) {
        long[] u = usedByRegion.get(r.name());
        return u != null ? u[0] : usedCell(r)[0];
    }

    /** {@link #used}'s cell for region {@code name}, made from the region in {@code view} if need be. */
    private long[] usedCell(ModelView view, String name) {
        long[] u = usedByRegion.get(name);
        return u != null ? u : usedCell(view.region(name));
    }

    private long[] usedCell(RegionState r) {
        long sum = 0;
        for (RegionManager.Allocation a : r.allocations().values()) sum += a.pages();
        long[] u = {sum};
        usedByRegion.put(r.name(), u);
        return u;
    }

    private void ioCounts(IoState io) {
        if (ioCountsKnown) return;
        ioCountsKnown = true;
        ioReserves = io.reserveCalls();
        ioFrees = io.freeCalls();
        ioUnbalancedFrees = io.unbalancedFrees();
    }

    /**
     * The model was rebuilt from journals (a restart) instead of being watched event by event: what the incremental
     * checks keep from events is taken from the state instead — the regions each BO has pages or an LRU entry in, the
     * region sums and IO call counts (read again when next needed), and for INV-14 the pages ghosts hold with their
     * fences not yet signalled (pages freed at once under a region's move fence are not known again until new events
     * name them) — and every state invariant is evaluated on the recovered device. Call it once every entity is
     * recovered, before the first new message.
     */
    public void recovered(ModelView view, long step) {
        regionsOfBo.clear();
        usedByRegion.clear();
        ioCountsKnown = false;
        fences.clear();
        for (RegionState r : view.regions()) {
            for (RegionManager.Allocation a : r.allocations().values()) residesIn(a.bo(), r.name());
            for (String bo : r.lruOrderWithGhosts()) residesIn(bo, r.name());
            for (Map.Entry<String, FenceSet> g : r.ghosts().entrySet()) {
                FenceSet pending = FenceSafety.unsignaled(view, g.getValue());
                if (pending.isEmpty()) continue;
                for (RegionManager.Allocation a : r.allocationsOf(g.getKey()))
                    fences.left(new Resource(r.name(), a.startPage(), a.pages(), a.fpfn(), a.lpfn()), pending);
            }
        }
        checkFull(view, step, false);
    }

    // ---- evaluation ------------------------------------------------------------------------------------------------
    /**
     * Evaluates the state invariants for what changed since the previous check; with {@code quiescent} (nothing in
     * flight) also liveness for what changed since the previous quiescence. Cost: proportional to what changed.
     */
    public void checkIncremental(ModelView view, long step, boolean quiescent) {
        if (!quiescent && touched.isEmpty() && touchedAllocations.isEmpty() && queuesChanged.isEmpty()
                && touchedRegions.isEmpty() && !ioTouched) return; // nothing a state invariant reads has changed
        Eval ev = incremental.reset(view, step); // one per checker: this runs after every message
        for (NewAllocation ta : touchedAllocations) {
            RegionState r = view.region(ta.region());
            if (r == null) continue;
            if (ta.freed()) {
                ev.allocationGone(r, ta.startPage()); // a free cannot make its neighbour overlap anything
                continue;
            }
            RegionManager.Allocation at = r.allocationAt(ta.startPage());
            if (at == null) {
                ev.allocationGone(r, ta.startPage()); // made and freed since the last check
                continue;
            }
            ev.allocationShape(r, at, r.allocationBefore(at.startPage()));
            RegionManager.Allocation after = r.allocationAfter(at.startPage());
            if (after != null) ev.allocationShape(r, after, at);
        }
        touchedAllocations.clear();
        for (String bo : touched) {
            ev.bo(bo);
            touchedSinceQuiescence.add(bo);
        }
        touched.clear();
        lastTouched = null;
        if (!queuesChanged.isEmpty()) {
            for (String bo : queuesChanged) noteWaiters(view.bo(bo));
            queuesChanged.clear();
        }
        if (!touchedRegions.isEmpty()) {
            for (RegionState r : view.regions()) if (touchedRegions.contains(r.name())) ev.region(r);
            touchedRegions.clear();
        }
        if (ioTouched) ev.io();
        ioTouched = false;
        if (quiescent) {
            for (String bo : touchedSinceQuiescence) ev.quiescentBo(bo);
            touchedSinceQuiescence.clear();
            List<BoState> waiting = new ArrayList<>(withWaiters.size());
            for (String name : withWaiters) waiting.add(view.bo(name));
            ev.quiescentDevice(waiting);
        }
    }

    /**
     * Evaluates every invariant on the whole device now (liveness too when {@code quiescent}): what
     * {@code expect invariants ok} and the end of a run use. Cost: proportional to the device.
     */
    public void checkFull(ModelView view, long step, boolean quiescent) {
        Eval ev = new Eval(view, step, true);
        touchedSinceQuiescence.addAll(touched);
        touched.clear();
        lastTouched = null;
        touchedAllocations.clear();
        touchedRegions.clear();
        queuesChanged.clear();
        ioTouched = false;
        Set<String> names = new LinkedHashSet<>();
        for (RegionState r : view.regions()) {
            for (RegionManager.Allocation a : r.allocations().values()) names.add(a.bo());
            names.addAll(r.lruOrder());
        }
        withWaiters.clear();
        for (BoState bo : view.bos()) {
            names.add(bo.name());
            noteWaiters(bo);
        }
        for (Subject subject : List.copyOf(activeBySubject.keySet()))
            if (subject.kind().equals(BO)) names.add(subject.name());
        for (RegionState r : view.regions()) {
            RegionManager.Allocation prev = null;
            for (RegionManager.Allocation a : r.allocations().values()) {
                ev.allocationShape(r, a, prev); // against the one just before it, as the incremental check does
                prev = a;
            }
        }
        for (Subject subject : List.copyOf(activeBySubject.keySet())) {
            RegionState r = subject.kind().equals(ALLOC) ? view.region(subject.name()) : null;
            if (r != null && r.allocationAt(subject.page()) == null) ev.allocationGone(r, subject.page()); // freed since
        }
        for (String bo : names) ev.bo(bo);
        for (RegionState r : view.regions()) ev.region(r);
        ev.io();
        if (quiescent) {
            touchedSinceQuiescence.clear();
            Set<String> q = new LinkedHashSet<>();
            for (BoState bo : view.bos()) q.add(bo.name());
            for (Subject subject : List.copyOf(activeBySubject.keySet()))
                if (subject.kind().equals(QBO)) q.add(subject.name());
            for (String bo : q) ev.quiescentBo(bo);
            ev.quiescentDevice(view.bos());
        }
    }

    private void noteWaiters(BoState bo) {
        if (bo == null) return;
        if (bo.created() && bo.waiterCount() + bo.deferredCount() > 0) withWaiters.add(bo.name());
        else withWaiters.remove(bo.name());
    }

    private static final String BO = "bo";
    private static final String QBO = "q-bo";
    private static final String ALLOC = "alloc";
    private static final Subject IO_SUBJECT = new Subject("io", "");
    private static final Subject DEADLOCK_SUBJECT = new Subject("q", "deadlock");
    private static final Subject WALKS_SUBJECT = new Subject("q", "walks");
    private static final Subject REQUESTS_SUBJECT = new Subject("q", "requests");

    /**
     * Replaces the violations {@code subject} holds active with {@code now} (null: none); reports those that are
     * new. The common case — no violation before or now — allocates nothing.
     */
    private void settle(Subject subject, Map<String, Violation> now) {
        if (now == null && activeBySubject.isEmpty()) return; // the usual case: nothing was wrong, nothing is
        Set<String> before = activeBySubject.get(subject);
        if (before == null && now == null) return;
        if (now == null) now = Map.of();
        for (Map.Entry<String, Violation> e : now.entrySet()) {
            if (before != null && before.contains(e.getKey())) continue;
            int n = activeCount.getOrDefault(e.getKey(), 0);
            if (n == 0) found.add(e.getValue());
            activeCount.put(e.getKey(), n + 1);
        }
        if (before != null)
            for (String k : before) if (!now.containsKey(k)) add(activeCount, k, -1);
        if (now.isEmpty()) activeBySubject.remove(subject);
        else activeBySubject.put(subject, new HashSet<>(now.keySet()));
    }

    /** One evaluation: per-subject checks against the view, with the messages in flight taken into account. */
    private final class Eval {
        ModelView view;
        long step;
        boolean full;
        Map<String, Violation> now;

        Eval(ModelView view, long step, boolean full) {
            this.view = view;
            this.step = step;
            this.full = full;
        }

        /**
         * Made ready for another incremental check, as a new one would be: every field that an evaluation fills in
         * ({@link #now}, {@link #home}..., {@link #fenceWaits}) is emptied.
         */
        Eval reset(ModelView view, long step) {
            this.view = view;
            this.step = step;
            this.full = false;
            now = null;
            home = null;
            homeAllocation = null;
            homeOnLru = false;
            fenceWaits = null;
            return this;
        }

        void violated(String inv, String entities, String detail) {
            if (now == null) now = new LinkedHashMap<>();
            now.putIfAbsent(inv + "|" + entities, new Violation(inv, entities, step, detail));
        }

        boolean grantArriving(String bo, String region, long startPage) {
            List<Resource> l = grantsInFlight.get(bo);
            if (l == null) return false;
            for (Resource g : l) if (g.region().equals(region) && (startPage < 0 || g.startPage() == startPage)) return true;
            return false;
        }

        boolean anyFree(String region, String bo) {
            return freesInFlightByBo.containsKey(new RegionBo(region, bo));
        }

        Boolean lastLruUpdate(String region, String bo) {
            ArrayDeque<Boolean> q = lruUpdatesInFlight.get(new RegionBo(region, bo));
            return q == null ? null : q.peekLast();
        }

        /** Everything about one BO: its allocations and LRU entries in every region, and its own state. */
        /** What {@link #boInRegion} saw of the region the BO's resource is in (so that boState need not look again). */
        private RegionState home;
        private RegionManager.Allocation homeAllocation;
        private boolean homeOnLru;

        void bo(String name) {
            now = null;
            home = null;
            BoState bo = view.bo(name);
            if (full) {
                for (RegionState r : view.regions()) boInRegion(r, name, bo);
            } else {
                Set<String> where = regionsOfBo.get(name);
                if (where != null) for (String rn : where) boInRegion(view.region(rn), name, bo);
            }
            if (bo != null && bo.created()) boState(bo);
            settle(new Subject(BO, name), now);
        }

        /** The BO's allocations and LRU entry in one region. */
        private void boInRegion(RegionState r, String name, BoState bo) {
            Resource res = bo == null ? null : bo.resource();
            boolean isHome = res != null && res.region().equals(r.name());
            RegionManager.Allocation atResource = null;
            List<RegionManager.Allocation> allocations = r.allocationsOf(name);
            for (int i = 0; i < allocations.size(); i++) {
                RegionManager.Allocation a = allocations.get(i);
                allocation(r, a, bo);
                if (isHome && a.startPage() == res.startPage()) atResource = a;
            }
            boolean onLru = r.onLru(name);
            if (onLru) lruEntry(r, name, bo, !allocations.isEmpty());
            if (isHome) {
                home = r;
                homeAllocation = atResource != null ? atResource : r.allocationAt(res.startPage()); // another BO's?
                homeOnLru = onLru;
            }
        }

        /**
         * An allocation's own shape: inside its region, inside its place's range, not overlapping the one before.
         * A subject of its own, checked when it or the allocation before it changes (or it is freed).
         */
        void allocationShape(RegionState r, RegionManager.Allocation a, RegionManager.Allocation prev) {
            now = null;
            String rn = r.config().name();
            long size = r.config().sizePages();
            long end = a.startPage() + a.pages();
            if (a.startPage() < 0 || end > size) violated(Invariant.CAPACITY, where(rn, a.bo()), "allocation " + a.startPage() + ".." + end + " outside the region's " + size + " pages");
            if (prev != null && prev.endPage() > a.startPage())
                violated(Invariant.CAPACITY, where(rn, a.bo()), "allocation at " + a.startPage() + " overlaps the previous one ending at " + prev.endPage());
            if (a.startPage() < a.fpfn() || end > a.lpfn()) violated(Invariant.RANGE, where(rn, a.bo()), "allocation " + a.startPage() + ".." + end + " outside its place's range " + a.fpfn() + ".." + a.lpfn());
            settle(new Subject(ALLOC, rn, a.startPage()), now);
        }

        /** The allocation at {@code startPage} is gone: whatever its shape checks held active ends. */
        void allocationGone(RegionState r, long startPage) {
            settle(new Subject(ALLOC, r.name(), startPage), null);
        }

        /** An allocation belongs to the BO it names (or one is on its way to it, or its free is on its way). */
        void allocation(RegionState r, RegionManager.Allocation a, BoState bo) {
            String rn = r.config().name();
            Resource res = bo == null ? null : bo.resource();
            boolean held = res != null && res.region().equals(rn) && res.startPage() == a.startPage()
                    || r.isGhost(a.bo()) || pendingGrant(bo, rn, a.startPage());
            // The tolerances (a grant or a free on its way) are looked up only for what would otherwise be a violation.
            if (!held && !grantArriving(a.bo(), rn, a.startPage()) && !freesInFlight.containsKey(new FreeKey(rn, a.bo(), a.startPage())))
                violated(Invariant.SINGLE_RESIDENCE, where(rn, a.bo()), "allocation " + rn + "[" + a.startPage() + "+" + a.pages() + ") is held by no BO (" + a.bo() + " has " + res + ")");
        }

        void lruEntry(RegionState r, String name, BoState bo, boolean allocated) {
            String rn = r.config().name();
            if (r.isGhost(name)) return; // a ghost is on the LRU from the moment it holds pages until they are free
            if (bo == null || !allocated) {
                violated(Invariant.LRU, where(rn, name), name + " is on the LRU of " + rn + " without an allocation there");
                return;
            }
            if (bo.pinCount() > 0 && lastLruUpdate(rn, name) != Boolean.FALSE && !anyFree(rn, name)) // not leaving
                violated(Invariant.LRU, where(rn, name), "pinned " + name + " is on the LRU of " + rn);
            if ((bo.resource() == null || !bo.resource().region().equals(rn)) && !anyFree(rn, name) && !grantArriving(name, rn, -1)
                    && !pendingGrant(bo, rn, -1))
                violated(Invariant.LRU, where(rn, name), name + " is on the LRU of " + rn + " but resident in " + bo.resource());
        }

        /** A resource granted to {@code bo}'s operation that it has not moved into yet (TT pages being populated, a multihop). */
        boolean pendingGrant(BoState bo, String region, long startPage) {
            BufferObject.Running op = bo == null ? null : bo.op();
            if (op == null) return false;
            for (RegionManager.Granted g : new RegionManager.Granted[] {op.target(), op.hop()}) {
                if (g != null && g.resource().region().equals(region) && (startPage < 0 || g.resource().startPage() == startPage)) return true;
            }
            return false;
        }

        /** The entities a violation about {@code bo} in region {@code rn} names (built only when one is found). */
        private String where(String rn, String bo) {
            return "region " + rn + ", bo " + bo;
        }

        void boState(BoState bo) {
            Resource res = bo.resource();
            if (bo.pinCount() < 0) violated(Invariant.PIN_COUNT, "bo " + bo.name(), "pinCount " + bo.pinCount());
            if (res != null) {
                RegionState r = home != null ? home : view.region(res.region());
                RegionManager.Allocation a = home != null ? homeAllocation : r == null ? null : r.allocationAt(res.startPage());
                boolean onLru = home != null ? homeOnLru : r != null && r.onLru(bo.name());
                if (a == null || !a.bo().equals(bo.name()) || a.pages() != res.pages())
                    violated(Invariant.SINGLE_RESIDENCE, "bo " + bo.name() + ", region " + res.region(), bo.name() + " holds " + res + " but the region has " + a);
                if (res.startPage() < res.fpfn() || res.endPage() > res.lpfn())
                    violated(Invariant.RANGE, "bo " + bo.name(), res + " outside its place's range " + res.fpfn() + ".." + res.lpfn());
                boolean evictable = bo.pinCount() == 0;
                if (r != null && evictable && !onLru && lastLruUpdate(res.region(), bo.name()) != Boolean.TRUE)
                    violated(Invariant.LRU, "bo " + bo.name() + ", region " + res.region(), "resident, unpinned " + bo.name() + " is on no LRU");
            }
            boolean kmapped = bo.kmapCount() > 0;
            if (bo.mapped() || kmapped) {
                String what = bo.mapped() ? "user mapping" : bo.kmapCount() + " kmap(s)";
                if (!view.device().cpuVisible(res)) violated(Invariant.CPU_VISIBLE, "bo " + bo.name(), what + " of " + res + " which is not entirely CPU-visible");
                else if (!view.io().isReserved(bo.name())) violated(Invariant.CPU_VISIBLE, "bo " + bo.name() + ", io", what + " of " + res + " without an IO reservation");
            }
            if (bo.destroyed()) {
                if (bo.mapped() || kmapped) violated(Invariant.DELETED, "bo " + bo.name(), "destroyed " + bo.name() + " still mapped");
                if (res != null && !bo.busy() && bo.holder() == null) violated(Invariant.DELETED, "bo " + bo.name(), "destroyed, idle " + bo.name() + " still holds " + res);
            }
        }

        /** A region's page accounting: the checker's own sum (or, in a full check, the allocations' sum). */
        void region(RegionState r) {
            now = null;
            long size = r.config().sizePages();
            long sum;
            if (full) {
                sum = 0;
                for (RegionManager.Allocation a : r.allocations().values()) sum += a.pages();
            } else {
                sum = used(r);
            }
            if (sum != r.usedPages()) violated(Invariant.CAPACITY, "region " + r.config().name(), "usage " + r.usedPages() + " pages but allocations sum to " + sum);
            if (r.usedPages() > size) violated(Invariant.CAPACITY, "region " + r.config().name(), "usage " + r.usedPages() + " exceeds size " + size);
            if (r.freePages() + r.usedPages() != size) violated(Invariant.CAPACITY, "region " + r.config().name(), "free " + r.freePages() + " + used " + r.usedPages() + " != size " + size);
            settle(new Subject("region", r.config().name()), now);
        }

        /** io_mem_reserve − balanced io_mem_free = BOs reserved (counts kept from events, or the IO state's in a full check). */
        void io() {
            now = null;
            IoState io = view.io();
            long reserves;
            long frees;
            long unbalanced;
            if (full || !ioCountsKnown) {
                reserves = io.reserveCalls();
                frees = io.freeCalls();
                unbalanced = io.unbalancedFrees();
            } else {
                reserves = ioReserves;
                frees = ioFrees;
                unbalanced = ioUnbalancedFrees;
            }
            if (reserves - (frees - unbalanced) != io.reservedCount())
                violated(Invariant.IO_BALANCE, "io", "io_mem_reserve " + reserves + " - io_mem_free " + frees
                        + " (" + unbalanced + " unbalanced) != " + io.reservedCount() + " BOs reserved");
            settle(IO_SUBJECT, now);
        }

        /** At quiescence, one BO: no operation left running, its IO calls and references balanced. */
        void quiescentBo(String name) {
            now = null;
            BoState bo = view.bo(name);
            if (bo != null && bo.created()) {
                IoState io = view.io();
                if (bo.op() != null && !fenceWaits().bos.contains(bo.name()) && !waitsForVictimLock(bo))
                    violated(Invariant.LIVENESS, "bo " + bo.name(), bo.name() + " is stuck in " + bo.op().phase() + " of " + bo.op().cmd());
                boolean reserved = io.isReserved(bo.name());
                IoState.Calls calls = io.callsOf(bo.name());
                if (calls.outstanding() != (reserved ? 1 : 0))
                    violated(Invariant.IO_BALANCE, "bo " + bo.name() + ", io", bo.name() + ": " + calls.reserves() + " io_mem_reserve and "
                            + calls.frees() + " io_mem_free calls, yet " + (reserved ? "reserved" : "not reserved"));
                if ((bo.ioRefs() > 0) != reserved)
                    violated(Invariant.IO_BALANCE, "bo " + bo.name() + ", io", bo.name() + " has " + bo.ioRefs() + " IO reference(s) but the driver "
                            + (reserved ? "holds" : "holds no") + " reservation for it");
            }
            settle(new Subject(QBO, name), now);
        }

        /** At quiescence, the device: deadlocks among {@code waiting}, walks left open, requests waiting for nothing. */
        void quiescentDevice(Iterable<BoState> waiting) {
            now = null;
            deadlocks(waiting);
            settle(DEADLOCK_SUBJECT, now);
            now = null;
            for (RegionState r : view.regions())
                if (r.walk() != null && !fenceWaits().regions.contains(r.name()))
                    violated(Invariant.LIVENESS, "region " + r.config().name(), "eviction walk never finished: " + r.walk());
            settle(WALKS_SUBJECT, now);
            now = null;
            if (!pending.isEmpty()) {
                Set<Long> parked = new HashSet<>();
                for (BoState bo : waiting) if (bo != null && bo.created()) parked.addAll(bo.parkedRequests());
                for (long id : pending)
                    if (!parked.contains(id) && !fenceWaits().requests.contains(id)) violated(Invariant.LIVENESS, "request " + id, "request " + id + " has no reply and waits for nothing");
            }
            settle(REQUESTS_SUBJECT, now);
        }

        /** A ticketed walk's lock on its victim, queued at the victim: a wait for a reservation, not a stuck operation. */
        boolean waitsForVictimLock(BoState bo) {
            BufferObject.Running op = bo.op();
            if (op.phase() != BufferObject.Phase.LOCK_VICTIM || op.locked() == null) return false;
            BoState victim = view.bo(op.locked());
            return victim != null && victim.parkedRequests().contains(op.requestId());
        }

        private FenceWaits fenceWaits;

        /** What waits for an unsignalled fence at this quiescence (computed once per evaluation, when needed). */
        FenceWaits fenceWaits() {
            if (fenceWaits == null) fenceWaits = FenceWaits.of(view);
            return fenceWaits;
        }

        /**
         * A cycle of ticket holders each queued for a BO that the next one holds never resolves. Wait-die makes it
         * impossible: a ticketed waiter that holds something (its reserve's {@code acquired} > 0) is older than a
         * ticketed holder (else it died on arrival, or when that holder took the BO), and one that holds nothing
         * closes no cycle; so along a cycle the tickets would have to keep getting older. One is a model bug, or a
         * client whose reserve said it held nothing while it went on reserving (a ww_acquire_ctx waits for one lock
         * at a time). (Owners that reserve without tickets can deadlock by their own ABBA ordering, and ticketless
         * holders can block tickets for as long as they like; that is the client's doing and not reported here.)
         */
        void deadlocks(Iterable<BoState> bos) {
            Map<String, Set<String>> waitsFor = new LinkedHashMap<>();
            for (BoState bo : bos) {
                if (bo == null || !bo.created() || bo.holder() == null || bo.holder().ticket() == null) continue;
                for (BufferObject.Reserve w : bo.ticketedWaiters())
                    if (!w.owner().equals(bo.holder().owner())) waitsFor.computeIfAbsent(w.owner(), k -> new LinkedHashSet<>()).add(bo.holder().owner());
            }
            Set<String> done = new HashSet<>();
            for (String start : waitsFor.keySet()) {
                List<String> cycle = cycleFrom(start, waitsFor, new ArrayList<>(), done);
                if (cycle != null) {
                    violated(Invariant.LIVENESS, "owners " + String.join(",", cycle), "deadlock: " + String.join(" -> ", cycle)
                            + " (each waits for a reservation the next one holds)");
                    return;
                }
            }
        }

        List<String> cycleFrom(String at, Map<String, Set<String>> g, List<String> path, Set<String> done) {
            int i = path.indexOf(at);
            if (i >= 0) {
                List<String> c = new ArrayList<>(path.subList(i, path.size()));
                c.add(at);
                return c;
            }
            if (done.contains(at)) return null;
            path.add(at);
            for (String n : g.getOrDefault(at, Set.of())) {
                List<String> c = cycleFrom(n, g, path, done);
                if (c != null) return c;
            }
            path.remove(path.size() - 1);
            done.add(at);
            return null;
        }
    }

    /**
     * What legitimately waits, at quiescence, for a fence not yet signalled (INV-12 accepts it): a region whose walk
     * waits for a ghost; the requests of that walk and those deferred behind it; the BOs whose operation waits for
     * such a request; and, through a victim BO that waits so, the region whose walk asked it to leave.
     */
    static final class FenceWaits {
        final Set<String> regions = new HashSet<>();
        final Set<String> bos = new HashSet<>();
        final Set<Long> requests = new HashSet<>();

        static FenceWaits of(ModelView view) {
            FenceWaits w = new FenceWaits();
            ArrayDeque<RegionState> work = new ArrayDeque<>();
            for (RegionState r : view.regions()) {
                for (Map.Entry<String, List<Message>> p : r.parked().entrySet()) {
                    FenceSet ghost = r.ghosts().get(p.getKey());
                    if (ghost == null || ghost.isEmpty()) continue; // freed: the requests are on their way back
                    for (Message m : p.getValue()) w.waiting(view, m, work);
                }
            }
            while (!work.isEmpty()) {
                RegionState r = work.poll();
                List<Message> requests = new ArrayList<>(r.deferredRequests());
                requests.add(r.walk().request());
                for (Message m : requests) w.waiting(view, m, work);
            }
            return w;
        }

        /**
         * Request {@code m} of a region waits for a fence: so does the BO operation that sent it, and, if that BO is a
         * victim evicting itself, the walk (and region) that asked it to leave.
         */
        private void waiting(ModelView view, Message m, ArrayDeque<RegionState> work) {
            requests.add(m.requestId());
            if (!(m instanceof RegionManager.Alloc a)) return;
            BoState bo = view.bo(a.bo());
            if (bo == null || bo.op() == null || bo.op().requestId() != a.requestId() || !bos.add(bo.name())) return;
            if (bo.op().cmd() instanceof BufferObject.Evict e) {
                RegionState asker = view.region(e.region());
                if (asker != null && asker.walk() != null && bo.name().equals(asker.walk().victim()) && regions.add(asker.name()))
                    work.add(asker);
            }
        }
    }
}
