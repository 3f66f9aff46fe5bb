package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of one region manager: its allocator, allocations, per-priority LRU lists, the eviction walk in
 * progress and the requests deferred behind it. Only {@link RegionManager#evolve} changes it.
 */
public final class RegionState {
    final RegionConfig config;
    final RangeAllocator allocator;
    final AllocationIndex allocations = new AllocationIndex();
    /**
     * What each BO (or ghost) holds here, by name; an entry exists exactly while it has an allocation. Named for what a
     * digest or snapshot shows of it: each one's start pages, in the order it got them.
     */
    final HashMap<String, Held> startsByBo = new HashMap<>();
    final Lru lru = new Lru(RegionManager.PRIORITIES, bo -> {
        Held h = startsByBo.get(bo);
        return h == null ? null : h.lruNode;
    });
    /**
     * The LRU entries with pages in the CPU-visible window, in the same order: a walk for space in the window
     * (the fault path's) visits only these instead of passing over every BO outside it.
     */
    final Lru windowLru = new Lru(RegionManager.PRIORITIES, bo -> {
        Held h = startsByBo.get(bo);
        return h == null ? null : h.windowNode;
    });

    /**
     * One BO's (or ghost's) part of the region: its allocations in the order it got them (one, or two while it moves
     * within the region) and its nodes on the LRU lists. One lookup finds all of it (a message touches each several
     * times), and its nodes are relinked, not made anew, by every LRU bump.
     */
    static final class Held {
        private static final RegionManager.Allocation[] NONE = {};
        RegionManager.Allocation[] allocations = NONE;
        final Lru.Node lruNode;
        /** Made when the BO first has pages in the window (most never do). */
        Lru.Node windowNode;

        Held(String bo) {
            lruNode = new Lru.Node(bo);
        }

        String bo() {
            return lruNode.bo;
        }

        void add(RegionManager.Allocation al) {
            RegionManager.Allocation[] a = java.util.Arrays.copyOf(allocations, allocations.length + 1);
            a[allocations.length] = al;
            allocations = a;
        }

        /** Drops the allocation at {@code startPage}; returns it, or null when this BO holds none there. */
        RegionManager.Allocation remove(long startPage) {
            RegionManager.Allocation[] a = allocations;
            for (int i = 0; i < a.length; i++) {
                if (a[i].startPage() != startPage) continue;
                RegionManager.Allocation[] rest = new RegionManager.Allocation[a.length - 1];
                System.arraycopy(a, 0, rest, 0, i);
                System.arraycopy(a, i + 1, rest, i, a.length - i - 1);
                allocations = rest;
                return a[i];
            }
            return null;
        }

        /** The allocation at {@code startPage}, or null. */
        RegionManager.Allocation at(long startPage) {
            for (RegionManager.Allocation al : allocations) if (al.startPage() == startPage) return al;
            return null;
        }

        boolean isEmpty() {
            return allocations.length == 0;
        }

        /** Whether any of its allocations has pages in {@code [fpfn, lpfn)}. */
        boolean intersects(long fpfn, long lpfn) {
            for (RegionManager.Allocation al : allocations) if (al.startPage() < lpfn && al.endPage() > fpfn) return true;
            return false;
        }
    }
    final EvictionWalk.Host walks = new EvictionWalk.Host();
    final Injections injections;
    long usedPages;
    /** The fences of busy victims whose pages were freed at once: every resource allocated here carries them. */
    FenceSet moveFence = FenceSet.NONE;
    /** Ghosts holding pages here, with the fences each waits for. */
    final TreeMap<String, FenceSet> ghosts = new TreeMap<>();
    /** BOs given a resource here while the move fence was pending, and which of its fences they still carry. */
    final TreeMap<String, FenceSet> carriers = new TreeMap<>();
    /** Requests whose walk waits for a ghost's fences, by ghost: served again once it is freed. */
    final TreeMap<String, List<Message>> parked = new TreeMap<>();
    /** The highest fence number heard signalled, per BO: a ghost or move fence made later never waits for those. */
    final TreeMap<String, Long> signaled = new TreeMap<>();

    RegionState(RegionConfig config, List<Injection> injections) {
        this(config, new RangeAllocator(config.sizePages()), new Injections(injections));
    }

    private RegionState(RegionConfig config, RangeAllocator allocator, Injections injections) {
        this.config = config;
        this.allocator = allocator;
        this.injections = injections;
    }

    /** This state as plain values, for a snapshot store; a copy: later events do not change it. */
    public RegionSnapshot snapshot() {
        Map<String, List<Message>> parkedCopy = new TreeMap<>();
        parked.forEach((g, l) -> parkedCopy.put(g, List.copyOf(l)));
        return new RegionSnapshot(config, RegionSnapshot.freeRanges(allocator), allocator.rngState(),
                inAddressOrder(), startPagesByBo(), lru.snapshot(), windowLru.snapshot(), walks.walk,
                List.copyOf(walks.deferred), injections.armed(), injections.used(), usedPages, moveFence, ghosts, carriers,
                parkedCopy, signaled);
    }

    /** The state {@code s} was taken of (its digest equal to that state's; it decides everything the same). */
    public static RegionState fromSnapshot(RegionSnapshot s) {
        RegionState r = new RegionState(s.config(), RangeAllocator.restore(s.config().sizePages(), s.free(), s.allocatorRng()),
                Injections.restore(s.armed(), s.used()));
        Map<Long, RegionManager.Allocation> byStart = new HashMap<>();
        for (RegionManager.Allocation a : s.allocations())
            if (byStart.put(a.startPage(), a) != null) throw new IllegalArgumentException("two allocations at " + a.startPage());
        s.startsByBo().forEach((bo, starts) -> {
            Held h = new Held(bo);
            for (long start : starts) {
                RegionManager.Allocation al = byStart.remove(start);
                if (al == null || !al.bo().equals(bo)) throw new IllegalArgumentException(bo + " holds no allocation at " + start);
                h.add(al);
            }
            if (!h.isEmpty()) r.startsByBo.put(bo, h);
        });
        if (!byStart.isEmpty()) throw new IllegalArgumentException("allocations nobody holds: " + byStart.values());
        r.lru.restore(s.lru());
        for (Lru.Position p : s.windowLru().entries()) {
            Held h = r.startsByBo.get(p.bo());
            if (h != null) h.windowNode = new Lru.Node(p.bo()); // (one that holds nothing is refused by the restore)
        }
        r.windowLru.restore(s.windowLru());
        r.walks.walk = s.walk();
        r.walks.deferred.addAll(s.deferred());
        r.usedPages = s.usedPages();
        r.moveFence = s.moveFence();
        r.ghosts.putAll(s.ghosts());
        r.carriers.putAll(s.carriers());
        s.parked().forEach((g, l) -> r.parked.put(g, new ArrayList<>(l)));
        r.signaled.putAll(s.signaled());
        return r;
    }

    public RegionConfig config() { return config; }
    public String name() { return config.name(); }
    public long usedPages() { return usedPages; }
    public long freePages() { return allocator.freePages(); }
    public EvictionWalk.Walk walk() { return walks.walk; }
    public int deferredCount() { return walks.deferred.size(); }
    /** The requests waiting behind the walk in progress, oldest first (read-only). */
    public java.util.Collection<Message> deferredRequests() { return Collections.unmodifiableCollection(walks.deferred); }
    public Injections injections() { return injections; }
    public FenceSet moveFence() { return moveFence; }
    /** Ghosts and the fences each waits for (read-only). */
    public Map<String, FenceSet> ghosts() { return Collections.unmodifiableMap(ghosts); }
    public boolean isGhost(String name) { return ghosts.containsKey(name); }
    /** Requests waiting for a ghost's fences, by ghost (read-only). */
    public Map<String, List<Message>> parked() { return Collections.unmodifiableMap(parked); }
    /** Which fences of the region's move fence its resources' holders still carry (read-only). */
    public Map<String, FenceSet> carriers() { return Collections.unmodifiableMap(carriers); }

    /** The part of {@code f} not yet heard signalled here. */
    FenceSet unsignaled(FenceSet f) {
        if (f.isEmpty() || signaled.isEmpty()) return f; // the usual case: nothing to look up
        FenceSet left = f;
        for (Map.Entry<String, Long> e : f.upTo().entrySet()) {
            Long heard = signaled.get(e.getKey());
            if (heard != null) left = left.signaled(e.getKey(), heard);
        }
        return left;
    }

    public long ghostPages() {
        long n = 0;
        for (String g : ghosts.keySet()) for (RegionManager.Allocation a : allocationsOf(g)) n += a.pages();
        return n;
    }

    /** Allocations by start page, in address order (read-only). */
    public Map<Long, RegionManager.Allocation> allocations() {
        return Collections.unmodifiableMap(index());
    }

    public RegionManager.Allocation allocationAt(long startPage) {
        return index().at(startPage);
    }

    /** The allocation that starts before {@code startPage}, nearest to it (for overlap checks), or null. */
    public RegionManager.Allocation allocationBefore(long startPage) {
        return index().before(startPage);
    }

    /** The allocation that starts after {@code startPage}, nearest to it, or null. */
    public RegionManager.Allocation allocationAfter(long startPage) {
        return index().after(startPage);
    }

    /** The allocations by start page, kept from now on (see {@link AllocationIndex}). */
    private AllocationIndex index() {
        if (!allocations.live()) allocations.build(startsByBo.values());
        return allocations;
    }

    /** Every allocation in address order, without starting to keep the index (a snapshot's). */
    private List<RegionManager.Allocation> inAddressOrder() {
        if (allocations.live()) return List.copyOf(allocations.values());
        List<RegionManager.Allocation> all = new ArrayList<>();
        for (Held h : startsByBo.values()) Collections.addAll(all, h.allocations);
        all.sort(java.util.Comparator.comparingLong(RegionManager.Allocation::startPage));
        return all;
    }

    /** The allocations by start page for a digest (which sorts them itself), without starting to keep the index. */
    Map<Long, RegionManager.Allocation> allocationsByStart() {
        if (allocations.live()) return allocations;
        Map<Long, RegionManager.Allocation> m = new HashMap<>();
        for (Held h : startsByBo.values()) for (RegionManager.Allocation al : h.allocations) m.put(al.startPage(), al);
        return m;
    }

    public boolean onLru(String bo) {
        return lru.contains(bo);
    }

    public int lruSize() {
        return lru.size();
    }

    /** LRU order of the BOs (ghosts left out), least recently used first, priority 0's list before 1, 2, 3. */
    public List<String> lruOrder() {
        List<String> all = lru.order();
        if (ghosts.isEmpty()) return all;
        List<String> out = new ArrayList<>(all.size());
        for (String n : all) if (!ghosts.containsKey(n)) out.add(n);
        return out;
    }

    /** LRU order with the ghosts. */
    public List<String> lruOrderWithGhosts() {
        return lru.order();
    }

    /** The BO's allocations here: one, or two while it moves within the region. */
    public List<RegionManager.Allocation> allocationsOf(String bo) {
        Held h = startsByBo.get(bo);
        return h == null ? List.of() : List.of(h.allocations);
    }

    /** Each BO's allocation start pages, in the order it got them (for snapshots and digests). */
    Map<String, List<Long>> startPagesByBo() {
        Map<String, List<Long>> out = new HashMap<>();
        startsByBo.forEach((bo, h) -> {
            List<Long> starts = new ArrayList<>(h.allocations.length);
            for (RegionManager.Allocation al : h.allocations) starts.add(al.startPage());
            out.put(bo, starts);
        });
        return out;
    }

    /** The list a walk for pages in {@code [fpfn, lpfn)} visits: the window's when the range lies in the window. */
    Lru lruFor(long lpfn) {
        return lpfn <= config.visiblePages() ? windowLru : lru;
    }

    /** The list the walk serving {@code request} visits (an evict-all visits the whole LRU). */
    Lru walkLru(Message request) {
        return request instanceof RegionManager.Alloc a ? lruFor(a.lpfn()) : lru;
    }

    /** Whether any of {@code bo}'s allocations here has pages in {@code [fpfn, lpfn)}. */
    boolean intersects(String bo, long fpfn, long lpfn) {
        Held h = startsByBo.get(bo);
        return h != null && h.intersects(fpfn, lpfn);
    }

    /** Puts {@code h} at the tail of its priority's list (and of the window's, while it has pages there). */
    void lruPut(Held h, int priority) {
        lru.put(h.lruNode, priority);
        if (config.visiblePages() == 0) return; // no window: its list stays empty
        if (h.intersects(0, config.visiblePages())) {
            if (h.windowNode == null) h.windowNode = new Lru.Node(h.bo());
            windowLru.put(h.windowNode, priority);
        } else {
            windowLru.remove(h.windowNode);
        }
    }

    void lruRemove(Held h) {
        lru.remove(h.lruNode);
        windowLru.remove(h.windowNode);
    }

    /** After an allocation of {@code h} is freed: it may have left the window (it keeps its LRU place). */
    void windowLeft(Held h) {
        if (h.windowNode != null && h.windowNode.listed() && !h.intersects(0, config.visiblePages())) windowLru.remove(h.windowNode);
    }

    /** What {@code bo} holds here; it must hold something (an event about a BO the region does not know is a bug). */
    Held heldBy(String bo) {
        Held h = startsByBo.get(bo);
        if (h == null) throw new IllegalStateException("region " + config.name() + ": " + bo + " holds nothing here");
        return h;
    }
}
