package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * LRU lists, one per priority, whose entries know their position: each put at the tail takes the next sequence
 * number. An eviction walk therefore goes on from where it stopped without copying the list (a walk costs what it
 * visits, not the size of the LRU), and it passes over entries put back at the tail after it began, as a cursor over
 * TTM's live LRU does. Part of a region's (or the io-lru aperture's) state; only events change it.
 */
public final class Lru {
    /** Where an entry stands: its priority's list and its sequence number there. */
    public record Position(int priority, long seq, String bo) {}

    private final List<TreeMap<Long, String>> lists = new ArrayList<>();
    private final Map<String, Position> where = new HashMap<>();
    private long nextSeq;

    Lru(int priorities) {
        for (int i = 0; i < priorities; i++) lists.add(new TreeMap<>());
    }

    /** Puts {@code bo} at the tail (most recently used end) of {@code priority}'s list. */
    void put(String bo, int priority) {
        remove(bo);
        Position p = new Position(priority, nextSeq++, bo);
        lists.get(priority).put(p.seq(), bo);
        where.put(bo, p);
    }

    void remove(String bo) {
        Position p = where.remove(bo);
        if (p != null) lists.get(p.priority()).remove(p.seq());
    }

    public boolean contains(String bo) {
        return where.containsKey(bo);
    }

    public int size() {
        return where.size();
    }

    /** The sequence number the next put takes: a walk that begins now visits only entries before it. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Least recently used first, priority 0's list before 1, 2, 3. */
    public List<String> order() {
        List<String> out = new ArrayList<>(where.size());
        for (TreeMap<Long, String> l : lists) out.addAll(l.values());
        return out;
    }

    /** Every entry in walk order, with its position (for the state digest). */
    public List<Position> positions() {
        List<Position> out = new ArrayList<>(where.size());
        for (TreeMap<Long, String> l : lists) for (String bo : l.values()) out.add(where.get(bo));
        return out;
    }

    /**
     * The first entry after {@code (priority, seq)} in walk order whose sequence number is below {@code limit},
     * or null. O(log n) per list.
     */
    public Position after(int priority, long seq, long limit) {
        for (int p = priority; p < lists.size(); p++) {
            Map.Entry<Long, String> e = lists.get(p).higherEntry(p == priority ? seq : -1);
            if (e != null && e.getKey() < limit) return where.get(e.getValue());
        }
        return null;
    }
}
