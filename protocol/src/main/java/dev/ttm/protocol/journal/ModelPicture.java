package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole model at one point of a journal ({@code ttm replay --at STAMP}): each region's memory map (which BO or
 * ghost holds which pages, the free ranges of a bounded region, the CPU-visible window, the LRU), each BO's state.
 *
 * @param stamp the stamp of the last entry folded (0: none)
 */
public record ModelPicture(long stamp, List<RegionPicture> regions, List<BoPicture> bos) {
    /** A run of pages: held by {@code holder} (a BO, or a ghost when {@code ghost}), or free when {@code holder} is null. */
    public record Span(long startPage, long pages, String holder, boolean ghost) {
        public long endPage() {
            return startPage + pages;
        }
    }

    /** {@code sizePages} -1: unbounded (only its allocations are listed); {@code windowPages}: the CPU-visible window {@code [0, w)}. */
    public record RegionPicture(String name, long sizePages, long usedPages, long windowPages, boolean cpuVisible, List<Span> map, List<String> lru,
                                List<String> ghosts) {}

    public static ModelPicture of(ModelView m, long stamp) {
        List<RegionPicture> regions = new ArrayList<>();
        for (RegionState r : m.regions()) regions.add(region(r));
        Map<String, BoPicture> bos = new TreeMap<>();
        for (BoState b : m.bos()) if (b.created()) bos.put(b.name(), BoPicture.of(b));
        return new ModelPicture(stamp, regions, List.copyOf(bos.values()));
    }

    private static RegionPicture region(RegionState r) {
        boolean bounded = r.config().bounded();
        List<Span> map = new ArrayList<>();
        long at = 0;
        for (RegionManager.Allocation a : new TreeMap<>(r.allocations()).values()) {
            if (bounded && a.startPage() > at) map.add(new Span(at, a.startPage() - at, null, false));
            map.add(new Span(a.startPage(), a.pages(), a.bo(), r.isGhost(a.bo())));
            at = a.endPage();
        }
        if (bounded && at < r.config().sizePages()) map.add(new Span(at, r.config().sizePages() - at, null, false));
        return new RegionPicture(r.name(), bounded ? r.config().sizePages() : -1, r.usedPages(), r.config().visiblePages(), r.config().cpuVisible(),
                map, r.lruOrder(), List.copyOf(r.ghosts().keySet()));
    }
}
