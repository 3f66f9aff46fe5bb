package dev.ttm.protocol.model;

/**
 * Fences 1..{@code seq} of BO {@code bo} signalled (dma_fence_signal, seen by those who wait on it). A BO tells every
 * region when its fences signal; a region frees the ghosts that waited only for them, drops them from its move fence,
 * and passes the news on to the BOs whose resources it gave out carrying them.
 */
public record FenceSignaled(String bo, long seq) implements BufferObject.Inbound, RegionManager.Inbound {
    public FenceSignaled {
        if (seq <= 0) throw new IllegalArgumentException("fence number must be positive");
    }

    @Override public void dispatchTo(BufferObject.Handler h) { h.on(this); }
    @Override public void dispatchTo(RegionManager.Handler h) { h.on(this); }
}
