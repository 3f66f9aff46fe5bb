package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory over time ({@code ttm replay --html}): for each region, every allocation as a span of pages held from one stamp
 * to another (by a BO, or by a ghost, named with the BO it came from), and markers where a BO was evicted and where a
 * CPU fault arrived. Built from the regions' own events (Allocated, Freed, Ghosted), so the picture is what the region
 * managers decided, not what the BOs believed.
 */
public final class MemoryMap implements FoldListener {
    /** Pages {@code [startPage, startPage + pages)} of {@code region}, held by {@code holder} from {@code from} to {@code to} (-1: still at the end). */
    public record Span(String region, long startPage, long pages, String holder, String bo, boolean ghost, long from, long to) {}

    public enum Kind { EVICTION, FAULT }

    /** Something that happened to {@code bo} at {@code stamp} in {@code region}'s pages {@code [startPage, startPage + pages)}. */
    public record Marker(Kind kind, long stamp, String region, long startPage, long pages, String bo, String text) {}

    /** One region's geometry: {@code sizePages} -1 when unbounded, {@code windowPages} its CPU-visible window {@code [0, w)}. */
    public record RegionInfo(String name, long sizePages, long windowPages, boolean cpuVisible) {}

    private final List<RegionInfo> regions = new ArrayList<>();
    private final List<Span> closed = new ArrayList<>();
    private final Map<String, Span> open = new LinkedHashMap<>();
    private final Map<String, String> ghostOf = new HashMap<>();
    private final List<Marker> markers = new ArrayList<>();

    public MemoryMap(dev.ttm.protocol.model.DeviceConfig device) {
        for (RegionConfig r : device.regions().values())
            regions.add(new RegionInfo(r.name(), r.bounded() ? r.sizePages() : -1, r.visiblePages(), r.cpuVisible()));
    }

    @Override
    public void beforeEvent(JournalEntry entry, Address entity, Event event, ModelView before) {
        long stamp = entry.stamp();
        if (entity instanceof Address.Region r) region(r.name(), stamp, event);
        else if (event instanceof BufferObject.Moved m && m.eviction() && m.from() != null && entity instanceof Address.Bo b)
            markers.add(marker(Kind.EVICTION, stamp, m.from(), b.name(), b.name() + " evicted " + m.from() + " -> " + (m.to() == null ? "none" : m.to())));
    }

    private void region(String region, long stamp, Event event) {
        if (event instanceof RegionManager.Allocated a) {
            RegionManager.Allocation al = a.allocation();
            start(region, al.startPage(), al.pages(), al.bo(), al.bo(), false, stamp);
        } else if (event instanceof RegionManager.Freed f) {
            end(region, f.startPage(), stamp);
        } else if (event instanceof RegionManager.Ghosted g) {
            Span s = end(region, g.startPage(), stamp);
            ghostOf.put(g.ghost(), g.bo());
            if (s != null) start(region, s.startPage(), s.pages(), g.ghost(), g.bo(), true, stamp);
        }
    }

    private void start(String region, long startPage, long pages, String holder, String bo, boolean ghost, long stamp) {
        Span prev = open.put(region + "@" + startPage, new Span(region, startPage, pages, holder, bo, ghost, stamp, -1));
        if (prev != null) closed.add(close(prev, stamp));
    }

    private Span end(String region, long startPage, long stamp) {
        Span s = open.remove(region + "@" + startPage);
        if (s != null) closed.add(close(s, stamp));
        return s;
    }

    private static Span close(Span s, long stamp) {
        return new Span(s.region(), s.startPage(), s.pages(), s.holder(), s.bo(), s.ghost(), s.from(), stamp);
    }

    @Override
    public void afterEntry(FoldStep step) {
        JournalEntry e = step.entry();
        if (!(e.recorded().input() instanceof BufferObject.Fault f) || !(e.entity() instanceof Address.Bo b)) return;
        BoState s = step.after().bo(b.name());
        Resource r = s == null ? null : s.resource();
        if (r == null) return;
        boolean mapped = false;
        for (Event ev : e.recorded().events()) mapped |= ev instanceof BufferObject.Mapped;
        long page = Math.min(r.startPage() + f.page(), r.endPage() - 1);
        markers.add(new Marker(Kind.FAULT, e.stamp(), r.region(), page, 1, b.name(),
                "CPU fault on " + b.name() + " page " + f.page() + (mapped ? ": mapped" : "") + " (" + r + ")"));
    }

    private static Marker marker(Kind k, long stamp, Resource r, String bo, String text) {
        return new Marker(k, stamp, r.region(), r.startPage(), r.pages(), bo, text);
    }

    public List<RegionInfo> regions() {
        return List.copyOf(regions);
    }

    /** Every span, those still held at the end with {@code to == -1}. */
    public List<Span> spans() {
        List<Span> all = new ArrayList<>(closed);
        all.addAll(open.values());
        return all;
    }

    public List<Marker> markers() {
        return List.copyOf(markers);
    }

    /** The BO a ghost holds pages for, or the name itself when it is no ghost. */
    public String boOf(String holder) {
        return ghostOf.getOrDefault(holder, holder);
    }
}
