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
            String ghost = dropResource(t, isEviction(s));
            if (ghost != null) {
                t.validated(Outcome.OK, "purged: no resource, contents lost (pipelined: the pages wait in " + ghost + " for its fences)");
                return;
            }
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

    /**
     * Asks the region of the next usable place for space; after the last place of pass 1, pass 2 begins. A place
     * whose range is too small for the BO is asked all the same: TTM learns that only from the allocator, and its
     * eviction walk evicts the range's victims for nothing first.
     */
    private static void nextPlace(BoStep t, Placement pl, boolean nowait, int pass, int from) {
        BoState s = t.s;
        List<Place> places = pl.places();
        for (int i = from; i < places.size(); i++) {
            Place p = places.get(i);
            if (!p.usableInPass(pass)) continue;
            PageRange range = t.device.resolve(p);
            if (range == null) continue; // an undeclared region, or an empty window
            t.emit(new BufferObject.OpChanged(s.op.allocating(pl, nowait, pass, i)));
            sendAlloc(t, null);
            return;
        }
        if (pass == 1) {
            if (compatible(t, pl, 2)) t.validated(Outcome.OK, "already in a fallback place");
            else nextPlace(t, pl, nowait, 2, 0);
        } else {
            // Busy or reserved victims only mean that no space was found (ttm_bo_validate: -ENOSPC becomes -ENOMEM).
            t.validated(Outcome.ENOMEM, "no space for " + s.sizePages + " pages in " + pl);
        }
    }

    /** Asks the region of the current place ({@code op.index()}) for space, for the walk's round in progress. */
    private static void sendAlloc(BoStep t, String lockedBy) {
        BoState s = t.s;
        Running op = s.op;
        Place p = op.placement().places().get(op.index());
        PageRange range = t.device.resolve(p);
        t.send(new Address.Region(p.region()), new RegionManager.Alloc(s.name, s.sizePages, s.priority, p,
                range.fpfn(), range.lpfn(), op.pass(), op.nowait(), false, lockedBy, op.requestId(), t.bo.address()));
    }

    /** Bound on the ticketed walks at one place (the kernel repeats while each evicts something). */
    static final int MAX_TICKET_ROUNDS = 16;

    /**
     * Whether a ticketed walk follows the walk that just failed (6.x ttm_bo_evict_alloc): the BO is validated under
     * a ticketed reservation, without nowait, and the device's walk takes tickets; after the try-lock walk, if some
     * victim was held by someone else; after a ticketed walk, if it evicted something. Each round locks the first
     * victim the walk before it found held by someone else.
     */
    private static boolean ticketRoundFollows(BoStep t, Running op, RegionManager.Refused r) {
        BoState s = t.s;
        // no_wait_gpu: the walk try-locks only (it may not sleep on a reservation either).
        if (op.pass() != 2 || op.nowait() || t.device.walk() == WalkMode.TRYLOCK || op.round() >= MAX_TICKET_ROUNDS) return false;
        if (s.holder == null || s.holder.kind() != HolderKind.EXPLICIT || s.holder.ticket() == null) return false;
        return op.round() == 0 ? r.contended() != null : r.evicted() > 0;
    }

    /** The owner name under which this BO's ticketed walk holds a victim's reservation. */
    static String walkOwner(BoState s) {
        return "walk:" + s.name;
    }

    /** A ticketed walk's round: lock {@code victim} with the ticket first (waiting, under wait-die), then walk. */
    private static void ticketRound(BoStep t, Running op, String victim) {
        BoState s = t.s;
        if (victim == null) {
            t.emit(new BufferObject.OpChanged(op.ticketRound(BufferObject.Phase.ALLOC, null)));
            sendAlloc(t, null);
            return;
        }
        t.emit(new BufferObject.OpChanged(op.ticketRound(BufferObject.Phase.LOCK_VICTIM, victim)));
        // acquired >= 1: the ticket holds this BO (ww_ctx->acquired counts it), so wait-die may kill it.
        t.send(new Address.Bo(victim), new BufferObject.Reserve(walkOwner(s), s.holder.ticket(), false, 1, op.requestId(), t.bo.address()));
    }

    /** The victim answered the ticketed lock: walk with it held, give up if the ticket would die, or walk without it. */
    static void onVictimLock(BoStep t, Reply r) {
        BoState s = t.s;
        Running op = s.op;
        if (op == null || op.phase() != BufferObject.Phase.LOCK_VICTIM || op.requestId() != r.requestId()) return; // stale
        if (r.outcome() == Outcome.OK) {
            t.emit(new BufferObject.OpChanged(op.at(BufferObject.Phase.ALLOC)));
            sendAlloc(t, walkOwner(s));
        } else if (r.outcome() == Outcome.EDEADLK) {
            t.emit(new BufferObject.OpChanged(op.unlocked()));
            String why = "locking victim " + op.locked() + " with ticket " + s.holder.ticket() + " would die (wait-die): " + r.reason();
            if (t.device.walk() == WalkMode.EXEC) {
                t.contended = op.locked();
                t.validated(Outcome.EDEADLK, why + "; back off and retry");
            } else {
                t.validated(Outcome.ENOMEM, why + "; the ww EDEADLK becomes -ENOSPC");
            }
        } else {
            // EALREADY: this ticket holds the victim already. The 6.x walk skips it; under drm_exec an object locked
            // by the same context may be evicted (the contended object an execbuf locked after backing off).
            boolean ours = r.outcome() == Outcome.EALREADY && t.device.walk() == WalkMode.EXEC;
            t.emit(new BufferObject.OpChanged(op.unlocked().at(BufferObject.Phase.ALLOC)));
            sendAlloc(t, ours ? s.holder.owner() : null);
        }
    }

    /** The region answered a round that held a victim's lock: let it go (an eviction under it released it already). */
    private static Running unlockVictim(BoStep t, Running op) {
        if (op.locked() == null) return op;
        t.send(new Address.Bo(op.locked()), new BufferObject.EvictUnlock(walkOwner(t.s)));
        Running u = op.unlocked();
        t.emit(new BufferObject.OpChanged(u));
        return u;
    }

    /** A region granted space: the move itself, or first the multihop bounce or the population of TT pages. */
    static void onGranted(BoStep t, RegionManager.Granted g) {
        BoState s = t.s;
        Running op = s.op;
        if (op == null || (op.phase() != BufferObject.Phase.ALLOC && op.phase() != BufferObject.Phase.HOP))
            throw new IllegalStateException("bo " + s.name + ": grant in phase " + (op == null ? "idle" : op.phase()));
        op = unlockVictim(t, op);
        if (op.phase() == BufferObject.Phase.HOP) {
            arrive(t, op.granted(BufferObject.Phase.RUNNING, op.target(), g));
            return;
        }
        String hop = t.device.hopFor(s.resource, g.resource());
        if (hop == null) {
            arrive(t, op.granted(BufferObject.Phase.RUNNING, g, null));
            return;
        }
        // amdgpu refuses VRAM <-> SYSTEM with -EMULTIHOP: ttm_bo_bounce_temp_buffer moves through TT first.
        t.emit(new BufferObject.OpChanged(op.granted(BufferObject.Phase.HOP, g, null)));
        t.send(new Address.Region(hop), new RegionManager.Alloc(s.name, s.sizePages, s.priority, Place.of(hop), 0,
                t.device.region(hop).sizePages(), 2, op.nowait(), false, null, op.requestId(), t.bo.address()));
    }

    /** The next move's resource is granted: populate TT pages first (not at creation), then move. */
    private static void arrive(BoStep t, Running op) {
        Resource to = op.arriving().resource();
        boolean creation = op.cmd() instanceof BufferObject.Create;
        if (!creation && to.region().equals(RegionConfig.TT)) {
            t.emit(new BufferObject.OpChanged(op.at(BufferObject.Phase.MOVE_POPULATE)));
            t.send(new Address.Region(RegionConfig.SYSTEM), new RegionManager.Populate(t.s.name, op.requestId()));
            return;
        }
        t.emit(new BufferObject.OpChanged(op));
        moved(t);
    }

    /** TT's pages for the move were populated (or not: the move fails and the granted space goes back). */
    static void onMovePopulated(BoStep t, RegionManager.Populated p) {
        Running op = t.s.op;
        if (p.outcome() == Outcome.OK) {
            t.emit(new BufferObject.OpChanged(op.at(BufferObject.Phase.RUNNING)));
            moved(t);
        } else {
            giveBack(t, op.target());
            if (op.hop() != null) giveBack(t, op.hop());
            t.validated(p.outcome(), "populating " + t.s.name + "'s pages in TT failed: " + p.outcome());
        }
    }

    /** Moves to the arriving grant; after a hop, on to the target at once. */
    private static void moved(BoStep t) {
        Running op = t.s.op;
        boolean eviction = isEviction(t.s);
        String how = moveTo(t, op.arriving(), eviction);
        if (op.hop() != null) how = join(how, moveTo(t, op.target(), false));
        t.validated(Outcome.OK, "moved to " + t.s.resource + (op.hop() != null ? " through " + op.hop().resource() : "")
                + (how.isEmpty() ? "" : " (" + how + ")"));
    }

    /**
     * One move (ttm_bo_handle_move_mem): unmap, take the new resource, give the old pages back. A busy BO's move is
     * pipelined: the new resource carries the BO's fences as its move fence (and the region's, ttm_bo_add_move_fence),
     * and its old pages pass to a ghost that holds them until those fences signal (ttm_buffer_object_transfer) —
     * except for an eviction, whose pages are freed at once while the region keeps the fences as its move fence.
     */
    private static String moveTo(BoStep t, RegionManager.Granted g, boolean eviction) {
        BoState s = t.s;
        Resource old = s.resource;
        FenceSet busy = s.busyFences();
        if (old != null) CpuAccess.unmapVirtual(t); // the first placement has nothing mapped to zap
        FenceSet carried = (old == null ? s.moveFence : busy).union(g.moveFence());
        String ghost = old != null && !busy.isEmpty() && !eviction ? s.nextGhostName() : null;
        t.emit(new BufferObject.Moved(old, g.resource(), eviction, carried, ghost));
        if (old != null) t.send(new Address.Region(old.region()), new RegionManager.Free(s.name, old.startPage(), old.pages(), busy, ghost));
        String how = "";
        if (ghost != null) how = "pipelined: the old pages " + old + " wait in " + ghost + " for " + busy;
        else if (old != null && !busy.isEmpty()) how = "pipelined: " + old.region() + " keeps " + busy + " as its move fence";
        if (!g.moveFence().isEmpty()) how = join(how, "carries " + g.resource().region() + "'s move fence " + g.moveFence());
        return how;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    /** A granted resource the BO will not use after all. */
    private static void giveBack(BoStep t, RegionManager.Granted g) {
        Resource r = g.resource();
        t.send(new Address.Region(r.region()), new RegionManager.Free(t.s.name, r.startPage(), r.pages(), FenceSet.NONE, null));
    }

    static void onRefused(BoStep t, RegionManager.Refused r) {
        Running op = t.s.op;
        if (op != null && op.phase() == BufferObject.Phase.HOP) {
            giveBack(t, op.target());
            t.validated(r.outcome() == Outcome.EBUSY ? Outcome.EBUSY : Outcome.ENOMEM, "no space in TT for the multihop bounce: " + r.reason());
            return;
        }
        t.expectPhase(BufferObject.Phase.ALLOC);
        op = unlockVictim(t, op);
        if (r.outcome() == Outcome.ENOMEM && ticketRoundFollows(t, op, r)) {
            ticketRound(t, op, r.contended());
        } else if (r.outcome() == Outcome.ENOMEM) {
            nextPlace(t, op.placement(), op.nowait(), op.pass(), op.index() + 1);
        } else {
            t.validated(r.outcome(), r.reason());
        }
    }

    /**
     * The BO loses its resource: unmapped, its pages given back; a purge, the end of a delayed destroy, or the eviction
     * of a destroyed BO. A busy BO's pages go to a ghost (ttm_bo_pipeline_gutting); returns its name, or null.
     */
    static String dropResource(BoStep t, boolean eviction) {
        BoState s = t.s;
        Resource old = s.resource;
        FenceSet busy = s.busyFences();
        CpuAccess.unmapVirtual(t);
        String ghost = busy.isEmpty() ? null : s.nextGhostName();
        t.emit(new BufferObject.Moved(old, null, eviction, s.moveFence, ghost));
        t.send(new Address.Region(old.region()), new RegionManager.Free(s.name, old.startPage(), old.pages(), busy, ghost));
        return ghost;
    }

    /**
     * A region's eviction walk asks this BO to leave: it does if it can be try-reserved, else says why not. A
     * destroyed BO is not moved but freed; if it is still busy its pages go to a ghost, which the walk then waits for.
     */
    static void onEvict(BoStep t, BufferObject.Evict e) {
        BoState s = t.s;
        RegionConfig rc = t.device.region(e.region());
        String refuse = refusal(s, e, rc);
        if (refuse != null) {
            boolean reserved = s.holder != null && !lockedForWalk(s, e);
            t.send(new Address.Region(e.region()), new RegionManager.VictimDone(s.name, false, s.busy() && e.nowait(), reserved, refuse, null));
            return;
        }
        // Locked by the walk's ticket already: the eviction runs under that reservation and releases it at its end.
        if (!lockedForWalk(s, e)) t.emit(new BufferObject.Reserved(new Holder("evict:" + e.region(), null, HolderKind.EVICTION)));
        // A walk's own lock ends with the eviction; a reservation the walk's context held before stays with it.
        boolean release = !lockedForWalk(s, e) || s.holder.owner().startsWith("walk:");
        t.emit(new BufferObject.OpChanged(Running.of(e, release, e.nowait())));
        if (s.destroyed || rc.purge()) {
            boolean busy = s.busy();
            String ghost = dropResource(t, true);
            t.ghostForWalk = ghost; // ttm_bo_evict waits for a busy BO before it frees or purges it
            t.validated(Outcome.OK, (s.destroyed ? "freed (destroyed)" : "purged") + (busy ? "; its pages wait in " + ghost + " for its fences" : ""));
        } else {
            begin(t, t.device.evictionPlacement(e.region()), e.nowait());
        }
    }

    private static boolean lockedForWalk(BoState s, BufferObject.Evict e) {
        return e.lockedBy() != null && s.holder != null && s.op == null && e.lockedBy().equals(s.holder.owner());
    }

    /** A ticketed walk's round ended without evicting this BO under its lock: the lock goes (no LRU bump). */
    static void onEvictUnlock(BoStep t, BufferObject.EvictUnlock u) {
        BoState s = t.s;
        if (s.holder != null && s.op == null && s.holder.owner().equals(u.owner())) t.release(false);
    }

    private static String refusal(BoState s, BufferObject.Evict e, RegionConfig rc) {
        if (s.resource == null || !s.resource.region().equals(e.region())) return "no longer in " + e.region();
        if (!s.destroyed && !rc.purge() && rc.evictTo().isEmpty()) return e.region() + " never evicts";
        if (s.holder != null && !lockedForWalk(s, e)) return "reserved by " + s.holder;
        if (s.pinCount > 0) return "pinned";
        if (s.busy() && e.nowait()) return "busy and the walk must not wait";
        return null;
    }
}
