package dev.ttm.protocol.model;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One TTM buffer object as a decider. It owns its reservation (one holder, ordered waiters, wait-die tickets),
 * runs one operation at a time under that reservation, and talks to region managers (allocation, LRU) and the
 * IO manager (io_mem_reserve / io_mem_free, fault hook) only by messages. This class holds the messages, the
 * events and the life cycle (create, pin, fence, destroy); the reservation queue, the validate walk and CPU
 * access live in {@link ReservationQueue}, {@link ValidateWalk} and {@link CpuAccess}.
 */
public final class BufferObject implements Decider<BoState, BufferObject.Inbound, BufferObject.BoEvent> {
    /** Bound on each queue of a BO (waiters, same-owner operations): beyond it a request gets EBUSY. */
    public static final int MAX_QUEUE = 4096;

    // ---- inbound messages ----------------------------------------------------------------------------
    /** Everything a BO accepts. {@link #dispatchTo} makes the compiler check that each one is handled. */
    public sealed interface Inbound extends Message
            permits Command, Evict, IoEvict, RegionManager.Granted, RegionManager.Refused, RegionManager.Populated,
                    IoManager.IoReserved, IoManager.IoFailed, IoManager.HookDone, FenceSignaled,
                    EvictUnlock, Reply {
        void dispatchTo(Handler h);
    }

    /** A client (or execbuf) request; each gets exactly one {@link Reply}. */
    public sealed interface Command extends Inbound permits Create, Reserve, Signal, Reclaim, Operation {
        Address replyTo();

        /** The reservation owner the command acts for, or null (a plain operation). */
        default String owner() {
            return null;
        }
    }

    /** A command that runs under the BO's reservation: the caller's, or one it takes for its own duration. */
    public sealed interface Operation extends Command
            permits Unreserve, Validate, Fault, Kmap, Kunmap, Pin, Unpin, Unmap, Fence, Destroy {
        @Override
        default void dispatchTo(Handler h) {
            h.onOperation(this);
        }

        /** Runs the admitted operation: the second dispatch, again checked by the compiler. */
        void startOn(Starter s);
    }

    /** The handlers of everything a BO accepts. */
    public interface Handler {
        void on(Create c);
        void on(Reserve c);
        void on(Signal c);
        void on(Reclaim c);
        void onOperation(Operation o);
        void on(Evict e);
        void on(IoEvict e);
        void on(RegionManager.Granted g);
        void on(RegionManager.Refused r);
        void on(RegionManager.Populated p);
        void on(IoManager.IoReserved r);
        void on(IoManager.IoFailed f);
        void on(IoManager.HookDone h);
        void on(FenceSignaled f);
        void on(EvictUnlock u);
        void on(Reply r);
    }

    /** What each admitted operation does. */
    public interface Starter {
        void start(Unreserve c);
        void start(Validate c);
        void start(Fault c);
        void start(Kmap c);
        void start(Kunmap c);
        void start(Pin c);
        void start(Unpin c);
        void start(Unmap c);
        void start(Fence c);
        void start(Destroy c);
    }

    public record Create(long sizePages, int priority, Placement placement, long requestId, Address replyTo) implements Command {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    /**
     * {@code acquired}: how many reservations the ticket holds when it asks (ww_ctx->acquired; a snapshot, since a
     * waiting ww_acquire_ctx cannot change what it holds). Wait-die lets a younger ticket wait only while it is 0.
     */
    public record Reserve(String owner, Long ticket, boolean nowait, int acquired, long requestId, Address replyTo) implements Command {
        public Reserve {
            if (acquired < 0) throw new IllegalArgumentException("acquired < 0: " + acquired);
        }
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    public record Unreserve(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Validate(Placement placement, String owner, boolean nowait, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Fault(long page, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Kmap(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Kunmap(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Pin(Placement placement, String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Unpin(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Unmap(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Fence(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }
    public record Signal(long requestId, Address replyTo) implements Command {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    /**
     * Sent by a runtime that restarted on a journal, once what the crash left in flight has been delivered again:
     * every client of the earlier runs is gone, as a process that dies takes its file descriptors with it. The BO
     * lets go of what they held (see {@link Reclaims}). Pins stay: they are the driver's (a scanout), not a
     * process's. Internal owners (execbufs, walks: names with a ':') are left alone: they live on and finish.
     */
    public record Reclaim(long requestId, Address replyTo) implements Command {
        /** The reason of the answer when the BO held nothing of a gone client. */
        public static final String NOTHING = "nothing to reclaim";

        @Override public void dispatchTo(Handler h) { h.on(this); }
    }
    public record Destroy(String owner, long requestId, Address replyTo) implements Operation {
        @Override public void startOn(Starter s) { s.start(this); }
    }

    /**
     * From a region's eviction walk: leave {@code region} if you can be try-reserved (never waits), or if your
     * reservation is held under {@code lockedBy} for this walk (a ticketed walk locked you first).
     */
    public record Evict(String region, boolean nowait, String lockedBy) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    /** A ticketed walk's round is over: release the reservation {@code owner} took to evict you, if it still holds it. */
    public record EvictUnlock(String owner) implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    /** From the io-lru IO manager: give up your CPU mapping and IO reservation if you can be try-reserved. */
    public record IoEvict() implements Inbound {
        @Override public void dispatchTo(Handler h) { h.on(this); }
    }

    // ---- state pieces ----------------------------------------------------------------------------------
    public enum HolderKind { EXPLICIT, OPERATION, EVICTION }

    public record Holder(String owner, Long ticket, HolderKind kind) {
        @Override
        public String toString() {
            return ticket == null ? owner : owner + "(ticket " + ticket + ")";
        }
    }

    /**
     * Where an operation stands. ALLOC: a region was asked for space; HOP: the final resource is granted and the
     * multihop bounce through TT is asked for; MOVE_POPULATE: a resource in TT is granted and its pages are being
     * populated before the move; HOOK, POPULATE, IO_RESERVE: a fault's or kmap's steps.
     */
    public enum Phase { RUNNING, ALLOC, LOCK_VICTIM, HOP, MOVE_POPULATE, HOOK, POPULATE, IO_RESERVE }

    /**
     * The operation in progress: the command (or eviction) it serves, whether it took the reservation itself,
     * where it stands, for a validate the placement walk's position, and the resources granted for a move that
     * has not happened yet ({@code target}, and {@code hop} while it bounces through TT). A ticketed eviction walk
     * counts its {@code round}s at the current place (0: the try-lock walk) and names the victim it {@code locked}
     * with its ticket for the current one.
     */
    public record Running(Inbound cmd, boolean releaseAtEnd, Phase phase, Placement placement, boolean nowait,
                          int pass, int index, RegionManager.Granted target, RegionManager.Granted hop, int round, String locked) {
        static Running of(Inbound cmd, boolean releaseAtEnd, boolean nowait) {
            return new Running(cmd, releaseAtEnd, Phase.RUNNING, null, nowait, 0, 0, null, null, 0, null);
        }

        Running at(Phase p) {
            return new Running(cmd, releaseAtEnd, p, placement, nowait, pass, index, target, hop, round, locked);
        }

        Running allocating(Placement pl, boolean nw, int ps, int ix) {
            return new Running(cmd, releaseAtEnd, Phase.ALLOC, pl, nw, ps, ix, null, null, 0, null);
        }

        Running granted(Phase p, RegionManager.Granted t, RegionManager.Granted h) {
            return new Running(cmd, releaseAtEnd, p, placement, nowait, pass, index, t, h, round, locked);
        }

        /** The next round of a ticketed walk at this place, locking {@code victim} first (or none). */
        Running ticketRound(Phase p, String victim) {
            return new Running(cmd, releaseAtEnd, p, placement, nowait, pass, index, target, hop, round + 1, victim);
        }

        Running unlocked() {
            return new Running(cmd, releaseAtEnd, phase, placement, nowait, pass, index, target, hop, round, null);
        }

        /** The grant the next move goes to: the hop while bouncing, else the target. */
        RegionManager.Granted arriving() {
            return hop != null ? hop : target;
        }

        public long requestId() {
            return cmd.requestId();
        }
    }

    // ---- events: each applies itself, so evolve handles every one by construction ------------------------
    public sealed interface BoEvent extends Event
            permits Created, Reserved, Released, Queued, Dequeued, Unqueued, Adopted, Deferred, Undeferred, OpChanged,
                    LooseOpChanged, Moved, PinChanged, Mapped, Zapped, KmapChanged, IoRefsChanged, Fenced, Signaled,
                    MoveFenceCleared, DestroyMarked, Warned {
        void applyTo(BoState s);

        /** Whether this event changes state the reservation protects (INV-1). */
        default boolean guarded() {
            return false;
        }
    }

    public record Created(long sizePages, int priority) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.created = true;
            s.sizePages = sizePages;
            s.priority = priority;
        }
    }
    public record Reserved(Holder holder) implements BoEvent {
        @Override public void applyTo(BoState s) { s.holder = holder; }
    }
    public record Released() implements BoEvent {
        @Override public void applyTo(BoState s) { s.holder = null; }
    }
    /**
     * A command joins the waiters at position {@code at} (0 is the head, the queue's length its tail): a ticketed
     * reserve goes before the first younger ticketed waiter (__ww_mutex_add_waiter), everything else to the tail.
     */
    public record Queued(Command command, int at) implements BoEvent {
        public Queued {
            if (at < 0) throw new IllegalArgumentException("negative queue position " + at);
        }
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            if (at > s.waiters.size()) throw new IllegalStateException(s.name + ": queue position " + at + " beyond its " + s.waiters.size() + " waiter(s)");
            if (at == s.waiters.size()) {
                s.waiters.addLast(command);
                return;
            }
            java.util.ArrayDeque<Command> q = new java.util.ArrayDeque<>(s.waiters.size() + 1);
            int i = 0;
            for (Command c : s.waiters) {
                if (i++ == at) q.addLast(command);
                q.addLast(c);
            }
            s.waiters = q;
        }
    }
    public record Dequeued() implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            s.waiters.removeFirst();
        }
    }
    /** A queued command was answered without running (a ticketed reserve that died, a dead client's request) and left the queue. */
    public record Unqueued(long requestId) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            // Request ids are unique: only that command leaves (a ticketed reserve that died, a dead client's request).
            s.waiters.removeIf(c -> c.requestId() == requestId);
        }
    }
    /** A waiter's command now runs under its owner's reservation: it moves to the same-owner queue. */
    public record Adopted(long requestId, String owner) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            for (java.util.Iterator<Command> it = s.waiters.iterator(); it.hasNext(); ) {
                Command c = it.next();
                if (c.requestId() == requestId && owner.equals(c.owner())) {
                    it.remove();
                    s.deferred.addLast(c);
                    return;
                }
            }
        }
    }
    public record Deferred(Command command) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            s.deferred.addLast(command);
        }
    }
    public record Undeferred() implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            s.deferred.removeFirst();
        }
    }
    public record OpChanged(Running op) implements BoEvent {
        @Override public void applyTo(BoState s) { s.op = op; }
    }
    /** The v3-atomic driver's kmap that runs outside the reservation. */
    public record LooseOpChanged(Running op) implements BoEvent {
        @Override public void applyTo(BoState s) { s.looseOp = op; }
    }
    /**
     * The BO's resource changed: a move ({@code to != null}) or a purge / free ({@code to == null}). {@code moveFence}
     * is what the BO's CPU access now waits for (a pipelined move's fences, and those of the region it moved into);
     * {@code ghost} names the ghost that took the old pages because the GPU may still use them (or null).
     */
    public record Moved(Resource from, Resource to, boolean eviction, FenceSet moveFence, String ghost) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.resource = to;
            if (to != null) s.movedPages = Math.addExact(s.movedPages, s.sizePages);
            if (eviction) s.evictions++;
            s.moveFence = moveFence;
            if (ghost != null) s.ghosts++;
        }
        @Override public boolean guarded() { return true; }
    }
    public record PinChanged(int pinCount) implements BoEvent {
        @Override public void applyTo(BoState s) { s.pinCount = pinCount; }
        @Override public boolean guarded() { return true; }
    }
    public record Mapped() implements BoEvent {
        @Override public void applyTo(BoState s) { s.mapped = true; }
        @Override public boolean guarded() { return true; }
    }
    public record Zapped() implements BoEvent {
        @Override public void applyTo(BoState s) { s.mapped = false; }
        @Override public boolean guarded() { return true; }
    }
    /** {@code unlocked}: done outside the BO reservation (only the v3-atomic driver does that; INV-1 catches it). */
    public record KmapChanged(String owner, int count, boolean unlocked) implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.ownCollections();
            if (count == 0) s.kmaps.remove(owner);
            else s.kmaps.put(owner, count);
        }
        @Override public boolean guarded() { return true; }
    }
    /** {@code unlocked}: done outside the BO reservation (only the v3-atomic driver does that; INV-1 catches it). */
    public record IoRefsChanged(int ioRefs, boolean unlocked) implements BoEvent {
        @Override public void applyTo(BoState s) { s.ioRefs = ioRefs; }
        @Override public boolean guarded() { return true; }
    }
    public record Fenced() implements BoEvent {
        @Override public void applyTo(BoState s) { s.fenceSeq++; }
        @Override public boolean guarded() { return true; }
    }
    /** Every fence attached to this BO signalled: its own move fence, if that was all it waited for, is gone too. */
    public record Signaled() implements BoEvent {
        @Override public void applyTo(BoState s) {
            s.signaledSeq = s.fenceSeq;
            s.moveFence = s.moveFence.signaled(s.name, s.fenceSeq);
        }
    }
    /** Fences 1..{@code seq} of {@code bo}, part of this BO's move fence, signalled. */
    public record MoveFenceCleared(String bo, long seq) implements BoEvent {
        @Override public void applyTo(BoState s) { s.moveFence = s.moveFence.signaled(bo, seq); }
    }
    public record DestroyMarked() implements BoEvent {
        @Override public void applyTo(BoState s) { s.destroyed = true; }
        @Override public boolean guarded() { return true; }
    }
    public record Warned(String why) implements BoEvent {
        @Override public void applyTo(BoState s) { s.warnings++; }
    }

    // ---- the decider -------------------------------------------------------------------------------------
    private final String name;
    private final Address address;
    private final DeviceConfig device;

    public BufferObject(String name, DeviceConfig device) {
        this.name = Objects.requireNonNull(name);
        this.address = new Address.Bo(name);
        this.device = Objects.requireNonNull(device);
    }

    public String name() { return name; }
    public Address address() { return address; }
    DeviceConfig device() { return device; }

    @Override
    public Class<Inbound> inbound() {
        return Inbound.class;
    }

    @Override
    public BoState initialState() {
        return new BoState(name);
    }

    @Override
    public Decision<BoEvent> decide(BoState state, Inbound message) {
        BoStep step = new BoStep(this, state.draft());
        message.dispatchTo(step);
        step.drainWhileIdle();
        return step.decision();
    }

    @Override
    public BoState evolve(BoState state, BoEvent event) {
        event.applyTo(state);
        return state;
    }

    // ---- life cycle: what the commands that are neither reservation, validate nor CPU access do ------------
    static void create(BoStep t, Create c) {
        t.emit(new Created(c.sizePages(), c.priority()));
        t.emit(new Reserved(new Holder("create", null, HolderKind.OPERATION)));
        t.emit(new OpChanged(Running.of(c, true, false)));
        Placement pl = c.placement() == null ? Placement.of(Place.of(RegionConfig.SYSTEM)) : c.placement();
        ValidateWalk.begin(t, pl, false);
    }

    static void pin(BoStep t) {
        int pins = t.s.pinCount + 1;
        t.emit(new PinChanged(pins));
        if (pins == 1) t.lruUpdate();
        t.finish(Outcome.OK, "pinCount=" + pins);
    }

    static void unpin(BoStep t) {
        BoState s = t.s;
        if (s.pinCount == 0) {
            t.emit(new Warned("unpin of " + s.name + " with pinCount 0"));
            t.finish(Outcome.EINVAL, "pinCount is already 0 (warning counted)");
            return;
        }
        if (s.pinCount == 1 && s.kmapCount() > kmapsOfHolder(s)) {
            t.finish(Outcome.EINVAL, s.name + " still has a kmap that only the pin allows: kunmap first");
            return;
        }
        int pins = s.pinCount - 1;
        t.emit(new PinChanged(pins));
        if (pins == 0) t.lruUpdate();
        t.finish(Outcome.OK, "pinCount=" + pins);
    }

    private static int kmapsOfHolder(BoState s) {
        return s.holder != null && s.holder.kind() == HolderKind.EXPLICIT ? s.kmapsOf(s.holder.owner()) : 0;
    }

    static void destroy(BoStep t) {
        BoState s = t.s;
        CpuAccess.unmapVirtual(t);
        for (Map.Entry<String, Integer> k : new TreeMap<>(s.kmaps).entrySet()) {
            int count = k.getValue();
            t.emit(new Warned("destroy of " + s.name + " with " + count + " kmap(s) by " + k.getKey()));
            for (int i = 0; i < count; i++) CpuAccess.kunmap(t, k.getKey());
        }
        if (s.pinCount > 0) {
            t.emit(new Warned("destroy of pinned " + s.name + ": force-unpinned"));
            t.emit(new PinChanged(0));
        }
        t.emit(new DestroyMarked());
        String how = s.resource == null ? "destroyed" : s.busy() ? "destroyed; memory freed when its fences signal" : "destroyed, memory freed";
        if (s.resource != null && !s.busy()) ValidateWalk.dropResource(t, false);
        t.finish(Outcome.OK, how);
        if (s.holder != null && s.op == null) t.release(); // a destroyed BO keeps no reservation
    }

    /**
     * The GPU finished everything fenced on this BO. Every region hears of it: ghosts and move fences there may
     * wait for these fences (the BO does not track where its fences went; regions are few).
     */
    static void signal(BoStep t, Signal c) {
        signalFences(t);
        t.reply(c, Outcome.OK, "fences signaled");
    }

    /** Signals every fence of the BO (whether it had any unsignalled ones), then a delayed destroy may complete. */
    static boolean signalFences(BoStep t) {
        BoState s = t.s;
        boolean any = s.fences() > 0;
        if (any) {
            long seq = s.fenceSeq;
            t.emit(new Signaled());
            for (String region : t.device.regions().keySet()) t.send(new Address.Region(region), new FenceSignaled(s.name, seq));
        }
        completeDelayedDestroy(t);
        return any;
    }

    /** A region passes on that fences this BO's move fence waits for signalled. */
    static void moveFenceSignaled(BoStep t, FenceSignaled f) {
        Running op = t.s.op;
        if (op != null && (clears(op.target(), f) || clears(op.hop(), f))) {
            // A grant not moved into yet (TT pages being populated, a multihop) no longer carries these fences.
            t.emit(new OpChanged(op.granted(op.phase(), without(op.target(), f), without(op.hop(), f))));
        }
        if (!t.s.moveFence.clearedBy(f.bo(), f.seq())) return; // already cleared
        t.emit(new MoveFenceCleared(f.bo(), f.seq()));
        completeDelayedDestroy(t);
    }

    private static boolean clears(RegionManager.Granted g, FenceSignaled f) {
        return g != null && g.moveFence().clearedBy(f.bo(), f.seq());
    }

    private static RegionManager.Granted without(RegionManager.Granted g, FenceSignaled f) {
        return g == null ? null : new RegionManager.Granted(g.resource(), g.moveFence().signaled(f.bo(), f.seq()), g.requestId());
    }

    /** A destroyed BO that has become idle gives its memory back, under a reservation of its own. */
    private static void completeDelayedDestroy(BoStep t) {
        BoState s = t.s;
        if (!s.destroyed || s.resource == null || s.holder != null || s.busy()) return;
        t.emit(new Reserved(new Holder("delayed-destroy", null, HolderKind.OPERATION)));
        ValidateWalk.dropResource(t, false);
        t.emit(new Released());
    }
}
