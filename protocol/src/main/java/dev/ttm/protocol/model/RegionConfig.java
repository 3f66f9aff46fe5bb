package dev.ttm.protocol.model;

import java.util.List;

/**
 * A region (TTM resource manager): its size in pages ({@link #UNBOUNDED} for an unsized SYSTEM), its
 * CPU-visible window {@code [0, visiblePages)}, whether all of it is CPU-visible, and where its victims go.
 */
public record RegionConfig(String name, long sizePages, long visiblePages, boolean cpuVisible,
                           List<String> evictTo, boolean purge) {
    /** An unbounded region is an allocator this large: far more pages than any run can use. */
    public static final long UNBOUNDED = 1L << 52;
    public static final String SYSTEM = "SYSTEM";

    public RegionConfig {
        evictTo = List.copyOf(evictTo);
        if (sizePages <= 0) throw new IllegalArgumentException("region " + name + ": size must be positive");
        if (visiblePages < 0 || visiblePages > sizePages)
            throw new IllegalArgumentException("region " + name + ": window larger than the region");
        if (purge && !evictTo.isEmpty()) throw new IllegalArgumentException("region " + name + ": purge and evict-to");
        if (evictTo.contains(name)) throw new IllegalArgumentException("region " + name + " evicts to itself");
    }

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
