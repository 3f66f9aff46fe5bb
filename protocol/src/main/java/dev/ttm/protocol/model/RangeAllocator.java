package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A page-range allocator in the manner of drm_mm: the free ranges of a region, kept in a treap keyed by
 * start page and augmented with the longest free range of each subtree, so that first-fit and top-down
 * searches inside a window {@code [fpfn, lpfn)} walk O(log n) nodes instead of scanning every range.
 * Treap priorities come from a fixed-seed generator: the shape, and so every decision, is deterministic.
 */
public final class RangeAllocator {
    private static final class Node {
        /** Changed in place only when the range shrinks or grows without passing a neighbour (the order stays). */
        long start;
        long len;
        final int prio;
        long maxLen;
        Node left;
        Node right;

        Node(long start, long len, int prio) {
            this.start = start;
            this.len = len;
            this.prio = prio;
            this.maxLen = len;
        }

        long end() {
            return start + len;
        }
    }

    private final long sizePages;
    private Node root;
    private long freePages;
    private long rng = 0x9E3779B97F4A7C15L;

    public RangeAllocator(long sizePages) {
        if (sizePages <= 0) throw new IllegalArgumentException("allocator size must be positive");
        this.sizePages = sizePages;
        insert(0, sizePages);
    }

    /** An allocator with exactly the free ranges {@code free} (disjoint, not adjacent), its generator at {@code rng}. */
    static RangeAllocator restore(long sizePages, List<RegionSnapshot.FreeRange> free, long rng) {
        RangeAllocator a = new RangeAllocator(sizePages);
        a.delete(0);
        long end = -1;
        for (RegionSnapshot.FreeRange r : free) {
            if (r.pages() <= 0 || r.start() <= end || r.start() + r.pages() > sizePages)
                throw new IllegalArgumentException("free range " + r + " out of order, adjacent to the one before, or outside the region");
            a.insert(r.start(), r.pages());
            end = r.start() + r.pages();
        }
        a.rng = rng;
        return a;
    }

    public long sizePages() {
        return sizePages;
    }

    /** The treap-priority generator's state (part of a snapshot: the allocator goes on drawing from it). */
    long rngState() {
        return rng;
    }

    public long freePages() {
        return freePages;
    }

    /**
     * The start page of {@code pages} free pages inside {@code [fpfn, lpfn)}: the lowest such range, or with
     * {@code topdown} the highest. -1 when nothing fits. Does not change the allocator.
     */
    public long findFit(long pages, long fpfn, long lpfn, boolean topdown) {
        if (pages <= 0 || fpfn < 0 || lpfn > sizePages || lpfn - fpfn < pages) return -1;
        return topdown ? highestFit(pages, fpfn, lpfn) : lowestFit(pages, fpfn, lpfn);
    }

    private long lowestFit(long pages, long fpfn, long lpfn) {
        Node c = floor(fpfn);
        if (c != null && c.end() > fpfn && Math.min(c.end(), lpfn) - fpfn >= pages) return fpfn;
        Node n = leftmost(root, fpfn, lpfn - pages, pages);
        return n == null ? -1 : n.start;
    }

    private long highestFit(long pages, long fpfn, long lpfn) {
        Node c = floor(lpfn - 1);
        if (c != null && c.end() > lpfn - 1 && lpfn - Math.max(c.start, fpfn) >= pages) return lpfn - pages;
        Node n = rightmost(root, fpfn, lpfn - pages, pages);
        if (n != null) return Math.min(n.end(), lpfn) - pages;
        Node low = floor(fpfn);
        if (low != null && low.start < fpfn && Math.min(low.end(), lpfn) - fpfn >= pages)
            return Math.min(low.end(), lpfn) - pages;
        return -1;
    }

    /**
     * Takes {@code [start, start + pages)}, which must lie inside one free range. That range shrinks in place, found and
     * its path's bounds recomputed in one descent (a split and a merge per change cost more than the whole search);
     * only a cut from the middle adds a node, and only an exact fit removes one.
     */
    public void allocate(long start, long pages) {
        if (pages <= 0) throw new IllegalStateException("allocate " + start + "+" + pages + ": not free");
        cutTail = -1;
        found = false;
        root = cut(root, start, start + pages);
        if (!found) throw new IllegalStateException("allocate " + start + "+" + pages + ": not free");
        if (cutTail >= 0) insert(start + pages, cutTail);
    }

    // What the descent of the last allocate or free found (fields: no result object per call on a hot path).
    private boolean found;
    private long cutTail;
    private Node before;
    private Node after;

    /**
     * Cuts {@code [start, end)} out of the free range of subtree {@code t} that holds it: the floor of {@code start},
     * which is the deepest node on the search path at or left of {@code start}. Returns the subtree's new root; sets
     * {@link #found}, and {@link #cutTail} to the length of a tail left over after {@code end} (to insert).
     */
    private Node cut(Node t, long start, long end) {
        if (t == null) return null;
        if (start < t.start) {
            t.left = cut(t.left, start, end);
        } else {
            t.right = cut(t.right, start, end);
            if (!found) { // no floor further right: this is it
                long tEnd = t.end();
                if (tEnd < end) throw new IllegalStateException("allocate " + start + "+" + (end - start) + ": not free");
                found = true;
                if (t.start == start && tEnd == end) {
                    freePages -= t.len;
                    return merge(t.left, t.right);
                }
                if (t.start == start) {
                    t.start = end; // still between its neighbours: the treap's order holds
                    t.len = tEnd - end;
                    freePages -= end - start;
                } else {
                    t.len = start - t.start;
                    freePages -= tEnd - start; // a tail after end comes back with its own node
                    if (end < tEnd) cutTail = tEnd - end;
                }
            }
        }
        update(t);
        return t;
    }

    /**
     * Returns {@code [start, start + pages)} and merges it with free neighbours, grown in place as allocate shrinks: one
     * descent finds both (they lie on the search path of the range's last page) and recomputes the path's bounds.
     */
    public void free(long start, long pages) {
        if (pages <= 0 || start < 0 || start + pages > sizePages) throw new IllegalStateException("free outside region");
        long e = start + pages;
        before = null;
        after = null;
        root = release(root, start, e);
        Node b = before;
        Node a = after;
        before = null;
        after = null;
        if (b != null && a != null) {
            delete(a.start); // b took a's pages over already
            freePages += a.len;
        } else if (b == null && a == null) {
            insert(start, pages);
        }
    }

    /**
     * The descent of {@link #free}: the floor of page {@code e - 1} (which must end by {@code start}, else the pages are
     * already free) and its successor are found on the way down; on the way back the range joins them in place.
     */
    private Node release(Node t, long start, long e) {
        if (t == null) {
            join(start, e);
            return null;
        }
        if (t.start <= e - 1) {
            before = t;
            t.right = release(t.right, start, e);
        } else {
            after = t;
            t.left = release(t.left, start, e);
        }
        update(t);
        return t;
    }

    /** At the bottom of {@link #release}: grows the neighbours that touch {@code [start, e)}; clears the others. */
    private void join(long start, long e) {
        Node b = before;
        Node a = after;
        if (b != null && b.end() > start) throw new IllegalStateException("double free of page " + Math.max(start, b.start));
        boolean joinBefore = b != null && b.end() == start;
        boolean joinAfter = a != null && a.start == e;
        long pages = e - start;
        if (joinBefore && joinAfter) {
            b.len += pages + a.len; // a goes once the descent is back (free deletes it, taking its length off)
            freePages += pages;
        } else if (joinBefore) {
            b.len += pages;
            freePages += pages;
        } else if (joinAfter) {
            a.start = start; // nothing lies between it and the range before: the order holds
            a.len += pages;
            freePages += pages;
        }
        before = joinBefore ? b : null;
        after = joinAfter ? a : null;
    }

    /** Whether every page of {@code [start, start+pages)} is free. */
    public boolean isFree(long start, long pages) {
        Node c = floor(start);
        return c != null && c.end() >= start + pages;
    }

    /** The free ranges in address order as {start, length} pairs (for checks and pictures). */
    public List<long[]> freeRanges() {
        List<long[]> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Node t, List<long[]> out) {
        if (t == null) return;
        collect(t.left, out);
        out.add(new long[] {t.start, t.len});
        collect(t.right, out);
    }

    private static Node leftmost(Node t, long lo, long hi, long k) {
        while (t != null && t.maxLen >= k) {
            if (t.start < lo) {
                t = t.right;
            } else if (t.start > hi) {
                t = t.left;
            } else {
                Node l = leftmost(t.left, lo, hi, k);
                if (l != null) return l;
                if (t.len >= k) return t;
                t = t.right;
            }
        }
        return null;
    }

    private static Node rightmost(Node t, long lo, long hi, long k) {
        while (t != null && t.maxLen >= k) {
            if (t.start > hi) {
                t = t.left;
            } else if (t.start < lo) {
                t = t.right;
            } else {
                Node r = rightmost(t.right, lo, hi, k);
                if (r != null) return r;
                if (t.len >= k) return t;
                t = t.left;
            }
        }
        return null;
    }

    private Node floor(long key) {
        Node t = root;
        Node best = null;
        while (t != null) {
            if (t.start <= key) {
                best = t;
                t = t.right;
            } else {
                t = t.left;
            }
        }
        return best;
    }

    private void insert(long start, long len) {
        root = insert(root, new Node(start, len, nextPrio()));
        freePages += len;
    }

    /** Treap insertion: down to where {@code n}'s priority puts it, then the subtree there is split around it. */
    private Node insert(Node t, Node n) {
        if (t == null) return n;
        if (n.prio > t.prio) {
            split(t, n.start);
            n.left = splitLeft;
            n.right = splitRight;
            update(n);
            return n;
        }
        if (n.start < t.start) t.left = insert(t.left, n);
        else t.right = insert(t.right, n);
        update(t);
        return t;
    }

    private void delete(long start) {
        root = delete(root, start);
    }

    /** Treap deletion: the node's two subtrees are merged in its place (one descent, no split). */
    private Node delete(Node t, long start) {
        if (t == null) throw new IllegalStateException("no free range at " + start);
        if (t.start == start) {
            freePages -= t.len;
            return merge(t.left, t.right);
        }
        if (start < t.start) t.left = delete(t.left, start);
        else t.right = delete(t.right, start);
        update(t);
        return t;
    }

    // The two halves of the last split: fields rather than a fresh array per level (a hot path).
    private Node splitLeft;
    private Node splitRight;

    /** Splits {@code t} into keys {@code < key} ({@link #splitLeft}) and keys {@code >= key} ({@link #splitRight}). */
    private void split(Node t, long key) {
        if (t == null) {
            splitLeft = null;
            splitRight = null;
            return;
        }
        if (t.start < key) {
            split(t.right, key);
            t.right = splitLeft;
            update(t);
            splitLeft = t;
        } else {
            split(t.left, key);
            t.left = splitRight;
            update(t);
            splitRight = t;
        }
    }

    private static Node merge(Node a, Node b) {
        if (a == null) return b;
        if (b == null) return a;
        if (a.prio > b.prio) {
            a.right = merge(a.right, b);
            update(a);
            return a;
        }
        b.left = merge(a, b.left);
        update(b);
        return b;
    }

    private static void update(Node t) {
        long m = t.len;
        if (t.left != null && t.left.maxLen > m) m = t.left.maxLen;
        if (t.right != null && t.right.maxLen > m) m = t.right.maxLen;
        t.maxLen = m;
    }

    private int nextPrio() {
        rng ^= rng << 13;
        rng ^= rng >>> 7;
        rng ^= rng << 17;
        return (int) (rng >>> 33);
    }
}
