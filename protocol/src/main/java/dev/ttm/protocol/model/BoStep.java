package dev.ttm.protocol.model;

import dev.ttm.protocol.model.BufferObject.BoEvent;
import dev.ttm.protocol.model.BufferObject.Command;
import dev.ttm.protocol.model.BufferObject.Running;


/**
 * One decision of one buffer object in the making. It works on a draft of the state: every event it decides is
 * folded into the draft at once (through the same {@code applyTo} that evolve uses), so a later step of the same
 * message — the next waiter taking the BO after a release, say — sees the BO as it will be once the events are
 * applied. The state the runtime holds is never touched; the runtime evolves it from {@link #decision()}.
 */
final class BoStep extends Outbox<BoEvent> implements BufferObject.Handler, BufferObject.Starter {
    final BufferObject bo;
    final DeviceConfig device;
    /** The draft: the BO as it will be after the events decided so far. */
    final BoState s;
    /** A reservation or operation ended: queued commands may run once the current handler has returned. */
    private boolean drainPending;
    /** The v3-atomic driver's kmap is running outside the reservation (a property of this decision only). */
    boolean loose;
    /** walk=exec: the victim a ticketed walk could not lock, named in the validate's EDEADLK (this decision only). */
    String contended;
    /** The ghost an eviction of this destroyed BO just left behind: the walk waits for it (this decision only). */
    String ghostForWalk;

    BoStep(BufferObject bo, BoState draft) {
        this.bo = bo;
        this.device = bo.device();
        this.s = draft;
    }

    /** Records {@code e} and folds it into the draft at once. */
    @Override
    void emit(BoEvent e) {
        super.emit(e);
        e.applyTo(s);
    }

    void reply(Command c, Outcome outcome, String reason) {
        String victim = contended; // set only just before the validate's own answer, which is the next reply
        contended = null;
        send(c.replyTo(), new Reply(c.requestId(), outcome, reason, victim));
    }

    // ---- routing -------------------------------------------------------------------------------------------
    @Override
    public void on(BufferObject.Create c) {
        if (s.created) reply(c, Outcome.EALREADY, s.name + " exists already");
        else BufferObject.create(this, c);
    }

    @Override
    public void on(BufferObject.Reserve r) {
        if (admissible(r)) ReservationQueue.reserve(this, r);
    }

    @Override
    public void on(BufferObject.Signal c) {
        // A fence signals when the GPU is done, destroyed BO or not: that is what completes a delayed destroy.
        if (created(c)) BufferObject.signal(this, c);
    }

    @Override
    public void on(BufferObject.Reclaim c) {
        Reclaims.reclaim(this, c);
    }

    @Override
    public void onOperation(BufferObject.Operation o) {
        if (admissible(o)) ReservationQueue.admit(this, o);
    }

    /** False when the command was answered or parked instead: the BO is not created yet, gone, or impersonated. */
    private boolean admissible(Command c) {
        if (!created(c)) return false;
        if (s.destroyed) {
            reply(c, Outcome.ENOENT, s.name + " was destroyed");
            return false;
        }
        if (c.owner() != null && c.owner().indexOf(':') >= 0 && !(c.replyTo() instanceof Address.Exec || c.replyTo() instanceof Address.Bo)) {
            // Internal owners (execbufs) are named with a ':', which no script or API caller may use.
            reply(c, Outcome.EINVAL, "owner '" + c.owner() + "' is reserved for the model's own coordinators");
            return false;
        }
        return true;
    }

    /** Another sender's message may overtake the Create (as between actors): it waits for the creation. */
    private boolean created(Command c) {
        if (!s.created) ReservationQueue.enqueue(this, c, false);
        return s.created;
    }

    /** The holder name of an operation that reserves the BO for itself: its command's name ("validate"), made once. */
    private static final ClassValue<String> OPERATION_HOLDER = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return type.getSimpleName().toLowerCase();
        }
    };

    /** Starts an admitted operation; with {@code takeReservation} it reserves the BO for its own duration. */
    void start(BufferObject.Operation c, boolean takeReservation) {
        if (takeReservation) {
            String who = c.owner() != null ? c.owner() : OPERATION_HOLDER.get(c.getClass());
            emit(new BufferObject.Reserved(new BufferObject.Holder(who, null, BufferObject.HolderKind.OPERATION)));
        }
        emit(new BufferObject.OpChanged(Running.of(c, takeReservation, false)));
        c.startOn(this);
    }

    @Override public void start(BufferObject.Unreserve c) { ReservationQueue.unreserve(this, c); }
    @Override public void start(BufferObject.Validate c) { ValidateWalk.begin(this, c.placement(), c.nowait()); }
    @Override public void start(BufferObject.Fault c) { CpuAccess.startFault(this, c); }
    @Override public void start(BufferObject.Kmap c) { CpuAccess.startKmap(this, c); }
    @Override public void start(BufferObject.Kunmap c) { CpuAccess.startKunmap(this, c); }
    @Override public void start(BufferObject.Unpin c) { BufferObject.unpin(this); }
    @Override public void start(BufferObject.Destroy c) { BufferObject.destroy(this); }

    @Override
    public void start(BufferObject.Pin c) {
        if (c.placement() != null) ValidateWalk.begin(this, c.placement(), false);
        else validated(Outcome.OK, "");
    }

    @Override
    public void start(BufferObject.Unmap c) {
        CpuAccess.unmapVirtual(this);
        finish(Outcome.OK, "user mappings zapped");
    }

    @Override
    public void start(BufferObject.Fence c) {
        emit(new BufferObject.Fenced());
        finish(Outcome.OK, "fence attached");
    }

    // ---- answers from other entities -------------------------------------------------------------------------
    @Override public void on(BufferObject.Evict e) { ValidateWalk.onEvict(this, e); }
    @Override public void on(BufferObject.IoEvict e) { CpuAccess.onIoEvict(this); }
    @Override public void on(RegionManager.Granted g) { ValidateWalk.onGranted(this, g); }
    @Override public void on(RegionManager.Refused r) { ValidateWalk.onRefused(this, r); }
    @Override public void on(RegionManager.Populated p) { CpuAccess.onPopulated(this, p); }
    @Override public void on(IoManager.IoReserved r) { CpuAccess.onIoReply(this, r.requestId(), null); }
    @Override public void on(IoManager.IoFailed f) { CpuAccess.onIoReply(this, f.requestId(), f.error()); }
    @Override public void on(IoManager.HookDone h) { CpuAccess.onHookDone(this, h); }
    @Override public void on(FenceSignaled f) { BufferObject.moveFenceSignaled(this, f); }
    @Override public void on(BufferObject.EvictUnlock u) { ValidateWalk.onEvictUnlock(this, u); }
    @Override public void on(Reply r) { ValidateWalk.onVictimLock(this, r); }

    // ---- the end of an operation ---------------------------------------------------------------------------
    /** The operation in progress: the loose v3-atomic one while it acts, else the one under the reservation. */
    Running current() {
        return loose ? s.looseOp : s.op;
    }

    void setPhase(BufferObject.Phase p) {
        if (loose) emit(new BufferObject.LooseOpChanged(s.looseOp.at(p)));
        else emit(new BufferObject.OpChanged(s.op.at(p)));
    }

    void expectPhase(BufferObject.Phase p) {
        if (s.op == null || s.op.phase() != p)
            throw new IllegalStateException("bo " + s.name + ": reply in phase " + (s.op == null ? "idle" : s.op.phase()));
    }

    /** Where each command goes on once its validate (if any) has an outcome. */
    void validated(Outcome outcome, String reason) {
        emit(new BufferObject.OpChanged(s.op.granted(BufferObject.Phase.RUNNING, null, null)));
        BufferObject.Inbound c = s.op.cmd();
        if (c instanceof BufferObject.Create) {
            finish(outcome, outcome == Outcome.ENOMEM ? reason + "; " + s.name + " exists without a resource" : reason);
        } else if (c instanceof BufferObject.Pin) {
            if (outcome == Outcome.OK) BufferObject.pin(this);
            else finish(outcome, reason);
        } else if (c instanceof BufferObject.Fault) {
            CpuAccess.faultValidated(this, outcome, reason);
        } else if (c instanceof BufferObject.Kmap) {
            CpuAccess.kmapValidated(this, outcome, reason);
        } else {
            finish(outcome, reason);
        }
    }

    /** Ends the operation in progress: its answer, then the reservation it took, then whatever waited. */
    void finish(Outcome outcome, String reason) {
        if (loose) {
            Command c = (Command) s.looseOp.cmd();
            emit(new BufferObject.LooseOpChanged(null));
            reply(c, outcome, reason);
            return;
        }
        Running r = s.op;
        emit(new BufferObject.OpChanged(null));
        if (r.cmd() instanceof BufferObject.Evict e) {
            // The release first: its LRU update reaches the BO's new region before anything the evicting region does
            // once it hears the victim is done (an allocation there, say). Two senders' messages to one receiver
            // have no order of their own on actors; this way they have one on every runtime.
            endOperation(r);
            send(new Address.Region(e.region()), new RegionManager.VictimDone(s.name, outcome == Outcome.OK, false, false, reason, ghostForWalk));
            return;
        }
        reply((Command) r.cmd(), outcome, reason);
        endOperation(r);
    }

    private void endOperation(Running r) {
        // TTM's fault path unlocks without the LRU bump (ttm_bo_vm_fault_reserved is followed by a plain unlock).
        if (r.releaseAtEnd()) release(!(r.cmd() instanceof BufferObject.Fault));
        else drainPending = true;
    }

    void release() {
        release(true);
    }

    /** Releases the reservation: the BO goes to its LRU tail (unless {@code bump} is false), a delayed destroy may complete, waiters run. */
    void release(boolean bump) {
        if (s.destroyed && s.resource != null && !s.busy()) ValidateWalk.dropResource(this, false);
        emit(new BufferObject.Released());
        if (bump) lruUpdate();
        drainPending = true;
    }

    /**
     * Runs what waited, one command at a time, for as long as the BO is idle. A loop, not a recursion: a
     * command that ends at once asks for another round instead of draining from inside itself, so a queue of
     * any length costs no stack.
     */
    void drainWhileIdle() {
        while (drainPending) {
            drainPending = false;
            ReservationQueue.drain(this);
        }
    }

    /** Tells the region (and the io-lru aperture) whether the BO is evictable, at the tail of the LRU. */
    void lruUpdate() {
        if (s.resource != null)
            send(new Address.Region(s.resource.region()), new RegionManager.LruUpdate(s.name, s.priority, s.pinCount == 0));
        if (device.driver() == Driver.IO_LRU && s.ioRefs > 0) send(Address.IO, new IoManager.IoLruUpdate(s.name, s.pinCount == 0));
    }
}
