package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * RangeAllocator (docs/semantics.md "Memory": first-fit from the lowest address inside {@code [fpfn, lpfn)}, topdown takes
 * the highest fitting range, ranges never overlap nor leave the region) — example tests and a seeded comparison with
 * a naive page bitmap. Replay a failing property run with {@code -Dseed=N}.
 */
class RangeAllocatorTest {

    private static List<long[]> ranges(long... startLen) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < startLen.length; i += 2) out.add(new long[] {startLen[i], startLen[i + 1]});
        return out;
    }

    private static void assertRanges(List<long[]> expected, RangeAllocator a) {
        List<long[]> actual = a.freeRanges();
        assertEquals(expected.size(), actual.size(), () -> "free ranges " + show(actual));
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), () -> "free ranges " + show(actual));
    }

    static String show(List<long[]> rs) {
        StringBuilder b = new StringBuilder("[");
        for (long[] r : rs) b.append(' ').append(r[0]).append('+').append(r[1]);
        return b.append(" ]").toString();
    }

    @Nested
    class Basics {
        @Test
        void freshAllocatorIsOneFreeRange() {
            RangeAllocator a = new RangeAllocator(100);
            assertEquals(100, a.sizePages());
            assertEquals(100, a.freePages());
            assertRanges(ranges(0, 100), a);
            assertTrue(a.isFree(0, 100));
            assertFalse(a.isFree(0, 101));
        }

        @Test
        void nonPositiveSizeIsRefused() {
            assertThrows(IllegalArgumentException.class, () -> new RangeAllocator(0));
            assertThrows(IllegalArgumentException.class, () -> new RangeAllocator(-5));
        }

        @Test
        void hugeUnboundedRegionWorks() {
            RangeAllocator a = new RangeAllocator(RegionConfig.UNBOUNDED);
            assertEquals(0, a.findFit(1 << 20, 0, RegionConfig.UNBOUNDED, false));
            assertEquals(RegionConfig.UNBOUNDED - 7, a.findFit(7, 0, RegionConfig.UNBOUNDED, true));
            a.allocate(RegionConfig.UNBOUNDED - 7, 7);
            assertEquals(RegionConfig.UNBOUNDED - 14, a.findFit(7, 0, RegionConfig.UNBOUNDED, true));
            a.free(RegionConfig.UNBOUNDED - 7, 7);
            assertRanges(ranges(0, RegionConfig.UNBOUNDED), a);
        }
    }

    @Nested
    class FindFit {
        /** 0..9 used, 10..19 free, 20..24 used, 25..39 free, 40..49 used, 50..99 free. */
        RangeAllocator holes() {
            RangeAllocator a = new RangeAllocator(100);
            a.allocate(0, 10);
            a.allocate(20, 5);
            a.allocate(40, 10);
            assertRanges(ranges(10, 10, 25, 15, 50, 50), a);
            return a;
        }

        @Test
        void firstFitTakesTheLowestAddress() {
            RangeAllocator a = holes();
            assertEquals(10, a.findFit(1, 0, 100, false));
            assertEquals(10, a.findFit(10, 0, 100, false));
            assertEquals(25, a.findFit(11, 0, 100, false));
            assertEquals(25, a.findFit(15, 0, 100, false));
            assertEquals(50, a.findFit(16, 0, 100, false));
            assertEquals(50, a.findFit(50, 0, 100, false));
            assertEquals(-1, a.findFit(51, 0, 100, false));
        }

        @Test
        void firstFitStaysInsideTheWindow() {
            RangeAllocator a = holes();
            // window starts inside a free range: the window's start is the lowest fitting address
            assertEquals(13, a.findFit(4, 13, 100, false));
            assertEquals(13, a.findFit(7, 13, 100, false));
            assertEquals(25, a.findFit(8, 13, 100, false));
            // window ends inside a free range: the range is clipped
            assertEquals(10, a.findFit(5, 0, 30, false));
            assertEquals(25, a.findFit(5, 20, 30, false));
            assertEquals(-1, a.findFit(6, 20, 30, false));
            assertEquals(25, a.findFit(11, 0, 36, false));
            assertEquals(-1, a.findFit(12, 0, 36, false));
            // a window entirely inside used pages
            assertEquals(-1, a.findFit(1, 0, 10, false));
            assertEquals(-1, a.findFit(1, 40, 50, false));
            // a window entirely inside one free range
            assertEquals(60, a.findFit(10, 60, 70, false));
            assertEquals(-1, a.findFit(11, 60, 70, false));
        }

        @Test
        void topdownTakesTheHighestAddress() {
            RangeAllocator a = holes();
            assertEquals(99, a.findFit(1, 0, 100, true));
            assertEquals(50, a.findFit(50, 0, 100, true));
            assertEquals(-1, a.findFit(51, 0, 100, true));
            // highest in the window
            assertEquals(39, a.findFit(1, 0, 50, true));
            assertEquals(25, a.findFit(15, 0, 50, true));
            assertEquals(10, a.findFit(10, 0, 25, true));
            assertEquals(15, a.findFit(5, 0, 20, true));
            assertEquals(-1, a.findFit(16, 0, 50, true));
            // window start inside a free range
            assertEquals(13, a.findFit(7, 13, 20, true));
            assertEquals(-1, a.findFit(8, 13, 20, true));
            // window end inside a free range
            assertEquals(55, a.findFit(5, 0, 60, true));
            assertEquals(30, a.findFit(5, 0, 35, true));
            assertEquals(60, a.findFit(10, 60, 70, true));
        }

        @Test
        void degenerateRequestsFindNothing() {
            RangeAllocator a = new RangeAllocator(100);
            assertEquals(-1, a.findFit(0, 0, 100, false));
            assertEquals(-1, a.findFit(-1, 0, 100, false));
            assertEquals(-1, a.findFit(1, -1, 100, false));
            assertEquals(-1, a.findFit(1, 0, 101, false));
            assertEquals(-1, a.findFit(1, 50, 50, true));
            assertEquals(-1, a.findFit(101, 0, 100, false));
            assertEquals(-1, a.findFit(11, 10, 20, true));
        }

        @Test
        void findFitDoesNotChangeTheAllocator() {
            RangeAllocator a = holes();
            a.findFit(5, 0, 100, false);
            a.findFit(5, 0, 100, true);
            assertRanges(ranges(10, 10, 25, 15, 50, 50), a);
            assertEquals(75, a.freePages());
        }
    }

    @Nested
    class AllocateAndFree {
        @Test
        void allocateSplitsAndFreeCoalescesWithBothNeighbours() {
            RangeAllocator a = new RangeAllocator(30);
            a.allocate(0, 10);
            a.allocate(10, 10);
            a.allocate(20, 10);
            assertEquals(0, a.freePages());
            assertRanges(ranges(), a);
            a.free(0, 10);
            a.free(20, 10);
            assertRanges(ranges(0, 10, 20, 10), a);
            a.free(10, 10); // merges left and right into one range
            assertRanges(ranges(0, 30), a);
            assertEquals(30, a.freePages());
        }

        @Test
        void freeCoalescesWithLeftOnlyAndRightOnly() {
            RangeAllocator a = new RangeAllocator(40);
            a.allocate(10, 20); // free: 0+10, 30+10
            a.free(10, 5); // touches the left range
            assertRanges(ranges(0, 15, 30, 10), a);
            a.free(25, 5); // touches the right range
            assertRanges(ranges(0, 15, 25, 15), a);
            a.free(17, 3); // touches neither
            assertRanges(ranges(0, 15, 17, 3, 25, 15), a);
            a.free(15, 2);
            a.free(20, 5);
            assertRanges(ranges(0, 40), a);
        }

        @Test
        void allocateInTheMiddleLeavesTwoRanges() {
            RangeAllocator a = new RangeAllocator(100);
            a.allocate(40, 20);
            assertRanges(ranges(0, 40, 60, 40), a);
            assertEquals(80, a.freePages());
            assertTrue(a.isFree(60, 40));
            assertFalse(a.isFree(39, 2));
            assertFalse(a.isFree(45, 1));
        }

        @Test
        void allocatingWhatIsNotFreeThrows() {
            RangeAllocator a = new RangeAllocator(100);
            a.allocate(40, 20);
            assertThrows(IllegalStateException.class, () -> a.allocate(40, 1));
            assertThrows(IllegalStateException.class, () -> a.allocate(59, 1));
            assertThrows(IllegalStateException.class, () -> a.allocate(30, 11)); // overlaps the used range
            assertThrows(IllegalStateException.class, () -> a.allocate(55, 10));
            assertThrows(IllegalStateException.class, () -> a.allocate(90, 11)); // leaves the region
            assertThrows(IllegalStateException.class, () -> a.allocate(10, 0));
            assertThrows(IllegalStateException.class, () -> a.allocate(-1, 1));
            assertRanges(ranges(0, 40, 60, 40), a); // unchanged
            assertEquals(80, a.freePages());
        }

        @Test
        void doubleFreeThrows() {
            RangeAllocator a = new RangeAllocator(100);
            a.allocate(10, 10);
            a.free(10, 10);
            assertThrows(IllegalStateException.class, () -> a.free(10, 10));
            a.allocate(10, 10);
            assertThrows(IllegalStateException.class, () -> a.free(5, 10)); // partly free
            assertThrows(IllegalStateException.class, () -> a.free(15, 10)); // partly free
            assertThrows(IllegalStateException.class, () -> a.free(0, 100)); // covers free pages
            assertThrows(IllegalStateException.class, () -> a.free(50, 1)); // wholly free
            assertRanges(ranges(0, 10, 20, 80), a);
        }

        @Test
        void freeOutsideTheRegionThrows() {
            RangeAllocator a = new RangeAllocator(100);
            a.allocate(0, 100);
            assertThrows(IllegalStateException.class, () -> a.free(-1, 2));
            assertThrows(IllegalStateException.class, () -> a.free(99, 2));
            assertThrows(IllegalStateException.class, () -> a.free(10, 0));
            assertEquals(0, a.freePages());
        }
    }

    // ---- the property test -------------------------------------------------------------------------------------

    /** The obviously correct model: one boolean per page. */
    static final class Bitmap {
        final boolean[] free;

        Bitmap(int size) {
            free = new boolean[size];
            java.util.Arrays.fill(free, true);
        }

        boolean allFree(long start, long pages) {
            if (pages <= 0 || start < 0 || start + pages > free.length) return false;
            for (long p = start; p < start + pages; p++) if (!free[(int) p]) return false;
            return true;
        }

        boolean anyFree(long start, long pages) {
            for (long p = start; p < start + pages; p++) if (free[(int) p]) return true;
            return false;
        }

        long findFit(long pages, long fpfn, long lpfn, boolean topdown) {
            if (pages <= 0 || fpfn < 0 || lpfn > free.length || lpfn - fpfn < pages) return -1;
            if (topdown) {
                for (long s = lpfn - pages; s >= fpfn; s--) if (allFree(s, pages)) return s;
            } else {
                for (long s = fpfn; s + pages <= lpfn; s++) if (allFree(s, pages)) return s;
            }
            return -1;
        }

        void set(long start, long pages, boolean v) {
            for (long p = start; p < start + pages; p++) free[(int) p] = v;
        }

        long freePages() {
            long n = 0;
            for (boolean f : free) if (f) n++;
            return n;
        }

        /** Maximal free runs: what a coalescing allocator must hold. */
        List<long[]> runs() {
            List<long[]> out = new ArrayList<>();
            int i = 0;
            while (i < free.length) {
                if (!free[i]) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < free.length && free[j]) j++;
                out.add(new long[] {i, j - i});
                i = j;
            }
            return out;
        }
    }

    static long baseSeed() {
        return dev.ttm.protocol.TestSeeds.base("RangeAllocatorTest", 0x5EED_A110CL);
    }

    @Test
    void agreesWithANaiveBitmap() {
        long seed = baseSeed();
        System.out.println("RangeAllocatorTest.agreesWithANaiveBitmap seed=" + seed + " (replay: -Dseed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] sizes = {1, 2, 3, 7, 16, 64, 200, 1000};
        long ops = 0;
        for (int round = 0; round < 40; round++) {
            int size = sizes[rnd.nextInt(sizes.length)];
            long roundSeed = rnd.nextLong();
            ops += runRound(seed, round, size, roundSeed, 4000);
        }
        assertTrue(ops >= 100_000, "ran " + ops + " operations");
    }

    /** One allocator of {@code size} pages against a bitmap, {@code n} random operations; returns n. */
    private static long runRound(long seed, int round, int size, long roundSeed, int n) {
        SplittableRandom rnd = new SplittableRandom(roundSeed);
        RangeAllocator a = new RangeAllocator(size);
        Bitmap m = new Bitmap(size);
        List<long[]> held = new ArrayList<>(); // allocations we made: {start, pages}
        ArrayDeque<String> log = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            String op = null;
            try {
                int kind = rnd.nextInt(100);
                if (kind < 35) {
                    // findFit with a random window and mode, then allocate what it found
                    long[] w = window(rnd, size);
                    long pages = randomPages(rnd, size);
                    boolean top = rnd.nextBoolean();
                    op = "findFit+allocate pages=" + pages + " window=[" + w[0] + "," + w[1] + ") topdown=" + top;
                    long got = a.findFit(pages, w[0], w[1], top);
                    long want = m.findFit(pages, w[0], w[1], top);
                    check(want == got, "findFit: allocator " + got + ", bitmap " + want);
                    if (got >= 0) {
                        a.allocate(got, pages);
                        m.set(got, pages, false);
                        held.add(new long[] {got, pages});
                    }
                } else if (kind < 55) {
                    long[] w = window(rnd, size);
                    long pages = rnd.nextInt(10) == 0 ? rnd.nextLong(-1, 2) : randomPages(rnd, size);
                    boolean top = rnd.nextBoolean();
                    op = "findFit pages=" + pages + " window=[" + w[0] + "," + w[1] + ") topdown=" + top;
                    long got = a.findFit(pages, w[0], w[1], top);
                    long want = m.findFit(pages, w[0], w[1], top);
                    check(want == got, "findFit: allocator " + got + ", bitmap " + want);
                } else if (kind < 80) {
                    if (held.isEmpty()) continue;
                    long[] h = held.remove(rnd.nextInt(held.size()));
                    // sometimes free only a part of an allocation (the allocator is range-based, not object-based)
                    long start = h[0];
                    long pages = h[1];
                    if (pages > 1 && rnd.nextInt(4) == 0) {
                        long cut = rnd.nextLong(1, pages);
                        if (rnd.nextBoolean()) {
                            held.add(new long[] {start + cut, pages - cut});
                            pages = cut;
                        } else {
                            held.add(new long[] {start, cut});
                            start += cut;
                            pages -= cut;
                        }
                    }
                    op = "free " + start + "+" + pages;
                    a.free(start, pages);
                    m.set(start, pages, true);
                } else if (kind < 88) {
                    // allocate an arbitrary range: must succeed iff every page is free
                    long start = rnd.nextLong(-1, size + 1);
                    long pages = rnd.nextLong(0, Math.min(size, 12) + 2);
                    op = "allocate " + start + "+" + pages;
                    boolean ok = m.allFree(start, pages);
                    boolean threw = false;
                    try {
                        a.allocate(start, pages);
                    } catch (IllegalStateException e) {
                        threw = true;
                    }
                    check(ok != threw, "allocate: bitmap says " + (ok ? "free" : "not free") + ", allocator " + (threw ? "threw" : "took it"));
                    if (ok) {
                        m.set(start, pages, false);
                        held.add(new long[] {start, pages});
                    }
                } else if (kind < 96) {
                    // free an arbitrary range: must throw unless wholly allocated (not free) and inside the region
                    long start = rnd.nextLong(-1, size + 1);
                    long pages = rnd.nextLong(0, Math.min(size, 12) + 2);
                    op = "free-any " + start + "+" + pages;
                    boolean inside = pages > 0 && start >= 0 && start + pages <= size;
                    boolean ok = inside && !m.anyFree(start, pages);
                    boolean threw = false;
                    try {
                        a.free(start, pages);
                    } catch (IllegalStateException e) {
                        threw = true;
                    }
                    check(ok != threw, "free: bitmap says " + (ok ? "allocated" : "not freeable") + ", allocator " + (threw ? "threw" : "freed it"));
                    if (ok) {
                        m.set(start, pages, true);
                        forget(held, start, pages);
                    }
                } else {
                    long start = rnd.nextLong(0, size);
                    long pages = rnd.nextLong(1, size - start + 1);
                    op = "isFree " + start + "+" + pages;
                    check(m.allFree(start, pages) == a.isFree(start, pages), "isFree: allocator " + a.isFree(start, pages));
                }
                if (op != null) log.addLast(op);
                if (log.size() > 12) log.removeFirst();
                check(a.freePages() == m.freePages(), "freePages: allocator " + a.freePages() + ", bitmap " + m.freePages());
                List<long[]> runs = m.runs();
                List<long[]> fr = a.freeRanges();
                boolean same = runs.size() == fr.size();
                for (int k = 0; same && k < runs.size(); k++) same = runs.get(k)[0] == fr.get(k)[0] && runs.get(k)[1] == fr.get(k)[1];
                check(same, "free ranges (coalesced): allocator " + show(fr) + ", bitmap " + show(runs));
            } catch (AssertionError | RuntimeException e) {
                fail("seed=" + seed + " round=" + round + " size=" + size + " op#" + i + " " + op + ": " + e
                        + "\n  recent operations: " + String.join(" | ", log), e);
            }
        }
        return n;
    }

    /** Drops what {@code [start, start+pages)} freed from the bookkeeping of our allocations. */
    private static void forget(List<long[]> held, long start, long pages) {
        List<long[]> out = new ArrayList<>();
        long end = start + pages;
        for (long[] h : held) {
            long hs = h[0];
            long he = h[0] + h[1];
            if (he <= start || hs >= end) {
                out.add(h);
                continue;
            }
            if (hs < start) out.add(new long[] {hs, start - hs});
            if (he > end) out.add(new long[] {end, he - end});
        }
        held.clear();
        held.addAll(out);
    }

    private static long[] window(SplittableRandom rnd, int size) {
        int k = rnd.nextInt(6);
        if (k == 0) return new long[] {0, size};
        if (k == 1 && size > 1) return new long[] {0, rnd.nextLong(1, size + 1)};
        if (k == 2 && size > 1) return new long[] {rnd.nextLong(0, size), size};
        if (k == 3) return new long[] {rnd.nextLong(-1, size + 1), rnd.nextLong(-1, size + 2)}; // possibly malformed
        long f = rnd.nextLong(0, size);
        return new long[] {f, rnd.nextLong(f + 1, size + 1)};
    }

    private static long randomPages(SplittableRandom rnd, int size) {
        int k = rnd.nextInt(4);
        if (k == 0) return 1;
        if (k == 1) return rnd.nextLong(1, size + 2);
        return rnd.nextLong(1, Math.max(2, Math.min(size, 16) + 1));
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
