package dev.ttm.actors;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.Resource;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * One buffer object as the model last saw it: an immutable copy, safe to keep and share (part of a {@link Snapshot}).
 *
 * @param name      the BO's name
 * @param sizeBytes its size
 * @param priority  its LRU priority (0 is evicted first)
 * @param resource  where its pages are, or empty (never placed, purged, destroyed)
 * @param pins      its pin count
 * @param kmaps     outstanding kernel mappings by owner
 * @param mapped    whether a user-space (fault) mapping exists
 * @param ioRefs    references to its IO reservation (the user mapping's and each kmap's)
 * @param busy      whether the GPU may still use it: unsignalled fences or a pending move fence
 * @param fences    its unsignalled fences
 * @param movePending whether CPU access waits for a pipelined move's fences
 * @param holder    who holds its reservation, or empty
 * @param waiters   requests queued for its reservation
 * @param destroyed whether it was destroyed (its memory may wait for its fences)
 */
public record BoView(String name, long sizeBytes, int priority, Optional<Residence> resource, int pins,
                     Map<String, Integer> kmaps, boolean mapped, int ioRefs, boolean busy, long fences,
                     boolean movePending, Optional<Holder> holder, int waiters, boolean destroyed) {

    /** Copies {@code kmaps}. */
    public BoView {
        kmaps = Map.copyOf(kmaps);
    }

    /**
     * Where a BO's pages are.
     *
     * @param region     the region
     * @param startPage  the first page
     * @param pages      how many
     * @param inWindow   whether the region has a CPU-visible window (VRAM's {@code visible=}) and the pages lie
     *                   entirely inside it
     * @param cpuVisible whether the CPU can reach them (in the window, a CPU-visible region, or through the io-lru
     *                   driver's aperture)
     */
    public record Residence(String region, long startPage, long pages, boolean inWindow, boolean cpuVisible) {
        @Override
        public String toString() {
            return region + "[" + startPage + ".." + (startPage + pages) + ")" + (inWindow ? ":visible" : "");
        }
    }

    /**
     * The holder of a BO's reservation.
     *
     * @param owner  the owner it was reserved for; an operation that reserved the BO for its own duration holds it
     *               under its caller's name or its own ({@code validate}, ...), an execbuf as {@code exec:N}
     * @param ticket the wait-die ticket, if reserved with one
     * @param kind   {@code EXPLICIT} for a reserve, {@code OPERATION} for an operation's own, {@code EVICTION} for an
     *               eviction walk's
     */
    public record Holder(String owner, OptionalLong ticket, BufferObject.HolderKind kind) {
        @Override
        public String toString() {
            return ticket.isPresent() ? owner + "(ticket " + ticket.getAsLong() + ")" : owner;
        }
    }

    /** As a scenario's {@code expect BO in} writes it: {@code none}, {@code TT}, {@code VRAM}, {@code VRAM:visible}. */
    public String where() {
        return resource.map(r -> r.region() + (r.inWindow() ? ":visible" : "")).orElse("none");
    }

    /** Whether anyone holds the reservation. */
    public boolean reserved() {
        return holder.isPresent();
    }

    static BoView of(BoState s, DeviceConfig device) {
        Resource res = s.resource();
        Optional<Residence> where = Optional.empty();
        if (res != null) {
            RegionConfig rc = device.region(res.region());
            boolean window = rc != null && rc.visiblePages() > 0 && res.endPage() <= rc.visiblePages();
            where = Optional.of(new Residence(res.region(), res.startPage(), res.pages(), window, device.cpuVisible(res)));
        }
        BufferObject.Holder h = s.holder();
        Optional<Holder> holder = h == null ? Optional.empty()
                : Optional.of(new Holder(h.owner(), h.ticket() == null ? OptionalLong.empty() : OptionalLong.of(h.ticket()), h.kind()));
        return new BoView(s.name(), s.sizePages() * device.pageBytes(), s.priority(), where, s.pinCount(),
                new TreeMap<>(s.kmaps()), s.mapped(), s.ioRefs(), s.busy(), s.fences(), s.movePending(), holder,
                s.waiterCount() + s.deferredCount(), s.destroyed());
    }
}
