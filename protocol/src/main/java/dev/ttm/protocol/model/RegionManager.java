package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A region (TTM resource manager) as a state machine: the page-range allocator, the per-priority LRU lists
 * and the eviction walk. One allocation request is served at a time; while a walk waits for a victim,
 * further requests are deferred, so the space a victim frees is held for the request that evicted it.
 */
public final class RegionManager implements Entity {
    public static final int PRIORITIES = 4;

    // ---- messages ------------------------------------------------------------------------------
    /** Allocate {@code pages} in {@code [fpfn, lpfn)} for a BO; pass 2 may evict. Answered by Granted or Refused. */
    public record Alloc(String bo, long pages, int priority, Place place, long fpfn, long lpfn, int pass,
                        boolean nowait, boolean pinned, long requestId, Address replyTo) implements Message {}
    public record Granted(Resource resource, long requestId) implements Message {}
    /** {@code ENOMEM}: no space (the BO's validate goes on with the next place); {@code EBUSY}: allocator busy. */
    public record Refused(Outcome outcome, String reason, boolean busyVictims, long requestId) implements Message {}
    /** A BO gives back one of its allocations (after a move, purge or destroy). */
    public record Free(String bo, long startPage, long pages) implements Message {}
    /** Put the BO at the tail of its priority's LRU list, or take it off (pinned). */
    public record LruUpdate(String bo, int priority, boolean onLru) implements Message {}
    /** A victim's answer to {@link BufferObject.Evict}. */
    public record VictimDone(String bo, boolean evicted, boolean busy, String reason) implements Message {}
    /** Evict every unpinned BO of the region (suspend, teardown). */
    public record EvictAll(long requestId, Address replyTo) implements Message {}
    /** Populate a BO's pages on a CPU access (only SYSTEM can fail it: an injected nospace). */
    public record Populate(String bo, long requestId) implements Message {}
    public record Populated(boolean ok, long requestId) implements Message {}

    // ---- events --------------------------------------------------------------------------------
    public record Allocation(String bo, long startPage, long pages, long fpfn, long lpfn) {}
    public record Allocated(Allocation allocation, int priority, boolean onLru) implements Event {}
    public record Freed(String bo, long startPage, long pages) implements Event {}
    public record LruMoved(String bo, int priority, boolean onLru) implements Event {}
    public record Walk(Address requester, Alloc request, EvictAll evictAll, List<String> candidates, int next,
                       String victim, boolean skippedBusy) {
        Walk advance(String v) {
            return new Walk(requester, request, evictAll, candidates, next + 1, v, skippedBusy);
        }

        Walk settled(boolean busy) {
            return new Walk(requester, request, evictAll, candidates, next, null, skippedBusy || busy);
        }
    }
    public record WalkChanged(Walk walk) implements Event {}
    public record Deferred(Address from, Message message) implements Event {}
    public record Resumed() implements Event {}
    public record InjectionUsed(int index) implements Event {}

    private record Pending(Address from, Message message) {}

    // ---- state ---------------------------------------------------------------------------------
    private final RegionConfig config;
    private final Address address;
    private final RangeAllocator allocator;
    private final TreeMap<Long, Allocation> allocations = new TreeMap<>();
    private final Map<String, List<Long>> startsByBo = new HashMap<>();
    private final List<LinkedHashSet<String>> lru = new ArrayList<>();
    private final Map<String, Integer> lruPriority = new HashMap<>();
    private final ArrayDeque<Pending> deferred = new ArrayDeque<>();
    private final Injections injections;
    private long usedPages;
    private Walk walk;

    public RegionManager(RegionConfig config, List<Injection> injections) {
        this.config = config;
        this.address = new Address.Region(config.name());
        this.allocator = new RangeAllocator(config.sizePages());
        this.injections = new Injections(injections);
        for (int i = 0; i < PRIORITIES; i++) lru.add(new LinkedHashSet<>());
    }

    @Override
    public Address address() {
        return address;
    }

    public RegionConfig config() { return config; }
    public long usedPages() { return usedPages; }
    public RangeAllocator allocator() { return allocator; }
    public Walk walk() { return walk; }
    public int deferredCount() { return deferred.size(); }

    public Map<Long, Allocation> allocations() {
        return Collections.unmodifiableMap(allocations);
    }

    public boolean onLru(String bo) {
        return lruPriority.containsKey(bo);
    }

    /** LRU order, least recently used first, priority 0's list before 1, 2, 3. */
    public List<String> lruOrder() {
        List<String> out = new ArrayList<>();
        for (LinkedHashSet<String> l : lru) out.addAll(l);
        return out;
    }

    /** The BO's allocations here: one, or two while it moves within the region. */
    public List<Allocation> allocationsOf(String bo) {
        List<Long> starts = startsByBo.get(bo);
        if (starts == null) return List.of();
        List<Allocation> out = new ArrayList<>(starts.size());
        for (long s : starts) out.add(allocations.get(s));
        return out;
    }

    // ---- handle --------------------------------------------------------------------------------
    @Override
    public void handle(Address from, Message message, Ctx ctx) {
        if (message instanceof Free f) {
            onFree(f, ctx);
        } else if (message instanceof LruUpdate u) {
            onLruUpdate(u, ctx);
        } else if (message instanceof VictimDone v) {
            onVictimDone(v, ctx);
        } else if (message instanceof Populate p) {
            onPopulate(from, p, ctx);
        } else if (message instanceof Alloc || message instanceof EvictAll) {
            if (walk != null) {
                ctx.emit(new Deferred(from, message));
            } else {
                serve(from, message, ctx);
            }
        } else {
            throw new IllegalArgumentException("region " + config.name() + ": unexpected " + message);
        }
    }

    private void serve(Address from, Message message, Ctx ctx) {
        if (message instanceof Alloc a) {
            onAlloc(from, a, ctx);
        } else {
            onEvictAll(from, (EvictAll) message, ctx);
        }
    }

    private void onAlloc(Address from, Alloc a, Ctx ctx) {
        assert a.pages() > 0 && a.fpfn() < a.lpfn() : "malformed alloc " + a;
        // SYSTEM's resource allocation never fails for space: there an injected nospace hits page population.
        int inj = config.isSystem() ? -1 : injections.next(Injection.Kind.ALLOC_NOSPACE);
        int busy = injections.next(Injection.Kind.ALLOC_BUSY);
        if (busy >= 0 && (inj < 0 || busy < inj)) {
            ctx.emit(new InjectionUsed(busy));
            ctx.send(a.replyTo(), new Refused(Outcome.EBUSY, config.name() + ": allocator busy (injected)", false, a.requestId()));
            return;
        }
        if (inj >= 0) {
            ctx.emit(new InjectionUsed(inj));
            ctx.send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no space (injected)", false, a.requestId()));
            return;
        }
        if (tryGrant(a, ctx)) return;
        if (a.pass() == 1 || !config.evicts()) {
            ctx.send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no free range of " + a.pages() + " pages", false, a.requestId()));
            return;
        }
        List<String> candidates = new ArrayList<>();
        for (LinkedHashSet<String> list : lru) {
            for (String bo : list) {
                if (bo.equals(a.bo())) continue; // the BO being validated is never its own victim
                if (intersects(bo, a.fpfn(), a.lpfn())) candidates.add(bo);
            }
        }
        ctx.emit(new WalkChanged(new Walk(from, a, null, List.copyOf(candidates), 0, null, false)));
        continueWalk(ctx);
    }

    private boolean tryGrant(Alloc a, Ctx ctx) {
        long start = allocator.findFit(a.pages(), a.fpfn(), a.lpfn(), a.place().topdown());
        if (start < 0) return false;
        Allocation al = new Allocation(a.bo(), start, a.pages(), a.fpfn(), a.lpfn());
        ctx.emit(new Allocated(al, a.priority(), !a.pinned()));
        ctx.send(a.replyTo(), new Granted(new Resource(config.name(), start, a.pages(), a.fpfn(), a.lpfn()), a.requestId()));
        return true;
    }

    private boolean intersects(String bo, long fpfn, long lpfn) {
        List<Long> starts = startsByBo.get(bo);
        if (starts == null) return false;
        for (long s : starts) {
            Allocation al = allocations.get(s);
            if (al.startPage() < lpfn && al.startPage() + al.pages() > fpfn) return true;
        }
        return false;
    }

    private void onEvictAll(Address from, EvictAll e, Ctx ctx) {
        if (!config.evicts()) {
            ctx.send(e.replyTo(), lruOrder().isEmpty()
                    ? Reply.of(e.requestId(), Outcome.OK, config.name() + " holds no unpinned BO")
                    : Reply.of(e.requestId(), Outcome.EBUSY, config.name() + " never evicts"));
            return;
        }
        ctx.emit(new WalkChanged(new Walk(from, null, e, List.copyOf(lruOrder()), 0, null, false)));
        continueWalk(ctx);
    }

    /** One step of the walk: try the allocation again, else ask the next candidate to leave. */
    private void continueWalk(Ctx ctx) {
        Walk w = walk;
        if (w.request() != null && tryGrant(w.request(), ctx)) {
            endWalk(ctx);
            return;
        }
        while (w.next() < w.candidates().size()) {
            String victim = w.candidates().get(w.next());
            w = w.advance(victim);
            if (!onLru(victim)) continue; // pinned or gone since the walk began
            ctx.emit(new WalkChanged(w));
            boolean nowait = w.request() != null && w.request().nowait();
            ctx.send(new Address.Bo(victim), new BufferObject.Evict(config.name(), nowait));
            return;
        }
        if (w.request() != null) {
            Alloc a = w.request();
            ctx.send(a.replyTo(), new Refused(Outcome.ENOMEM, config.name() + ": no space for " + a.pages()
                    + " pages and no victim could be evicted" + (w.skippedBusy() ? " (busy victims skipped)" : ""), w.skippedBusy(), a.requestId()));
        } else {
            List<String> left = lruOrder();
            EvictAll e = w.evictAll();
            ctx.send(e.replyTo(), left.isEmpty()
                    ? Reply.of(e.requestId(), Outcome.OK, "every unpinned BO left " + config.name())
                    : Reply.of(e.requestId(), Outcome.EBUSY, "still in " + config.name() + ": " + String.join(",", left)));
        }
        endWalk(ctx);
    }

    private void endWalk(Ctx ctx) {
        ctx.emit(new WalkChanged(null));
        while (walk == null && !deferred.isEmpty()) {
            Pending p = deferred.peekFirst();
            ctx.emit(new Resumed());
            serve(p.from(), p.message(), ctx);
        }
    }

    private void onVictimDone(VictimDone v, Ctx ctx) {
        if (walk == null || !v.bo().equals(walk.victim()))
            throw new IllegalStateException("region " + config.name() + ": unexpected victim answer " + v);
        ctx.emit(new WalkChanged(walk.settled(v.busy())));
        continueWalk(ctx);
    }

    private void onFree(Free f, Ctx ctx) {
        Allocation al = allocations.get(f.startPage());
        if (al == null || !al.bo().equals(f.bo()) || al.pages() != f.pages())
            throw new IllegalStateException("region " + config.name() + ": " + f.bo() + " frees " + f.startPage() + "+" + f.pages() + " it does not hold");
        ctx.emit(new Freed(f.bo(), f.startPage(), f.pages()));
    }

    private void onLruUpdate(LruUpdate u, Ctx ctx) {
        if (!startsByBo.containsKey(u.bo())) return; // moved out since: nothing to bump
        ctx.emit(new LruMoved(u.bo(), u.priority(), u.onLru()));
    }

    private void onPopulate(Address from, Populate p, Ctx ctx) {
        int inj = injections.next(Injection.Kind.ALLOC_NOSPACE);
        if (inj >= 0) ctx.emit(new InjectionUsed(inj));
        ctx.send(from, new Populated(inj < 0, p.requestId()));
    }

    // ---- apply ---------------------------------------------------------------------------------
    @Override
    public void apply(Event event) {
        if (event instanceof Allocated a) {
            Allocation al = a.allocation();
            allocator.allocate(al.startPage(), al.pages());
            allocations.put(al.startPage(), al);
            startsByBo.computeIfAbsent(al.bo(), k -> new ArrayList<>(2)).add(al.startPage());
            usedPages += al.pages();
            if (a.onLru()) lruPut(al.bo(), a.priority());
        } else if (event instanceof Freed f) {
            allocator.free(f.startPage(), f.pages());
            allocations.remove(f.startPage());
            usedPages -= f.pages();
            List<Long> starts = startsByBo.get(f.bo());
            starts.remove(f.startPage());
            if (starts.isEmpty()) {
                startsByBo.remove(f.bo());
                lruRemove(f.bo());
            }
        } else if (event instanceof LruMoved m) {
            lruRemove(m.bo());
            if (m.onLru()) lruPut(m.bo(), m.priority());
        } else if (event instanceof WalkChanged w) {
            walk = w.walk();
        } else if (event instanceof Deferred d) {
            deferred.addLast(new Pending(d.from(), d.message()));
        } else if (event instanceof Resumed) {
            deferred.removeFirst();
        } else if (event instanceof InjectionUsed i) {
            injections.consume(i.index());
        } else {
            throw new IllegalArgumentException("region " + config.name() + ": unknown event " + event);
        }
    }

    private void lruPut(String bo, int priority) {
        lruRemove(bo);
        lru.get(priority).add(bo);
        lruPriority.put(bo, priority);
    }

    private void lruRemove(String bo) {
        Integer p = lruPriority.remove(bo);
        if (p != null) lru.get(p).remove(bo);
    }
}
