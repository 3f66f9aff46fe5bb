package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Resource;

import java.util.Map;
import java.util.TreeMap;

/**
 * One buffer object's state, as replay shows it: where its pages are ({@code none}, or {@code REGION[start..end)}),
 * pins, who holds its reservation (or null) and how many wait, the user mapping, kmaps by owner, IO references,
 * unsignalled fences, a pending move fence, destroyed.
 */
public record BoPicture(String name, long sizePages, String where, int pins, String holder, int waiting, boolean mapped,
                        Map<String, Integer> kmaps, int ioRefs, long fences, boolean movePending, boolean destroyed) {
    public BoPicture {
        kmaps = java.util.Collections.unmodifiableMap(new TreeMap<>(kmaps));
    }

    public static BoPicture of(BoState s) {
        Resource r = s.resource();
        BufferObject.Holder h = s.holder();
        String holder = h == null ? null : h.owner() + (h.ticket() == null ? "" : " (ticket " + h.ticket() + ")");
        return new BoPicture(s.name(), s.sizePages(), r == null ? "none" : r.region() + "[" + r.startPage() + ".." + r.endPage() + ")", s.pinCount(),
                holder, s.waiterCount() + s.deferredCount(), s.mapped(), s.kmaps(), s.ioRefs(), s.fences(), s.movePending(), s.destroyed());
    }

    /** One line: {@code A VRAM[0..16) pins=1 held-by=x mapped kmaps={o=1} io-refs=2 fences=1 move-pending destroyed}. */
    public String line() {
        StringBuilder b = new StringBuilder(name).append(' ').append(where);
        if (pins > 0) b.append(" pins=").append(pins);
        if (holder != null) b.append(" held-by=").append(holder);
        if (waiting > 0) b.append(" waiting=").append(waiting);
        if (mapped) b.append(" mapped");
        if (!kmaps.isEmpty()) b.append(" kmaps=").append(kmaps);
        if (ioRefs > 0) b.append(" io-refs=").append(ioRefs);
        if (fences > 0) b.append(" fences=").append(fences);
        if (movePending) b.append(" move-pending");
        if (destroyed) b.append(" destroyed");
        return b.toString();
    }
}
