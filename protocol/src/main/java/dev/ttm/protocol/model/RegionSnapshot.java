package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A region manager's state as plain values, for a snapshot store: {@link RegionState} keeps its free space in a treap
 * and its LRU lists as linked nodes with a walk's cursor among them, which no serializer should see. Exact: the state
 * {@link RegionState#fromSnapshot rebuilt} from a snapshot has the {@link StateDigest} of the one it was taken of, and
 * decides everything the same (the treap's shape may differ; no decision depends on it). Immutable.
 *
 * @param free           the allocator's free ranges in address order
 * @param allocatorRng   the allocator's treap-priority generator, so that it goes on as it would have
 * @param allocations    every allocation, by start page
 * @param startsByBo     each BO's allocation start pages, in the order it got them
 * @param lru            the LRU lists
 * @param windowLru      the LRU lists of the entries with pages in the CPU-visible window
 * @param walk           the eviction walk in progress, or null
 * @param deferred       the requests waiting behind it, oldest first
 * @param armed          the injected faults armed, in order
 * @param used           how often each of them fired
 */
public record RegionSnapshot(RegionConfig config, List<FreeRange> free, long allocatorRng,
                             List<RegionManager.Allocation> allocations, Map<String, List<Long>> startsByBo,
                             LruSnapshot lru, LruSnapshot windowLru, EvictionWalk.Walk walk, List<Message> deferred,
                             List<Injection> armed, List<Integer> used, long usedPages, FenceSet moveFence,
                             Map<String, FenceSet> ghosts, Map<String, FenceSet> carriers,
                             Map<String, List<Message>> parked, Map<String, Long> signaled) {

    /** {@code pages} free pages at {@code start}. */
    public record FreeRange(long start, long pages) {}

    /**
     * LRU lists: every entry in walk order with its priority and sequence number, the next sequence number, and where
     * the walk's cursor stands (after the entry named, or at the start of its priority's list when that is null).
     */
    public record LruSnapshot(long nextSeq, List<Lru.Position> entries, Lru.Position cursor) {
        public LruSnapshot {
            entries = List.copyOf(entries);
        }
    }

    public RegionSnapshot {
        free = List.copyOf(free);
        allocations = List.copyOf(allocations);
        Map<String, List<Long>> starts = new LinkedHashMap<>();
        startsByBo.forEach((bo, s) -> starts.put(bo, List.copyOf(s)));
        startsByBo = Collections.unmodifiableMap(starts);
        deferred = List.copyOf(deferred);
        armed = List.copyOf(armed);
        used = List.copyOf(used);
        if (armed.size() != used.size()) throw new IllegalArgumentException("armed and used injections differ in number");
        ghosts = Collections.unmodifiableMap(new LinkedHashMap<>(ghosts));
        carriers = Collections.unmodifiableMap(new LinkedHashMap<>(carriers));
        Map<String, List<Message>> p = new LinkedHashMap<>();
        parked.forEach((g, l) -> p.put(g, List.copyOf(l)));
        parked = Collections.unmodifiableMap(p);
        signaled = Collections.unmodifiableMap(new LinkedHashMap<>(signaled));
    }

    static List<FreeRange> freeRanges(RangeAllocator a) {
        List<long[]> ranges = a.freeRanges();
        List<FreeRange> out = new ArrayList<>(ranges.size());
        for (long[] r : ranges) out.add(new FreeRange(r[0], r[1]));
        return out;
    }
}
