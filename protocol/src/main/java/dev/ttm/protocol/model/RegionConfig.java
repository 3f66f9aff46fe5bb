package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;

/**
 * A region (TTM resource manager): its size in pages ({@link #UNBOUNDED} for an unsized SYSTEM), its
 * CPU-visible window {@code [0, visiblePages)}, whether all of it is CPU-visible, and where its victims go.
 */
public record RegionConfig(String name, long sizePages, long visiblePages, boolean cpuVisible,
                           List<String> evictTo, boolean purge) {
    /**
     * An unbounded region is an allocator this large: 2^61 pages, room for a million BOs of the largest size
     * (2^50 bytes) even with 512-byte pages, and still far from overflowing a page number.
     */
    public static final long UNBOUNDED = 1L << 61;
    /** The roles the model gives regions by name: SYSTEM never evicts, VRAM has the window, TT is mappable. */
    public static final String SYSTEM = "SYSTEM";
    public static final String VRAM = "VRAM";
    public static final String TT = "TT";

    public RegionConfig {
        evictTo = List.copyOf(evictTo);
        if (sizePages <= 0) throw new IllegalArgumentException("region " + name + ": size must be positive");
        if (visiblePages < 0 || visiblePages > sizePages)
            throw new IllegalArgumentException("region " + name + ": window larger than the region");
        if (purge && !evictTo.isEmpty()) throw new IllegalArgumentException("region " + name + ": purge and evict-to");
        if (evictTo.contains(name)) throw new IllegalArgumentException("region " + name + " evicts to itself");
    }

    @JsonIgnore // derived from the name (and not a component: a snapshot would not read it back)
    public boolean isSystem() {
        return SYSTEM.equals(name);
    }

    public boolean bounded() {
        return sizePages != UNBOUNDED;
    }

    /** SYSTEM never evicts: its allocation never fails for space. */
    public boolean evicts() {
        return !isSystem();
    }
}
