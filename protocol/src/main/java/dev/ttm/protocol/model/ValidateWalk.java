package dev.ttm.protocol.model;

import dev.ttm.protocol.model.BufferObject.Holder;
import dev.ttm.protocol.model.BufferObject.HolderKind;
import dev.ttm.protocol.model.BufferObject.Running;

import java.util.List;

/**
 * ttm_bo_validate from the BO's side: the two passes over the placement (free space only, then with eviction by
 * the region), the purge of an empty placement, the move once a region grants a resource, and the BO's answer
 * when a region's eviction walk picks it as a victim.
 */
final class ValidateWalk {
    private ValidateWalk() {}

    static void begin(BoStep t, Placement pl, boolean nowait) {
        BoState s = t.s;
        if (pl.isNone()) {
            purge(t);
        } else if (compatible(t, pl, 1)) {
            t.validated(Outcome.OK, "already in a compatible place");
        } else if (s.pinCount > 0) {
            t.validated(Outcome.EINVAL, s.name + " is pinned and would have to move");
        } else if (s.kmapCount() > 0) {
            t.validated(Outcome.EBUSY, s.name + " has a kmap outstanding and cannot move");
        } else if (s.resource != null && s.busy() && nowait) {
            t.validated(Outcome.EBUSY, s.name + " is busy (fence pending) and nowait was asked");
        } else {
            nextPlace(t, pl, nowait, 1, 0);
        }
    }

    private static void purge(BoStep t) {
        BoState s = t.s;
        if (s.pinCount > 0) {
            t.validated(Outcome.EINVAL, s.name + " is pinned and cannot be purged");
            return;
        }
        if (s.resource != null) {
            if (s.kmapCount() > 0) {
                t.validated(Outcome.EBUSY, s.name + " has a kmap outstanding");
                return;
            }
            dropResource(t, isEviction(s));
        }
        t.validated(Outcome.OK, "purged: no resource, contents lost");
    }

    private static boolean isEviction(BoState s) {
        return s.op != null && s.op.cmd() instanceof BufferObject.Evict;
    }

    private static boolean compatible(BoStep t, Placement pl, int pass) {
        Resource res = t.s.resource;
        if (res == null) return false;
        for (Place p : pl.places()) {
            if (!p.usableInPass(pass)) continue;
            PageRange range = t.device.resolve(p);
            if (range != null && res.compatibleWith(p.region(), range.fpfn(), range.lpfn())) return true;
        }
        return false;
    }

    /** Asks the region of the next usable place for space; after the last place of pass 1, pass 2 begins. */
    private static void nextPlace(BoStep t, Placement pl, boolean nowait, int pass, int from) {
        BoState s = t.s;
        List<Place> places = pl.places();
        for (int i = from; i < places.size(); i++) {
            Place p = places.get(i);
            if (!p.usableInPass(pass)) continue;
            PageRange range = t.device.resolve(p);
            if (range == null || range.pages() < s.sizePages) continue; // unknown region or too small a window
            t.emit(new BufferObject.OpChanged(s.op.allocating(pl, nowait, pass, i)));
            t.send(new Address.Region(p.region()), new RegionManager.Alloc(s.name, s.sizePages, s.priority, p,
                    range.fpfn(), range.lpfn(), pass, nowait, false, s.op.requestId(), t.bo.address()));
            return;
        }
        if (pass == 1) {
            if (compatible(t, pl, 2)) t.validated(Outcome.OK, "already in a fallback place");
            else nextPlace(t, pl, nowait, 2, 0);
        } else if (s.op.sawBusy()) {
            // Only busy victims stood in the way: transient (a fault retries), not out of memory.
            t.validated(Outcome.EBUSY, "no space for " + s.sizePages + " pages in " + pl + " without waiting for busy victims");
        } else {
            t.validated(Outcome.ENOMEM, "no space for " + s.sizePages + " pages in " + pl);
        }
    }

    static void onGranted(BoStep t, RegionManager.Granted g) {
        t.expectPhase(BufferObject.Phase.ALLOC);
        BoState s = t.s;
        Resource old = s.resource;
        if (old != null) CpuAccess.unmapVirtual(t); // the first placement has nothing mapped to zap
        t.emit(new BufferObject.Moved(old, g.resource(), isEviction(s), s.busy()));
        if (old != null) t.send(new Address.Region(old.region()), new RegionManager.Free(s.name, old.startPage(), old.pages()));
        t.validated(Outcome.OK, "moved to " + g.resource());
    }

    static void onRefused(BoStep t, RegionManager.Refused r) {
        t.expectPhase(BufferObject.Phase.ALLOC);
        Running op = t.s.op;
        if (r.outcome() == Outcome.ENOMEM) {
            if (r.busyVictims()) t.emit(new BufferObject.OpChanged(op.busySeen()));
            nextPlace(t, op.placement(), op.nowait(), op.pass(), op.index() + 1);
        } else {
            t.validated(r.outcome(), r.reason());
        }
    }

    /** The BO loses its resource: unmapped, freed in its region; a purge or the end of a delayed destroy. */
    static void dropResource(BoStep t, boolean eviction) {
        Resource old = t.s.resource;
        CpuAccess.unmapVirtual(t);
        t.emit(new BufferObject.Moved(old, null, eviction, false));
        t.send(new Address.Region(old.region()), new RegionManager.Free(t.s.name, old.startPage(), old.pages()));
    }

    /** A region's eviction walk asks this BO to leave: it does if it can be try-reserved, else says why not. */
    static void onEvict(BoStep t, BufferObject.Evict e) {
        BoState s = t.s;
        RegionConfig rc = t.device.region(e.region());
        String refuse = refusal(s, e, rc);
        if (refuse != null) {
            t.send(new Address.Region(e.region()), new RegionManager.VictimDone(s.name, false, s.busy() && e.nowait(), refuse));
            return;
        }
        t.emit(new BufferObject.Reserved(new Holder("evict:" + e.region(), null, HolderKind.EVICTION)));
        t.emit(new BufferObject.OpChanged(Running.of(e, true, e.nowait())));
        if (s.destroyed || rc.purge()) {
            dropResource(t, true);
            t.validated(Outcome.OK, s.destroyed ? "freed (destroyed)" : "purged");
        } else {
            begin(t, t.device.evictionPlacement(e.region()), e.nowait());
        }
    }

    private static String refusal(BoState s, BufferObject.Evict e, RegionConfig rc) {
        if (s.resource == null || !s.resource.region().equals(e.region())) return "no longer in " + e.region();
        if (!s.destroyed && !rc.purge() && rc.evictTo().isEmpty()) return e.region() + " never evicts";
        if (s.holder != null) return "reserved by " + s.holder;
        if (s.pinCount > 0) return "pinned";
        if (s.busy() && e.nowait()) return "busy and the walk must not wait";
        return null;
    }
}
