package dev.ttm.load;

import dev.ttm.actors.runtime.Wiring;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the model did, counted from every decision's events as they are applied ({@link Wiring.DecisionTap}): moves,
 * evictions and bytes moved (from the BOs' {@code Moved}), execbuf back-offs after EDEADLK, the driver's
 * io_mem_reserve / io_mem_free calls, ghosts, and each region's used pages and VRAM's used window pages (from the
 * region managers' allocations and frees). Cheap and lock-free: it runs on the entities' threads.
 */
public final class ModelCounters implements Wiring.DecisionTap {
    public final LongAdder moves = new LongAdder();
    public final LongAdder evictions = new LongAdder();
    public final LongAdder pagesMoved = new LongAdder();
    public final LongAdder backoffs = new LongAdder();
    public final LongAdder ioReserves = new LongAdder();
    public final LongAdder ioFrees = new LongAdder();
    public final LongAdder ghosts = new LongAdder();
    private final Map<String, AtomicLong> usedPages = new LinkedHashMap<>();
    private final AtomicLong windowPages = new AtomicLong();
    private final long visiblePages;
    private final long pageBytes;

    public ModelCounters(DeviceConfig device) {
        this.pageBytes = device.pageBytes();
        long visible = 0;
        for (RegionConfig r : device.regions().values()) {
            usedPages.put(r.name(), new AtomicLong());
            if (r.name().equals(RegionConfig.VRAM)) visible = r.visiblePages();
        }
        this.visiblePages = visible;
    }

    /** Region usage starts from what the model held before the tap went in (the setup's BOs are created with it in). */
    @Override
    public void decided(Address entity, List<? extends Event> events) {
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e instanceof BufferObject.Moved m) moved(m);
            else if (e instanceof RegionManager.Allocated a) allocated(((Address.Region) entity).name(), a.allocation().startPage(), a.allocation().pages(), 1);
            else if (e instanceof RegionManager.Freed f) allocated(((Address.Region) entity).name(), f.startPage(), f.pages(), -1);
            else if (e instanceof RegionManager.Ghosted) ghosts.increment();
            else if (e instanceof Execbuf.BackedOff) backoffs.increment();
            else if (e instanceof IoManager.ReserveCalled) ioReserves.increment();
            else if (e instanceof IoManager.FreeCalled) ioFrees.increment();
        }
    }

    private void moved(BufferObject.Moved m) {
        if (m.to() == null) return;
        moves.increment();
        if (m.eviction()) evictions.increment();
        pagesMoved.add(m.to().pages());
    }

    private void allocated(String region, long start, long pages, int sign) {
        AtomicLong used = usedPages.get(region);
        if (used != null) used.addAndGet(sign * pages);
        if (region.equals(RegionConfig.VRAM)) {
            long inWindow = Math.max(0, Math.min(start + pages, visiblePages) - start);
            if (inWindow > 0) windowPages.addAndGet(sign * inWindow);
        }
    }

    /** A resumed run: usage starts from what the recovered model holds (BOs and ghosts; the window from the BOs). */
    public void startFrom(dev.ttm.actors.Snapshot view) {
        view.regions().forEach((name, r) -> {
            AtomicLong used = usedPages.get(name);
            if (used != null) used.set(r.usedBytes() / pageBytes);
        });
        long window = 0;
        for (dev.ttm.actors.BoView b : view.bos().values()) {
            if (b.resource().isEmpty() || !b.resource().get().region().equals(RegionConfig.VRAM)) continue;
            long start = b.resource().get().startPage();
            window += Math.max(0, Math.min(start + b.resource().get().pages(), visiblePages) - start);
        }
        windowPages.set(window);
    }

    public long bytesMoved() {
        return pagesMoved.sum() * pageBytes;
    }

    /** Bytes in use per region now (SYSTEM included when it is a configured region). */
    public Map<String, Long> usedBytes() {
        Map<String, Long> m = new LinkedHashMap<>();
        usedPages.forEach((k, v) -> m.put(k, v.get() * pageBytes));
        return m;
    }

    public long windowUsedBytes() {
        return windowPages.get() * pageBytes;
    }

    public long windowBytes() {
        return visiblePages * pageBytes;
    }
}
