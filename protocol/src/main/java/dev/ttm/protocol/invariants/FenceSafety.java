package dev.ttm.protocol.invariants;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.FenceSet;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * INV-14's own bookkeeping, kept from events and independent of the regions' ghosts and move fences: which pages
 * the GPU may still use after their holder left them, and until which fences signal. A fence {@code (bo, n)} has
 * signalled when that BO's {@link BoState#signaledSeq()} has reached {@code n}. Entries whose fences have all
 * signalled are dropped when next looked at, so the cost follows the pages left behind by busy BOs.
 */
final class FenceSafety {
    /** Pages {@code [start, end)} that the GPU may use until {@code fences} signal. */
    record Dirty(long start, long end, FenceSet fences) {}

    private final Map<String, List<Dirty>> dirty = new HashMap<>();

    /** A busy BO left {@code from} (moved away, purged or freed): its pages stay in use until {@code busy} signals. */
    void left(Resource from, FenceSet busy) {
        assert !busy.isEmpty();
        dirty.computeIfAbsent(from.region(), k -> new ArrayList<>()).add(new Dirty(from.startPage(), from.endPage(), busy));
    }

    /**
     * The fences, not yet signalled, that a former holder of any page in {@code [start, end)} of {@code region} left
     * there and that {@code carried} does not carry; {@link FenceSet#NONE} when there are none.
     */
    FenceSet uncovered(ModelView view, String region, long start, long end, FenceSet carried) {
        List<Dirty> list = dirty.get(region);
        if (list == null) return FenceSet.NONE;
        FenceSet out = FenceSet.NONE;
        for (Iterator<Dirty> it = list.iterator(); it.hasNext(); ) {
            Dirty d = it.next();
            FenceSet pending = unsignaled(view, d.fences());
            if (pending.isEmpty()) {
                it.remove();
            } else if (d.start() < end && d.end() > start && !carried.covers(pending)) {
                out = out.union(pending);
            }
        }
        if (list.isEmpty()) dirty.remove(region);
        return out;
    }

    /** The part of {@code f} whose fences have not signalled yet. */
    static FenceSet unsignaled(ModelView view, FenceSet f) {
        FenceSet left = f;
        for (Map.Entry<String, Long> e : f.upTo().entrySet()) {
            BoState bo = view.bo(e.getKey());
            if (bo != null) left = left.signaled(e.getKey(), bo.signaledSeq());
        }
        return left;
    }

    void clear() {
        dirty.clear();
    }
}
