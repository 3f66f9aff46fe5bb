package dev.ttm.actors;

import dev.ttm.protocol.model.Reply;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A region (TTM resource manager) of a {@link TtmSystem}, by name: {@code ttm.region("VRAM")}. A region the device
 * lacks answers {@code ENOENT}.
 */
public final class RegionHandle {
    private final TtmSystem ttm;
    private final String name;

    RegionHandle(TtmSystem ttm, String name) {
        this.ttm = ttm;
        this.name = name;
    }

    /** The region's name. */
    public String name() {
        return name;
    }

    /**
     * Evicts every unpinned BO of the region (suspend, teardown): each victim is try-reserved, busy ones are evicted
     * pipelined; {@code EBUSY} names the BOs that could not leave. SYSTEM never evicts ({@code EBUSY} while it holds BOs).
     */
    public CompletionStage<Reply> evictAll() {
        return ttm.evictAll(name);
    }

    /** The region as the model last saw it (see {@link Snapshot}), or empty if the device has no such region. */
    public CompletionStage<Optional<RegionView>> view() {
        return ttm.views().thenApply(s -> s.region(name));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegionHandle h && h.ttm == ttm && h.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "region:" + name;
    }
}
