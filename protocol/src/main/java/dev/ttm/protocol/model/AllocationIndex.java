package dev.ttm.protocol.model;

import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A region's allocations by start page, in address order: two sorted arrays searched by bisection (a TreeMap cost a
 * boxed key, a 40-byte entry and a pointer chase per level). A {@link java.util.Map} for readers (a read-only view:
 * only {@link RegionManager}'s events change it).
 *
 * <p>No decision needs the address order: it is kept only once someone has read it ({@link #build}; the invariant
 * checker does, after every message), from then on by every event. Until then {@link #put} and {@link #remove} do
 * nothing, and a production run never pays for it. Reading it the first time changes the state object (not the
 * state): read it where the entity runs, as everything else.
 */
final class AllocationIndex extends AbstractMap<Long, RegionManager.Allocation> {
    private long[] starts;
    private RegionManager.Allocation[] allocations;
    private int size;
    private boolean live;

    /** Whether the index is kept (it has been read). */
    boolean live() {
        return live;
    }

    /** Starts keeping the index: fills it with every allocation {@code held} holds. */
    void build(java.util.Collection<RegionState.Held> held) {
        int n = 0;
        for (RegionState.Held h : held) n += h.allocations.length;
        starts = new long[Math.max(16, n)];
        allocations = new RegionManager.Allocation[starts.length];
        size = 0;
        for (RegionState.Held h : held) for (RegionManager.Allocation al : h.allocations) allocations[size++] = al;
        Arrays.sort(allocations, 0, size, java.util.Comparator.comparingLong(RegionManager.Allocation::startPage));
        for (int i = 0; i < size; i++) starts[i] = allocations[i].startPage();
        live = true;
    }

    private int indexOf(long start) {
        assert live : "the allocation index read before it was built";
        return Arrays.binarySearch(starts, 0, size, start);
    }

    /** The allocation at {@code start}, or null. */
    RegionManager.Allocation at(long start) {
        int i = indexOf(start);
        return i >= 0 ? allocations[i] : null;
    }

    /** Records {@code al} at its start page; returns the one it replaces there, or null. */
    RegionManager.Allocation put(RegionManager.Allocation al) {
        if (!live) return null;
        int i = indexOf(al.startPage());
        if (i >= 0) {
            RegionManager.Allocation old = allocations[i];
            allocations[i] = al;
            return old;
        }
        i = -i - 1;
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            allocations = Arrays.copyOf(allocations, size * 2);
        }
        System.arraycopy(starts, i, starts, i + 1, size - i);
        System.arraycopy(allocations, i, allocations, i + 1, size - i);
        starts[i] = al.startPage();
        allocations[i] = al;
        size++;
        return null;
    }

    /** Drops the allocation at {@code start}; returns it, or null. */
    RegionManager.Allocation remove(long start) {
        if (!live) return null;
        int i = indexOf(start);
        if (i < 0) return null;
        RegionManager.Allocation old = allocations[i];
        System.arraycopy(starts, i + 1, starts, i, size - i - 1);
        System.arraycopy(allocations, i + 1, allocations, i, size - i - 1);
        allocations[--size] = null;
        return old;
    }

    /** The allocation that starts before {@code start}, nearest to it, or null. */
    RegionManager.Allocation before(long start) {
        int i = indexOf(start);
        int b = (i >= 0 ? i : -i - 1) - 1;
        return b >= 0 ? allocations[b] : null;
    }

    /** The allocation that starts after {@code start}, nearest to it, or null. */
    RegionManager.Allocation after(long start) {
        int i = indexOf(start);
        int a = i >= 0 ? i + 1 : -i - 1;
        return a < size ? allocations[a] : null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public RegionManager.Allocation get(Object key) {
        return key instanceof Long start ? at(start) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    /** In address order (a live, read-only view). */
    @Override
    public List<RegionManager.Allocation> values() {
        return new AbstractList<>() {
            @Override public RegionManager.Allocation get(int i) {
                if (i < 0 || i >= size) throw new IndexOutOfBoundsException(i);
                return allocations[i];
            }

            @Override public int size() {
                return size;
            }
        };
    }

    /** In address order (a live, read-only view). */
    @Override
    public Set<Entry<Long, RegionManager.Allocation>> entrySet() {
        return new AbstractSet<>() {
            @Override public Iterator<Entry<Long, RegionManager.Allocation>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override public boolean hasNext() {
                        return next < size;
                    }

                    @Override public Entry<Long, RegionManager.Allocation> next() {
                        if (next >= size) throw new NoSuchElementException();
                        int i = next++;
                        return new SimpleImmutableEntry<>(starts[i], allocations[i]);
                    }
                };
            }

            @Override public int size() {
                return size;
            }
        };
    }
}
