package dev.ttm.actors;

import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionState;

import java.util.List;
import java.util.OptionalLong;

/**
 * One region (TTM resource manager) as the model last saw it: an immutable copy (part of a {@link Snapshot}).
 *
 * @param name         the region's name
 * @param sizeBytes    its size, empty when unbounded (SYSTEM unless sized)
 * @param usedBytes    bytes allocated, ghosts' pages included
 * @param freeBytes    bytes free, empty when unbounded
 * @param visibleBytes the size of its CPU-visible window {@code [0, visible)} (0: none)
 * @param cpuVisible   whether the whole region is CPU-visible (TT, SYSTEM)
 * @param lru          its LRU, least recently used first (priority 0's list before 1, 2, 3; ghosts left out)
 * @param ghosts       the ghosts holding pages here until their fences signal (pipelined moves, delayed destroys)
 * @param ghostBytes   the bytes they hold
 * @param movePending  whether a busy eviction's fences are pending here (new resources carry them)
 */
public record RegionView(String name, OptionalLong sizeBytes, long usedBytes, OptionalLong freeBytes, long visibleBytes,
                         boolean cpuVisible, List<String> lru, List<String> ghosts, long ghostBytes, boolean movePending) {

    public RegionView {
        lru = List.copyOf(lru);
        ghosts = List.copyOf(ghosts);
    }

    static RegionView of(RegionState s, long pageBytes) {
        RegionConfig c = s.config();
        OptionalLong size = c.bounded() ? OptionalLong.of(c.sizePages() * pageBytes) : OptionalLong.empty();
        OptionalLong free = c.bounded() ? OptionalLong.of(s.freePages() * pageBytes) : OptionalLong.empty();
        return new RegionView(c.name(), size, s.usedPages() * pageBytes, free, c.visiblePages() * pageBytes, c.cpuVisible(),
                s.lruOrder(), List.copyOf(s.ghosts().keySet()), s.ghostPages() * pageBytes, !s.moveFence().isEmpty());
    }
}
