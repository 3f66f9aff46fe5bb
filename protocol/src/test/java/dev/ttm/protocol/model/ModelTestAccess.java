package dev.ttm.protocol.model;

/**
 * TEST ONLY: reaches into model state that no event can reach, to break an invariant on purpose (pages taken from
 * a region's allocator behind its bookkeeping's back).
 */
public final class ModelTestAccess {
    private ModelTestAccess() {}

    public static RangeAllocator allocator(RegionState region) {
        return region.allocator;
    }
}
