package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
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
    final TreeMap<Long, RegionManager.Allocation> allocations = new TreeMap<>();
    final Map<String, List<Long>> startsByBo = new HashMap<>();
    final List<LinkedHashSet<String>> lru = new ArrayList<>();
    final Map<String, Integer> lruPriority = new HashMap<>();
    final EvictionWalk.Host walks = new EvictionWalk.Host();
    final Injections injections;
    long usedPages;

    RegionState(RegionConfig config, List<Injection> injections) {
        this.config = config;
        this.allocator = new RangeAllocator(config.sizePages());
        this.injections = new Injections(injections);
        for (int i = 0; i < RegionManager.PRIORITIES; i++) lru.add(new LinkedHashSet<>());
    }

    public RegionConfig config() { return config; }
    public String name() { return config.name(); }
    public long usedPages() { return usedPages; }
    public long freePages() { return allocator.freePages(); }
    public EvictionWalk.Walk walk() { return walks.walk; }
    public int deferredCount() { return walks.deferred.size(); }
    public Injections injections() { return injections; }

    /** Allocations by start page (read-only). */
    public Map<Long, RegionManager.Allocation> allocations() {
        return Collections.unmodifiableMap(allocations);
    }

    public RegionManager.Allocation allocationAt(long startPage) {
        return allocations.get(startPage);
    }

    /** The allocation that starts before {@code startPage}, nearest to it (for overlap checks), or null. */
    public RegionManager.Allocation allocationBefore(long startPage) {
        Map.Entry<Long, RegionManager.Allocation> e = allocations.lowerEntry(startPage);
        return e == null ? null : e.getValue();
    }

    /** The allocation that starts after {@code startPage}, nearest to it, or null. */
    public RegionManager.Allocation allocationAfter(long startPage) {
        Map.Entry<Long, RegionManager.Allocation> e = allocations.higherEntry(startPage);
        return e == null ? null : e.getValue();
    }

    public boolean onLru(String bo) {
        return lruPriority.containsKey(bo);
    }

    public int lruSize() {
        return lruPriority.size();
    }

    /** LRU order, least recently used first, priority 0's list before 1, 2, 3. */
    public List<String> lruOrder() {
        List<String> out = new ArrayList<>();
        for (LinkedHashSet<String> l : lru) out.addAll(l);
        return out;
    }

    /** The BO's allocations here: one, or two while it moves within the region. */
    public List<RegionManager.Allocation> allocationsOf(String bo) {
        List<Long> starts = startsByBo.get(bo);
        if (starts == null) return List.of();
        List<RegionManager.Allocation> out = new ArrayList<>(starts.size());
        for (long s : starts) out.add(allocations.get(s));
        return out;
    }

    void lruPut(String bo, int priority) {
        lruRemove(bo);
        lru.get(priority).add(bo);
        lruPriority.put(bo, priority);
    }

    void lruRemove(String bo) {
        Integer p = lruPriority.remove(bo);
        if (p != null) lru.get(p).remove(bo);
    }
}
