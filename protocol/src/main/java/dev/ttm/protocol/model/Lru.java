package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * LRU lists, one per priority, least recently used first, with a cursor for the eviction walk. As in TTM, the
 * walk's cursor is a placeholder linked into the live list (TTM's "hitch"): entries may leave or be put back at the
 * tail while the walk waits for a victim, and the walk goes on right after the last one it asked, without copying
 * the list — a walk costs what it visits. Each put takes the next sequence number, so the walk can pass over the
 * entries put after it began. Part of a region's (or the io-lru aperture's) state; only events change it.
 */
public final class Lru {
    /** Where an entry stands: its priority's list and its sequence number there. */
    public record Position(int priority, long seq, String bo) {}

    /**
     * An entry's place in one list, made once and relinked by every put (a put allocates nothing). A region keeps each
     * BO's nodes with its allocations, so that it finds them without a lookup here; {@code bo == null}: a list's head
     * or the walk's cursor.
     */
    static final class Node {
        final String bo;
        long seq = -1;
        int priority;
        Node prev;
        Node next;

        Node(String bo) {
            this.bo = bo;
        }

        boolean listed() {
            return next != null;
        }
    }

    private final Node[] heads;
    /** Finds the node of an entry by name (null: it has none): {@link #own}'s, or the owner's where it keeps them. */
    private final Function<String, Node> find;
    /** The nodes, when this list keeps them itself (the IO manager's aperture LRU); null when the owner does. */
    private final Map<String, Node> own;
    private final Node cursorNode = new Node(null);
    private int size;
    private long nextSeq;
    private Node cursor;

    /** Lists that keep their nodes themselves. */
    Lru(int priorities) {
        this(priorities, new HashMap<>());
    }

    private Lru(int priorities, Map<String, Node> own) {
        this(priorities, own, own::get);
    }

    /** Lists whose nodes their owner keeps: {@code find} gives an entry's node by name, or null. */
    Lru(int priorities, Function<String, Node> find) {
        this(priorities, null, find);
    }

    private Lru(int priorities, Map<String, Node> own, Function<String, Node> find) {
        this.own = own;
        this.find = find;
        heads = new Node[priorities];
        for (int p = 0; p < priorities; p++) {
            Node h = new Node(null);
            h.priority = p;
            h.prev = h;
            h.next = h;
            heads[p] = h;
        }
    }

    /** Puts {@code bo} at the tail (most recently used end) of {@code priority}'s list (a list keeping its own nodes). */
    void put(String bo, int priority) {
        put(own.computeIfAbsent(bo, Node::new), priority);
    }

    /** Puts the entry of node {@code n} at the tail of {@code priority}'s list, off wherever it stood. */
    void put(Node n, int priority) {
        assert n.bo != null : "a head or the cursor put on a list";
        if (n.listed()) unlinkEntry(n);
        n.seq = nextSeq++;
        n.priority = priority;
        linkAfter(heads[priority].prev, n);
        size++;
    }

    void remove(String bo) {
        Node n = own != null ? own.remove(bo) : find.apply(bo);
        if (n != null && n.listed()) unlinkEntry(n);
    }

    /** Takes the entry of {@code n} off its list, if it is on one. */
    void remove(Node n) {
        if (n != null && n.listed()) unlinkEntry(n);
    }

    private void unlinkEntry(Node n) {
        unlink(n);
        size--;
    }

    private Node listedNode(String bo) {
        Node n = find.apply(bo);
        return n != null && n.listed() ? n : null;
    }

    /** The priority list {@code bo} is on, or -1. */
    public int priorityOf(String bo) {
        Node n = listedNode(bo);
        return n == null ? -1 : n.priority;
    }

    public boolean contains(String bo) {
        return listedNode(bo) != null;
    }

    public int size() {
        return size;
    }

    /** The sequence number the next put takes: a walk that begins now visits only entries before it. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Least recently used first, priority 0's list before 1, 2, 3. */
    public List<String> order() {
        List<String> out = new ArrayList<>(size);
        for (Position p : positions()) out.add(p.bo());
        return out;
    }

    /** Every entry in walk order, with its position. */
    public List<Position> positions() {
        List<Position> out = new ArrayList<>(size);
        for (Node h : heads) {
            for (Node n = h.next; n != h; n = n.next) if (n.bo != null) out.add(new Position(n.priority, n.seq, n.bo));
        }
        return out;
    }

    /** Where the walk's cursor stands: after the entry at this position (seq -1: at the start of its list), or null. */
    public Position cursor() {
        if (cursor == null) return null;
        Node before = cursor.prev;
        return new Position(cursor.priority, before.seq, before.bo);
    }

    /**
     * The first entry after the cursor (or from the start, without one), in walk order, put before {@code limit} and
     * {@code eligible}; null when none is left. Changes nothing: the walk moves its cursor by an event.
     */
    public String next(long limit, Predicate<String> eligible) {
        Node from = cursor == null ? heads[0] : cursor;
        for (int p = from.priority; p < heads.length; p++) {
            Node head = heads[p];
            for (Node n = (p == from.priority ? from : head).next; n != head; n = n.next) {
                if (n.bo == null) continue;
                if (n.seq >= limit) break; // the rest of this list was put after the walk began
                if (eligible.test(n.bo)) return n.bo;
            }
        }
        return null;
    }

    /** The lists as plain values (see {@link RegionSnapshot}). */
    RegionSnapshot.LruSnapshot snapshot() {
        return new RegionSnapshot.LruSnapshot(nextSeq, positions(), cursor());
    }

    /**
     * Fills this empty LRU with the entries, sequence numbers and cursor of {@code s}. Where the owner keeps the nodes,
     * each entry's node must be there already (unlisted).
     */
    void restore(RegionSnapshot.LruSnapshot s) {
        if (size != 0 || cursor != null) throw new IllegalStateException("restore into a used LRU");
        for (Position p : s.entries()) {
            if (p.bo() == null || p.priority() < 0 || p.priority() >= heads.length || p.seq() < 0 || p.seq() >= s.nextSeq())
                throw new IllegalArgumentException("bad LRU entry " + p);
            Node n = own != null ? own.computeIfAbsent(p.bo(), Node::new) : find.apply(p.bo());
            if (n == null) throw new IllegalArgumentException(p.bo() + " is on the LRU but holds nothing");
            if (n.listed()) throw new IllegalArgumentException(p.bo() + " twice on the LRU");
            n.seq = p.seq();
            n.priority = p.priority();
            linkAfter(heads[p.priority()].prev, n);
            size++;
        }
        nextSeq = s.nextSeq();
        Position c = s.cursor();
        if (c == null) return;
        if (c.bo() == null) {
            if (c.priority() < 0 || c.priority() >= heads.length) throw new IllegalArgumentException("bad LRU cursor " + c);
            cursorAfter(heads[c.priority()]);
        } else {
            Node n = listedNode(c.bo());
            if (n == null || n.priority != c.priority() || n.seq != c.seq()) throw new IllegalArgumentException("LRU cursor after " + c + ", which is not there");
            cursorAfter(n);
        }
    }

    /** A walk begins: its cursor stands at the start of the first list. */
    void cursorAtStart() {
        cursorAfter(heads[0]);
    }

    /** The walk asked {@code bo}: its cursor moves right after it (and stays there if {@code bo} leaves). */
    void cursorAfter(String bo) {
        Node n = listedNode(bo);
        if (n == null) throw new IllegalStateException("the walk asked " + bo + ", which is on no LRU");
        cursorAfter(n);
    }

    /** The walk ended. */
    void dropCursor() {
        if (cursor != null) unlink(cursor);
        cursor = null;
    }

    private void cursorAfter(Node n) {
        dropCursor();
        cursor = cursorNode; // one node, relinked: a walk asks many victims
        cursor.priority = n.priority;
        linkAfter(n, cursor);
    }

    private static void linkAfter(Node at, Node n) {
        n.prev = at;
        n.next = at.next;
        at.next.prev = n;
        at.next = n;
    }

    private static void unlink(Node n) {
        n.prev.next = n.next;
        n.next.prev = n.prev;
        n.prev = null;
        n.next = null; // not listed
    }
}
