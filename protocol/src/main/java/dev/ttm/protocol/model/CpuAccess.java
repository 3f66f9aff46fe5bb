package dev.ttm.protocol.model;

import dev.ttm.protocol.model.BufferObject.Phase;

/**
 * CPU access to a BO, the seed's four use cases: the user-space fault (ttm_bo_vm_fault), kmap / kunmap, and
 * unmap_virtual, with the reference-counted IO reservation (io_mem_reserve on 0 -> 1, io_mem_free on 1 -> 0) and
 * the io-lru driver's eviction of a mapping. Under v3-atomic, the V3 patch's bugs are reproduced on purpose.
 */
final class CpuAccess {
    private CpuAccess() {}

    // ---- fault --------------------------------------------------------------------------------------------
    static void startFault(BoStep t, BufferObject.Fault f) {
        BoState s = t.s;
        if (s.resource == null) {
            t.finish(Outcome.SIGBUS, s.name + " has no resource");
        } else if (f.page() >= s.sizePages) {
            t.finish(Outcome.SIGBUS, "page " + f.page() + " is beyond " + s.name + "'s " + s.sizePages + " pages");
        } else if (s.movePending()) {
            t.finish(Outcome.RETRY, s.name + " has a pending move fence");
        } else {
            t.setPhase(Phase.HOOK);
            t.send(Address.IO, new IoManager.FaultNotify(s.name, s.op.requestId()));
        }
    }

    static void onHookDone(BoStep t, IoManager.HookDone h) {
        t.expectPhase(Phase.HOOK);
        BoState s = t.s;
        if (h.error() != null) {
            t.finish(h.error().faultRetries ? Outcome.RETRY : Outcome.SIGBUS, "driver fault hook failed: " + h.error());
        } else {
            faultMakeVisible(t);
        }
    }

    /**
     * The driver's fault_reserve_notify (amdgpu_bo_fault_reserve_notify): validate into the CPU-visible places. It
     * does not pass no_wait_gpu: a busy BO is moved, pipelined, and the fault retries until the move fence signals.
     */
    private static void faultMakeVisible(BoStep t) {
        BoState s = t.s;
        Placement mappable = t.device.mappablePlacement();
        if (t.device.cpuVisible(s.resource)) {
            populate(t);
        } else if (s.pinCount > 0) {
            t.finish(Outcome.SIGBUS, s.name + " is pinned outside CPU-visible memory");
        } else if (mappable.isNone()) {
            t.finish(Outcome.SIGBUS, "the device has no CPU-visible place for " + s.name);
        } else {
            ValidateWalk.begin(t, mappable, false);
        }
    }

    static void faultValidated(BoStep t, Outcome outcome, String reason) {
        BoState s = t.s;
        if (outcome == Outcome.OK && !t.device.cpuVisible(s.resource)) t.finish(Outcome.SIGBUS, s.name + " is still not CPU-visible after the fault hook");
        else if (outcome == Outcome.OK && s.movePending()) t.finish(Outcome.RETRY, reason + "; the move fence " + s.moveFence + " is pending");
        else if (outcome == Outcome.OK) populate(t);
        else if (outcome == Outcome.EBUSY || outcome == Outcome.ERESTARTSYS) t.finish(Outcome.RETRY, reason);
        else t.finish(Outcome.SIGBUS, "cannot make " + s.name + " CPU-visible: " + reason);
    }

    /**
     * A BO in SYSTEM or TT has its pages populated before the CPU maps them (ttm_bo_populate, from the system page
     * pool, which is where `inject SYSTEM alloc=` strikes); VRAM needs none.
     */
    private static void populate(BoStep t) {
        BoState s = t.s;
        if (DeviceConfig.populated(s.resource.region())) {
            t.setPhase(Phase.POPULATE);
            t.send(new Address.Region(RegionConfig.SYSTEM), new RegionManager.Populate(s.name, t.current().requestId()));
        } else {
            populated(t);
        }
    }

    /** The pages are there: a fault takes the IO reservation and maps, a kmap takes an IO reference. */
    private static void populated(BoStep t) {
        if (t.current().cmd() instanceof BufferObject.Fault) faultIoReserve(t);
        else ioReference(t);
    }

    /**
     * The pool answered. For a fault, as 6.x ttm_bo_vm_fault_reserved: -EAGAIN (busy) retries, any other failure is
     * SIGBUS; a kmap answers the error. A population for a move into TT belongs to the validate.
     */
    static void onPopulated(BoStep t, RegionManager.Populated p) {
        BufferObject.Running op = t.s.op;
        if (op != null && op.phase() == Phase.MOVE_POPULATE) {
            ValidateWalk.onMovePopulated(t, p);
            return;
        }
        t.expectPhase(Phase.POPULATE);
        if (p.outcome() == Outcome.OK) {
            populated(t);
            return;
        }
        String why = "populating " + t.s.name + "'s pages failed: " + (p.outcome() == Outcome.EBUSY ? "the page pool is busy" : "no memory");
        if (op.cmd() instanceof BufferObject.Fault) t.finish(p.outcome() == Outcome.EBUSY ? Outcome.RETRY : Outcome.SIGBUS, why);
        else t.finish(p.outcome(), why);
    }

    private static void faultIoReserve(BoStep t) {
        BoState s = t.s;
        if (s.mapped && t.device.driver() != Driver.V3_ATOMIC) {
            if (t.device.driver() == Driver.IO_LRU && s.pinCount == 0) t.send(Address.IO, new IoManager.IoLruUpdate(s.name, true));
            t.finish(Outcome.MAPPED, "already mapped");
        } else {
            ioReference(t);
        }
    }

    // ---- kmap ---------------------------------------------------------------------------------------------
    static void startKmap(BoStep t, BufferObject.Kmap k) {
        BoState s = t.s;
        if (!(s.pinCount > 0 || s.heldBy(k.owner()))) {
            t.finish(Outcome.EPERM, "kmap needs " + k.owner() + " to hold the reservation or the BO to be pinned");
        } else if (s.resource == null) {
            t.finish(Outcome.EINVAL, s.name + " has no resource");
        } else if (s.movePending()) {
            t.finish(Outcome.EBUSY, s.name + " has a pending move fence");
        } else if (t.device.cpuVisible(s.resource)) {
            populate(t);
        } else if (s.pinCount > 0) {
            t.finish(Outcome.EINVAL, s.name + " is pinned outside CPU-visible memory");
        } else if (t.device.mappablePlacement().isNone()) {
            t.finish(Outcome.EINVAL, "the device has no CPU-visible place for " + s.name);
        } else {
            ValidateWalk.begin(t, t.device.mappablePlacement(), false);
        }
    }

    static void kmapValidated(BoStep t, Outcome outcome, String reason) {
        BoState s = t.s;
        if (outcome == Outcome.OK && !t.device.cpuVisible(s.resource)) t.finish(Outcome.EINVAL, s.name + " is still not CPU-visible");
        else if (outcome == Outcome.OK && s.movePending()) t.finish(Outcome.EBUSY, reason + "; the move fence " + s.moveFence + " is pending");
        else if (outcome == Outcome.OK) populate(t);
        else t.finish(outcome, reason);
    }

    static void startKunmap(BoStep t, BufferObject.Kunmap k) {
        if (t.s.kmapsOf(k.owner()) == 0) {
            t.finish(Outcome.EINVAL, k.owner() + " has no kmap of " + t.s.name);
        } else {
            kunmap(t, k.owner());
            t.finish(Outcome.OK, "");
        }
    }

    static void kunmap(BoStep t, String owner) {
        t.emit(new BufferObject.KmapChanged(owner, t.s.kmapsOf(owner) - 1, t.loose));
        dropIoRef(t);
    }

    /** v3-atomic: a kmap or kunmap of a pinned BO runs without the reservation, as the V3 patch allowed. */
    static void looseKmap(BoStep t, BufferObject.Operation c) {
        BoState s = t.s;
        t.loose = true;
        t.emit(new BufferObject.LooseOpChanged(BufferObject.Running.of(c, false, false)));
        if (c instanceof BufferObject.Kunmap k) {
            kunmap(t, k.owner());
            t.finish(Outcome.OK, "");
        } else if (s.resource == null || !t.device.cpuVisible(s.resource)) {
            t.finish(Outcome.EINVAL, s.name + " is pinned outside CPU-visible memory");
        } else {
            ioReference(t);
        }
        t.loose = false;
    }

    // ---- the IO reservation -------------------------------------------------------------------------------
    /**
     * Takes one IO reference for the operation in progress. The driver's io_mem_reserve runs on 0 -> 1 only;
     * under v3-atomic the flag is exchanged first and the driver called only by whoever saw it clear.
     */
    private static void ioReference(BoStep t) {
        BoState s = t.s;
        boolean callDriver = s.ioRefs == 0;
        if (t.device.driver() == Driver.V3_ATOMIC && s.ioRefs == 0) t.emit(new BufferObject.IoRefsChanged(1, t.loose));
        if (callDriver) {
            t.setPhase(Phase.IO_RESERVE);
            t.send(Address.IO, new IoManager.IoReserve(s.name, t.device.aperturePagesFor(s.resource), s.pinCount > 0, t.current().requestId()));
        } else {
            ioReserved(t);
        }
    }

    /** The driver answered an io_mem_reserve: for the loose v3-atomic kmap, or for the operation in progress. */
    static void onIoReply(BoStep t, long requestId, KernelError error) {
        BoState s = t.s;
        boolean forLoose = s.looseOp != null && s.looseOp.phase() == Phase.IO_RESERVE && s.looseOp.requestId() == requestId
                && !(s.op != null && s.op.phase() == Phase.IO_RESERVE && s.op.requestId() == requestId);
        if (!forLoose) t.expectPhase(Phase.IO_RESERVE);
        t.loose = forLoose;
        if (error == null) ioReserved(t);
        else ioFailed(t, error);
        t.loose = false;
    }

    private static void ioFailed(BoStep t, KernelError error) {
        String why = "io_mem_reserve failed: " + error;
        if (t.current().cmd() instanceof BufferObject.Fault) t.finish(Outcome.SIGBUS, why);
        else t.finish(error.forKmap, why);
    }

    /** The IO reservation is held: take the reference and finish the fault or kmap. */
    private static void ioReserved(BoStep t) {
        BoState s = t.s;
        if (t.device.driver() != Driver.V3_ATOMIC) t.emit(new BufferObject.IoRefsChanged(s.ioRefs + 1, t.loose));
        BufferObject.Inbound c = t.current().cmd();
        if (c instanceof BufferObject.Kmap k) {
            t.emit(new BufferObject.KmapChanged(k.owner(), s.kmapsOf(k.owner()) + 1, t.loose));
            t.finish(Outcome.OK, "kmapped " + s.resource);
        } else {
            if (!s.mapped) t.emit(new BufferObject.Mapped());
            t.finish(Outcome.MAPPED, "mapped " + s.resource);
        }
    }

    /** ttm_bo_unmap_virtual: zap every user mapping, then free the IO reservation the mapping held. */
    static void unmapVirtual(BoStep t) {
        BoState s = t.s;
        if (t.device.driver() == Driver.V3_ATOMIC) {
            // V3: atomic_set(use_count, 0); io_mem_free() -- no test for zero.
            if (s.mapped) t.emit(new BufferObject.Zapped());
            if (s.ioRefs != 0) t.emit(new BufferObject.IoRefsChanged(0, t.loose));
            t.send(Address.IO, new IoManager.IoFree(s.name));
            return;
        }
        if (!s.mapped) return;
        t.emit(new BufferObject.Zapped());
        dropIoRef(t);
    }

    private static void dropIoRef(BoStep t) {
        BoState s = t.s;
        if (t.device.driver() == Driver.V3_ATOMIC) {
            if (s.ioRefs != 0) t.emit(new BufferObject.IoRefsChanged(0, t.loose));
            t.send(Address.IO, new IoManager.IoFree(s.name));
            return;
        }
        assert s.ioRefs > 0 : s.name + ": io reference underflow";
        int refs = s.ioRefs - 1;
        t.emit(new BufferObject.IoRefsChanged(refs, t.loose));
        if (refs == 0) t.send(Address.IO, new IoManager.IoFree(s.name));
    }

    /** io-lru: the aperture wants this BO's mapping back; it gives it if it can be try-reserved. */
    static void onIoEvict(BoStep t) {
        BoState s = t.s;
        boolean evictable = s.holder == null && s.pinCount == 0 && s.mapped && s.ioRefs == 1 && s.kmapCount() == 0;
        if (evictable) {
            t.emit(new BufferObject.Reserved(new BufferObject.Holder("io-evict", null, BufferObject.HolderKind.EVICTION)));
            t.emit(new BufferObject.Zapped());
            t.emit(new BufferObject.IoRefsChanged(0, false)); // bus information reset: the next fault reserves again
            t.send(Address.IO, new IoManager.IoFree(s.name));
            t.emit(new BufferObject.Released());
            t.lruUpdate();
        }
        t.send(Address.IO, new IoManager.IoEvictDone(s.name, evictable));
    }
}
