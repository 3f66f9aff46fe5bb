package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of GPU fences, as a move fence or a ghost's fences are. Fences are named by the BO they were attached to and
 * their number there: a BO's n-th fence is {@code (bo, n)}, and {@code signal BO} signals all of a BO's fences at
 * once, so a set keeps, per BO, only the highest number it waits for: {@code bo -> n} stands for fences 1..n of
 * {@code bo}. Immutable; every change makes a new set (they hold a few entries).
 */
public record FenceSet(Map<String, Long> upTo) {
    public static final FenceSet NONE = new FenceSet(Map.of());

    public FenceSet {
        if (upTo instanceof Checked c) {
            upTo = c.view; // made by this class from a checked set: sorted, positive, and never changed again
        } else {
            for (Map.Entry<String, Long> e : upTo.entrySet())
                if (e.getValue() <= 0) throw new IllegalArgumentException("fence number of " + e.getKey() + " must be positive");
            upTo = Collections.unmodifiableMap(new TreeMap<>(upTo));
        }
    }

    /**
     * A map this class built from checked sets and hands over whole: the constructor takes its view without copying
     * and checking it again (a region signals fences often, and every carrier's set shrinks each time).
     */
    private static final class Checked extends TreeMap<String, Long> {
        final Map<String, Long> view = Collections.unmodifiableMap(this);

        Checked(Map<String, Long> from) {
            super(from);
        }
    }

    /** Fences 1..{@code seq} of {@code bo}; {@link #NONE} when {@code seq} is 0. */
    public static FenceSet of(String bo, long seq) {
        return seq <= 0 ? NONE : new FenceSet(Map.of(bo, seq));
    }

    @JsonIgnore
    public boolean isEmpty() {
        return upTo.isEmpty();
    }

    /** Both sets' fences. */
    public FenceSet union(FenceSet other) {
        if (other.isEmpty()) return this;
        if (isEmpty()) return other;
        Checked m = new Checked(upTo);
        for (Map.Entry<String, Long> e : other.upTo.entrySet()) m.merge(e.getKey(), e.getValue(), Math::max);
        return new FenceSet(m);
    }

    /** What is left once fences 1..{@code seq} of {@code bo} have signalled. */
    public FenceSet signaled(String bo, long seq) {
        Long mine = upTo.get(bo);
        if (mine == null || mine > seq) return this;
        if (upTo.size() == 1) return NONE;
        Checked m = new Checked(upTo);
        m.remove(bo);
        return new FenceSet(m);
    }

    /** Whether nothing is left once fences 1..{@code seq} of {@code bo} have signalled (as {@code signaled(bo, seq).isEmpty()}). */
    public boolean emptiedBy(String bo, long seq) {
        return isEmpty() || (upTo.size() == 1 && clearedBy(bo, seq));
    }

    /** Whether signalling {@code bo}'s fences up to {@code seq} removes an entry of this set. */
    public boolean clearedBy(String bo, long seq) {
        Long mine = upTo.get(bo);
        return mine != null && mine <= seq;
    }

    /** Whether every fence of {@code other} is in this set. */
    public boolean covers(FenceSet other) {
        for (Map.Entry<String, Long> e : other.upTo.entrySet()) {
            Long mine = upTo.get(e.getKey());
            if (mine == null || mine < e.getValue()) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        if (isEmpty()) return "{}";
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Long> e : upTo.entrySet()) {
            if (b.length() > 1) b.append(", ");
            b.append(e.getKey()).append(e.getValue() == 1 ? "#1" : "#1.." + e.getValue());
        }
        return b.append('}').toString();
    }
}
