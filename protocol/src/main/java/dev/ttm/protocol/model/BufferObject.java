package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One TTM buffer object as a state machine. It owns its reservation (one holder, FIFO waiters, wait-die
 * tickets), runs one operation at a time under that reservation, and talks to region managers (allocation,
 * LRU) and the IO manager (io_mem_reserve / io_mem_free, fault hook) only by messages.
 */
public final class BufferObject implements Entity {
    /** Bound on each queue of a BO (waiters, same-owner operations): beyond it a request gets EBUSY. */
    public static final int MAX_QUEUE = 4096;

    // ---- commands: a client (or an execbuf) asks; each gets exactly one Reply ------------------
    public sealed interface Command extends Message {
        Address replyTo();

        /** The reservation owner the command acts for, or null (a plain operation). */
        default String owner() {
            return null;
        }
    }

    public record Create(long sizePages, int priority, Placement placement, long requestId, Address replyTo) implements Command {}
    public record Reserve(String owner, Long ticket, boolean nowait, boolean slowPath, long requestId, Address replyTo) implements Command {}
    public record Unreserve(String owner, long requestId, Address replyTo) implements Command {}
    public record Validate(Placement placement, String owner, boolean nowait, long requestId, Address replyTo) implements Command {}
    public record Fault(long page, long requestId, Address replyTo) implements Command {}
    public record Kmap(String owner, long requestId, Address replyTo) implements Command {}
    public record Kunmap(String owner, long requestId, Address replyTo) implements Command {}
    public record Pin(Placement placement, String owner, long requestId, Address replyTo) implements Command {}
    public record Unpin(String owner, long requestId, Address replyTo) implements Command {}
    public record Unmap(String owner, long requestId, Address replyTo) implements Command {}
    public record Fence(String owner, long requestId, Address replyTo) implements Command {}
    public record Signal(long requestId, Address replyTo) implements Command {}
    public record Destroy(String owner, long requestId, Address replyTo) implements Command {}

    /** From a region's eviction walk: leave {@code region} if you can be try-reserved (never waits). */
    public record Evict(String region, boolean nowait) implements Message {}
    /** From the io-lru IO manager: give up your CPU mapping and IO reservation if you can be try-reserved. */
    public record IoEvict() implements Message {}

    // ---- state pieces ------------------------------------------------------------------------------
    public enum HolderKind { EXPLICIT, OPERATION, EVICTION }

    public record Holder(String owner, Long ticket, HolderKind kind) {
        @Override
        public String toString() {
            return ticket == null ? owner : owner + "(ticket " + ticket + ")";
        }
    }

    public enum Phase { RUNNING, ALLOC, HOOK, POPULATE, IO_RESERVE }

    /** The operation in progress: what it is, whether it took the reservation itself, and where it stands. */
    public record Running(Message cmd, boolean releaseAtEnd, Phase phase, Placement placement, boolean nowait,
                          int pass, int index, boolean sawBusy) {
        public Running(Message cmd, boolean releaseAtEnd, Phase phase, Placement placement, boolean nowait, int pass, int index) {
            this(cmd, releaseAtEnd, phase, placement, nowait, pass, index, false);
        }

        Running at(Phase p) {
            return new Running(cmd, releaseAtEnd, p, placement, nowait, pass, index, sawBusy);
        }

        Running allocating(Placement pl, boolean nw, int ps, int ix) {
            return new Running(cmd, releaseAtEnd, Phase.ALLOC, pl, nw, ps, ix, sawBusy);
        }

        Running busySeen() {
            return new Running(cmd, releaseAtEnd, phase, placement, nowait, pass, index, true);
        }
    }

    // ---- events ------------------------------------------------------------------------------------
    public record Created(long sizePages, int priority) implements Event {}
    public record Reserved(Holder holder) implements Event {}
    public record Released() implements Event {}
    public record Queued(Command command) implements Event {}
    public record Dequeued() implements Event {}
    public record Unqueued(long requestId) implements Event {}
    public record Adopted(long requestId, String owner) implements Event {}
    public record Deferred(Command command) implements Event {}
    public record Undeferred() implements Event {}
    public record OpChanged(Running op) implements Event {}
    public record LooseOpChanged(Running op) implements Event {}
    /** The BO's resource changed: a move ({@code to != null}) or a purge / free ({@code to == null}). */
    public record Moved(Resource from, Resource to, boolean eviction, boolean pipelined) implements Event {}
    public record PinChanged(int pinCount) implements Event {}
    public record Mapped() implements Event {}
    public record Zapped() implements Event {}
    public record KmapChanged(String owner, int count) implements Event {}
    public record IoRefsChanged(int ioRefs) implements Event {}
    public record Fenced() implements Event {}
    public record Signaled() implements Event {}
    public record DestroyMarked() implements Event {}
    public record Warned(String why) implements Event {}

    /** Events that change state the reservation protects (INV-1). */
    public static boolean guarded(Event e) {
        return e instanceof Moved || e instanceof PinChanged || e instanceof Mapped || e instanceof Zapped
                || e instanceof KmapChanged || e instanceof IoRefsChanged || e instanceof Fenced
                || e instanceof DestroyMarked;
    }

    // ---- state -------------------------------------------------------------------------------------
    private final String name;
    private final Address address;
    private final DeviceConfig device;
    private boolean created;
    private long sizePages;
    private int priority;
    private Resource resource;
    private int pinCount;
    private Holder holder;
    private final ArrayDeque<Command> waiters = new ArrayDeque<>();
    private final ArrayDeque<Command> deferred = new ArrayDeque<>();
    private Running op;
    private Running looseOp;
    private boolean mapped;
    private final TreeMap<String, Integer> kmaps = new TreeMap<>();
    private int ioRefs;
    private int fences;
    private boolean movePending;
    private boolean destroyed;
    private long movedPages;
    private long evictions;
    private long warnings;
    /** Not state: true while a handler acts outside the reservation (the v3-atomic driver's kmap). */
    private boolean actingUnlocked;

    public BufferObject(String name, DeviceConfig device) {
        this.name = Objects.requireNonNull(name);
        this.address = new Address.Bo(name);
        this.device = device;
    }

    @Override
    public Address address() { return address; }
    public String name() { return name; }
    public boolean created() { return created; }
    public long sizePages() { return sizePages; }
    public int priority() { return priority; }
    public Resource resource() { return resource; }
    public int pinCount() { return pinCount; }
    public Holder holder() { return holder; }
    public boolean mapped() { return mapped; }
    public int ioRefs() { return ioRefs; }
    public boolean busy() { return fences > 0 || movePending; }
    public boolean movePending() { return movePending; }
    public boolean destroyed() { return destroyed; }
    public long movedBytes() { return movedPages * device.pageBytes(); }
    public long movedPages() { return movedPages; }
    public long evictions() { return evictions; }
    public long warnings() { return warnings; }
    public Running op() { return op; }
    public Running looseOp() { return looseOp; }
    public boolean actingUnlocked() { return actingUnlocked; }
    public Map<String, Integer> kmaps() { return Collections.unmodifiableMap(kmaps); }

    public int kmapCount() {
        int n = 0;
        for (int c : kmaps.values()) n += c;
        return n;
    }

    /** The ticketed reservations queued for this BO (for deadlock detection: each waits for the holder). */
    public List<Reserve> ticketedWaiters() {
        List<Reserve> out = new ArrayList<>();
        for (Command c : waiters) if (c instanceof Reserve r && r.ticket() != null) out.add(r);
        return out;
    }

    /** Requests legitimately waiting for this BO's reservation (INV-12 does not count them as lost). */
    public List<Long> parkedRequests() {
        List<Long> out = new ArrayList<>();
        for (Command c : waiters) out.add(c.requestId());
        for (Command c : deferred) out.add(c.requestId());
        return out;
    }

    // ---- handle ------------------------------------------------------------------------------------
    @Override
    public void handle(Address from, Message message, Ctx ctx) {
        if (message instanceof Command c) {
            onCommand(c, ctx);
        } else if (message instanceof RegionManager.Granted g) {
            onGranted(g, ctx);
        } else if (message instanceof RegionManager.Refused r) {
            onRefused(r, ctx);
        } else if (message instanceof IoManager.IoReserved r) {
            onIoReply(r.requestId(), null, ctx);
        } else if (message instanceof IoManager.IoFailed f) {
            onIoReply(f.requestId(), f.error(), ctx);
        } else if (message instanceof IoManager.HookDone h) {
            onHookDone(h, ctx);
        } else if (message instanceof RegionManager.Populated p) {
            onPopulated(p, ctx);
        } else if (message instanceof Evict e) {
            onEvict(from, e, ctx);
        } else if (message instanceof IoEvict) {
            onIoEvict(ctx);
        } else {
            throw new IllegalArgumentException("bo " + name + ": unexpected " + message);
        }
    }

    private void onCommand(Command c, Ctx ctx) {
        if (c instanceof Create cr) {
            onCreate(cr, ctx);
            return;
        }
        if (!created) {
            // Another sender's message may overtake the Create (as between actors): it waits for creation.
            enqueue(c, false, ctx);
            return;
        }
        if (c instanceof Signal s) {
            onSignal(s, ctx);
        } else if (destroyed) {
            reply(ctx, c, Outcome.ENOENT, name + " was destroyed");
        } else if (c instanceof Reserve r) {
            onReserve(r, ctx);
        } else if (c instanceof Fault f && holder != null) {
            reply(ctx, c, Outcome.RETRY, "reserved by " + holder + ": a fault never waits");
        } else {
            admit(c, ctx);
        }
    }

    /** Runs a command under the caller's reservation, under a reservation of its own, or queues it. */
    private void admit(Command c, Ctx ctx) {
        String owner = c.owner();
        boolean underHolder = holder != null && holder.kind() == HolderKind.EXPLICIT && owner != null
                && owner.equals(holder.owner());
        if (underHolder) {
            if (op != null) {
                enqueue(c, true, ctx);
            } else {
                start(c, false, ctx);
            }
        } else if (c instanceof Unreserve) {
            reply(ctx, c, Outcome.EPERM, holder == null ? name + " is not reserved" : name + " is reserved by " + holder + ", not " + owner);
        } else if (c instanceof Kmap && pinCount == 0) {
            reply(ctx, c, Outcome.EPERM, "kmap needs " + owner + " to hold the reservation or the BO to be pinned");
        } else if (c instanceof Kunmap && kmaps.getOrDefault(owner, 0) == 0) {
            reply(ctx, c, Outcome.EINVAL, owner + " has no kmap of " + name);
        } else if (device.driver() == Driver.V3_ATOMIC && (c instanceof Kmap || c instanceof Kunmap) && looseOp == null) {
            looseKmap(c, ctx);
        } else if (holder != null) {
            if (c instanceof Validate v && v.nowait()) {
                reply(ctx, c, Outcome.EBUSY, "reserved by " + holder + " (nowait)");
            } else {
                enqueue(c, false, ctx);
            }
        } else {
            start(c, true, ctx);
        }
    }

    private void enqueue(Command c, boolean sameOwner, Ctx ctx) {
        if ((sameOwner ? deferred : waiters).size() >= MAX_QUEUE) {
            reply(ctx, c, Outcome.EBUSY, name + ": too many requests queued");
        } else {
            ctx.emit(sameOwner ? new Deferred(c) : new Queued(c));
        }
    }

    private void onReserve(Reserve r, Ctx ctx) {
        if (r.nowait() && r.ticket() != null) {
            reply(ctx, r, Outcome.EBUSY, "nowait together with a ticket is refused");
        } else if (holder == null) {
            ctx.emit(new Reserved(new Holder(r.owner(), r.ticket(), HolderKind.EXPLICIT)));
            reply(ctx, r, Outcome.OK, "reserved by " + r.owner());
            if (r.ticket() != null) dieYoungerWaiters(r.ticket(), ctx);
        } else if (holder.kind() == HolderKind.EXPLICIT && holder.owner().equals(r.owner())) {
            reply(ctx, r, Outcome.EALREADY, r.owner() + " already holds " + name);
        } else if (r.ticket() != null && r.ticket().equals(holder.ticket())) {
            reply(ctx, r, Outcome.EALREADY, "ticket " + r.ticket() + " already holds " + name);
        } else if (r.nowait()) {
            reply(ctx, r, Outcome.EBUSY, name + " is reserved by " + holder);
        } else if (r.ticket() != null && holder.ticket() != null && r.ticket() > holder.ticket() && !r.slowPath()) {
            reply(ctx, r, Outcome.EDEADLK, "ticket " + r.ticket() + " is younger than holder " + holder + ": back off");
        } else {
            enqueue(r, false, ctx);
        }
    }

    /**
     * Wait-die: once ticket {@code t} holds the BO, every younger ticket queued for it (except one on the
     * slow path, which holds nothing) dies with EDEADLK instead of waiting, as ww_mutex's waiters do.
     */
    private void dieYoungerWaiters(long t, Ctx ctx) {
        for (Command c : new ArrayList<>(waiters)) {
            if (c instanceof Reserve w && w.ticket() != null && w.ticket() > t && !w.slowPath()) {
                ctx.emit(new Unqueued(w.requestId()));
                reply(ctx, w, Outcome.EDEADLK, "ticket " + w.ticket() + " is younger than holder ticket " + t + ": back off");
            }
        }
    }

    private void onCreate(Create c, Ctx ctx) {
        if (created) {
            reply(ctx, c, Outcome.EALREADY, name + " exists already");
            return;
        }
        ctx.emit(new Created(c.sizePages(), c.priority()));
        ctx.emit(new Reserved(new Holder("create", null, HolderKind.OPERATION)));
        ctx.emit(new OpChanged(new Running(c, true, Phase.RUNNING, null, false, 0, 0)));
        Placement pl = c.placement() == null ? Placement.of(Place.of(RegionConfig.SYSTEM)) : c.placement();
        beginValidate(pl, false, ctx);
    }

    /** Starts a command; with {@code takeReservation} the command reserves the BO for its own duration. */
    private void start(Command c, boolean takeReservation, Ctx ctx) {
        if (takeReservation) {
            String who = c.owner() != null ? c.owner() : opName(c);
            ctx.emit(new Reserved(new Holder(who, null, HolderKind.OPERATION)));
        }
        ctx.emit(new OpChanged(new Running(c, takeReservation, Phase.RUNNING, null, false, 0, 0)));
        if (c instanceof Validate v) {
            beginValidate(v.placement(), v.nowait(), ctx);
        } else if (c instanceof Pin p) {
            if (p.placement() != null) beginValidate(p.placement(), false, ctx);
            else validated(Outcome.OK, "", ctx);
        } else if (c instanceof Fault f) {
            startFault(f, ctx);
        } else if (c instanceof Kmap k) {
            startKmap(k, ctx);
        } else if (c instanceof Kunmap k) {
            if (kmaps.getOrDefault(k.owner(), 0) == 0) {
                finish(Outcome.EINVAL, k.owner() + " has no kmap of " + name, ctx);
            } else {
                kunmap(k.owner(), ctx);
                finish(Outcome.OK, "", ctx);
            }
        } else if (c instanceof Unpin) {
            unpin(ctx);
        } else if (c instanceof Unmap) {
            unmapVirtual(ctx);
            finish(Outcome.OK, "user mappings zapped", ctx);
        } else if (c instanceof Fence) {
            ctx.emit(new Fenced());
            finish(Outcome.OK, "fence attached", ctx);
        } else if (c instanceof Destroy) {
            destroy(ctx);
        } else if (c instanceof Unreserve u) {
            unreserve(u, ctx);
        } else {
            throw new IllegalStateException("bo " + name + ": cannot start " + c);
        }
    }

    private static String opName(Message c) {
        return c.getClass().getSimpleName().toLowerCase();
    }

    private void unreserve(Unreserve u, Ctx ctx) {
        int mine = kmaps.getOrDefault(u.owner(), 0);
        if (mine > 0) {
            finish(Outcome.EBUSY, u.owner() + " still has " + mine + " kmap(s) of " + name, ctx);
            return;
        }
        ctx.emit(new OpChanged(null));
        reply(ctx, u, Outcome.OK, "");
        release(ctx);
    }

    // ---- validate: the two-pass placement walk ------------------------------------------------------
    private void beginValidate(Placement pl, boolean nowait, Ctx ctx) {
        if (pl.isNone()) {
            purge(ctx);
            return;
        }
        if (compatible(pl, 1)) {
            validated(Outcome.OK, "already in a compatible place", ctx);
        } else if (pinCount > 0) {
            validated(Outcome.EINVAL, name + " is pinned and would have to move", ctx);
        } else if (kmapCount() > 0) {
            validated(Outcome.EBUSY, name + " has a kmap outstanding and cannot move", ctx);
        } else if (resource != null && busy() && nowait) {
            validated(Outcome.EBUSY, name + " is busy (fence pending) and nowait was asked", ctx);
        } else {
            nextPlace(pl, nowait, 1, 0, ctx);
        }
    }

    private void purge(Ctx ctx) {
        if (pinCount > 0) {
            validated(Outcome.EINVAL, name + " is pinned and cannot be purged", ctx);
            return;
        }
        if (resource != null) {
            if (kmapCount() > 0) {
                validated(Outcome.EBUSY, name + " has a kmap outstanding", ctx);
                return;
            }
            dropResource(isEviction(), ctx);
        }
        validated(Outcome.OK, "purged: no resource, contents lost", ctx);
    }

    private boolean isEviction() {
        return op != null && op.cmd() instanceof Evict;
    }

    private boolean compatible(Placement pl, int pass) {
        if (resource == null) return false;
        for (Place p : pl.places()) {
            if (!p.usableInPass(pass)) continue;
            long[] range = device.resolve(p);
            if (range != null && resource.compatibleWith(p.region(), range[0], range[1])) return true;
        }
        return false;
    }

    private void nextPlace(Placement pl, boolean nowait, int pass, int from, Ctx ctx) {
        List<Place> places = pl.places();
        for (int i = from; i < places.size(); i++) {
            Place p = places.get(i);
            if (!p.usableInPass(pass)) continue;
            long[] range = device.resolve(p);
            if (range == null || range[1] - range[0] < sizePages) continue; // unknown region or too small a window
            ctx.emit(new OpChanged(op.allocating(pl, nowait, pass, i)));
            ctx.send(new Address.Region(p.region()), new RegionManager.Alloc(name, sizePages, priority, p, range[0], range[1],
                    pass, nowait, false, requestOf(op), address));
            return;
        }
        if (pass == 1) {
            if (compatible(pl, 2)) validated(Outcome.OK, "already in a fallback place", ctx);
            else nextPlace(pl, nowait, 2, 0, ctx);
        } else if (op.sawBusy()) {
            // Only busy victims stood in the way: transient (a fault retries), not out of memory.
            validated(Outcome.EBUSY, "no space for " + sizePages + " pages in " + pl + " without waiting for busy victims", ctx);
        } else {
            validated(Outcome.ENOMEM, "no space for " + sizePages + " pages in " + pl, ctx);
        }
    }

    private static long requestOf(Running r) {
        return r.cmd().requestId();
    }

    private void onGranted(RegionManager.Granted g, Ctx ctx) {
        expectPhase(Phase.ALLOC);
        Resource old = resource;
        if (old != null) unmapVirtual(ctx); // the first placement has nothing mapped to zap
        ctx.emit(new Moved(old, g.resource(), isEviction(), busy()));
        if (old != null) ctx.send(new Address.Region(old.region()), new RegionManager.Free(name, old.startPage(), old.pages()));
        validated(Outcome.OK, "moved to " + g.resource(), ctx);
    }

    private void onRefused(RegionManager.Refused r, Ctx ctx) {
        expectPhase(Phase.ALLOC);
        if (r.outcome() == Outcome.ENOMEM) {
            if (r.busyVictims()) ctx.emit(new OpChanged(op.busySeen()));
            nextPlace(op.placement(), op.nowait(), op.pass(), op.index() + 1, ctx);
        } else {
            validated(r.outcome(), r.reason(), ctx);
        }
    }

    private void expectPhase(Phase p) {
        if (op == null || op.phase() != p) throw new IllegalStateException("bo " + name + ": reply in phase " + (op == null ? "idle" : op.phase()));
    }

    /** Where each command goes on once its validate (if any) has an outcome. */
    private void validated(Outcome outcome, String reason, Ctx ctx) {
        ctx.emit(new OpChanged(op.at(Phase.RUNNING)));
        Message c = op.cmd();
        if (c instanceof Create) {
            finish(outcome, outcome == Outcome.ENOMEM ? reason + "; " + name + " exists without a resource" : reason, ctx);
        } else if (c instanceof Pin) {
            if (outcome == Outcome.OK) pin(ctx);
            else finish(outcome, reason, ctx);
        } else if (c instanceof Fault) {
            if (outcome == Outcome.OK) faultIoReserve(ctx);
            else if (outcome == Outcome.EBUSY || outcome == Outcome.ERESTARTSYS) finish(Outcome.RETRY, reason, ctx);
            else finish(Outcome.SIGBUS, "cannot make " + name + " CPU-visible: " + reason, ctx);
        } else if (c instanceof Kmap) {
            if (outcome == Outcome.OK) ioReference(ctx);
            else finish(outcome, reason, ctx);
        } else {
            finish(outcome, reason, ctx);
        }
    }

    /** The BO loses its resource: unmapped, freed in its region; a purge or the end of a delayed destroy. */
    private void dropResource(boolean eviction, Ctx ctx) {
        Resource old = resource;
        unmapVirtual(ctx);
        ctx.emit(new Moved(old, null, eviction, false));
        ctx.send(new Address.Region(old.region()), new RegionManager.Free(name, old.startPage(), old.pages()));
    }

    // ---- CPU access ---------------------------------------------------------------------------------
    /** ttm_bo_unmap_virtual: zap every user mapping, then free the IO reservation the mapping held. */
    private void unmapVirtual(Ctx ctx) {
        if (device.driver() == Driver.V3_ATOMIC) {
            // V3: atomic_set(use_count, 0); io_mem_free() -- no test for zero.
            if (mapped) ctx.emit(new Zapped());
            if (ioRefs != 0) ctx.emit(new IoRefsChanged(0));
            ctx.send(Address.IO, new IoManager.IoFree(name));
            return;
        }
        if (!mapped) return;
        ctx.emit(new Zapped());
        dropIoRef(ctx);
    }

    private void dropIoRef(Ctx ctx) {
        if (device.driver() == Driver.V3_ATOMIC) {
            if (ioRefs != 0) ctx.emit(new IoRefsChanged(0));
            ctx.send(Address.IO, new IoManager.IoFree(name));
            return;
        }
        assert ioRefs > 0 : name + ": io reference underflow";
        ctx.emit(new IoRefsChanged(ioRefs - 1));
        if (ioRefs == 0) ctx.send(Address.IO, new IoManager.IoFree(name));
    }

    private void startFault(Fault f, Ctx ctx) {
        if (resource == null) {
            finish(Outcome.SIGBUS, name + " has no resource", ctx);
        } else if (f.page() >= sizePages) {
            finish(Outcome.SIGBUS, "page " + f.page() + " is beyond " + name + "'s " + sizePages + " pages", ctx);
        } else if (movePending) {
            finish(Outcome.RETRY, name + " has a pending move fence", ctx);
        } else {
            ctx.emit(new OpChanged(op.at(Phase.HOOK)));
            ctx.send(Address.IO, new IoManager.FaultNotify(name, requestOf(op)));
        }
    }

    private void onHookDone(IoManager.HookDone h, Ctx ctx) {
        expectPhase(Phase.HOOK);
        if (h.error() != null) {
            boolean transient_ = "EBUSY".equals(h.error()) || "ERESTARTSYS".equals(h.error());
            finish(transient_ ? Outcome.RETRY : Outcome.SIGBUS, "driver fault hook failed: " + h.error(), ctx);
        } else if (resource.region().equals(RegionConfig.SYSTEM)) {
            ctx.emit(new OpChanged(op.at(Phase.POPULATE)));
            ctx.send(new Address.Region(RegionConfig.SYSTEM), new RegionManager.Populate(name, requestOf(op)));
        } else {
            faultMakeVisible(ctx);
        }
    }

    private void onPopulated(RegionManager.Populated p, Ctx ctx) {
        expectPhase(Phase.POPULATE);
        if (p.ok()) faultMakeVisible(ctx);
        else finish(Outcome.OOM, "the first page of " + name + " could not be populated", ctx);
    }

    /** The driver's fault_reserve_notify: validate into [VRAM visible, TT] without waiting. */
    private void faultMakeVisible(Ctx ctx) {
        if (device.cpuVisible(resource)) {
            faultIoReserve(ctx);
        } else if (pinCount > 0) {
            finish(Outcome.SIGBUS, name + " is pinned outside CPU-visible memory", ctx);
        } else {
            beginValidate(device.mappablePlacement(), true, ctx);
        }
    }

    private void faultIoReserve(Ctx ctx) {
        if (mapped && device.driver() != Driver.V3_ATOMIC) {
            if (device.driver() == Driver.IO_LRU && pinCount == 0) ctx.send(Address.IO, new IoManager.IoLruUpdate(name, true));
            finish(Outcome.MAPPED, "already mapped", ctx);
        } else {
            ioReference(ctx);
        }
    }

    private void startKmap(Kmap k, Ctx ctx) {
        boolean allowed = pinCount > 0 || (holder != null && holder.kind() == HolderKind.EXPLICIT && holder.owner().equals(k.owner()));
        if (!allowed) {
            finish(Outcome.EPERM, "kmap needs " + k.owner() + " to hold the reservation or the BO to be pinned", ctx);
        } else if (resource == null) {
            finish(Outcome.EINVAL, name + " has no resource", ctx);
        } else if (movePending) {
            finish(Outcome.EBUSY, name + " has a pending move fence", ctx);
        } else if (device.cpuVisible(resource)) {
            ioReference(ctx);
        } else if (pinCount > 0) {
            finish(Outcome.EINVAL, name + " is pinned outside CPU-visible memory", ctx);
        } else {
            beginValidate(device.mappablePlacement(), false, ctx);
        }
    }

    /**
     * Takes one IO reference for the operation in progress. The driver's io_mem_reserve runs on 0 -> 1 only;
     * under v3-atomic the flag is exchanged first and the driver called only by whoever saw it clear.
     */
    private void ioReference(Ctx ctx) {
        boolean callDriver = ioRefs == 0;
        if (device.driver() == Driver.V3_ATOMIC && ioRefs == 0) ctx.emit(new IoRefsChanged(1));
        if (callDriver) {
            if (actingUnlocked) ctx.emit(new LooseOpChanged(looseOp.at(Phase.IO_RESERVE)));
            else ctx.emit(new OpChanged(op.at(Phase.IO_RESERVE)));
            ctx.send(Address.IO, new IoManager.IoReserve(name, device.aperturePagesFor(resource), pinCount > 0, currentRequest()));
        } else {
            ioReserved(ctx);
        }
    }

    private long currentRequest() {
        return actingUnlocked ? requestOf(looseOp) : requestOf(op);
    }

    private void onIoReply(long requestId, String error, Ctx ctx) {
        boolean loose = looseOp != null && looseOp.phase() == Phase.IO_RESERVE && requestOf(looseOp) == requestId
                && !(op != null && op.phase() == Phase.IO_RESERVE && requestOf(op) == requestId);
        if (loose) {
            actingUnlocked = true;
            try {
                ioReplied(error, ctx);
            } finally {
                actingUnlocked = false;
            }
        } else {
            expectPhase(Phase.IO_RESERVE);
            ioReplied(error, ctx);
        }
    }

    private void ioReplied(String error, Ctx ctx) {
        if (error == null) {
            ioReserved(ctx);
            return;
        }
        Message c = actingUnlocked ? looseOp.cmd() : op.cmd();
        String why = "io_mem_reserve failed: " + error;
        if (c instanceof Fault) finish(Outcome.SIGBUS, why, ctx);
        else finish("EBUSY".equals(error) ? Outcome.EBUSY : "ENOSPC".equals(error) ? Outcome.ENOMEM : Outcome.EINVAL, why, ctx);
    }

    /** The IO reservation is held: take the reference and finish the fault or kmap. */
    private void ioReserved(Ctx ctx) {
        if (device.driver() != Driver.V3_ATOMIC) ctx.emit(new IoRefsChanged(ioRefs + 1));
        Message c = actingUnlocked ? looseOp.cmd() : op.cmd();
        if (c instanceof Fault) {
            if (!mapped) ctx.emit(new Mapped());
            finish(Outcome.MAPPED, "mapped " + resource, ctx);
        } else {
            Kmap k = (Kmap) c;
            ctx.emit(new KmapChanged(k.owner(), kmaps.getOrDefault(k.owner(), 0) + 1));
            finish(Outcome.OK, "kmapped " + resource, ctx);
        }
    }

    private void kunmap(String owner, Ctx ctx) {
        ctx.emit(new KmapChanged(owner, kmaps.get(owner) - 1));
        dropIoRef(ctx);
    }

    /** v3-atomic: a kmap or kunmap of a pinned BO runs without the reservation, as the V3 patch allowed. */
    private void looseKmap(Command c, Ctx ctx) {
        actingUnlocked = true;
        try {
            ctx.emit(new LooseOpChanged(new Running(c, false, Phase.RUNNING, null, false, 0, 0)));
            if (c instanceof Kunmap k) {
                kunmap(k.owner(), ctx);
                finish(Outcome.OK, "", ctx);
            } else if (resource == null || !device.cpuVisible(resource)) {
                finish(Outcome.EINVAL, name + " is pinned outside CPU-visible memory", ctx);
            } else {
                ioReference(ctx);
            }
        } finally {
            actingUnlocked = false;
        }
    }

    // ---- pinning, fences, destroy -------------------------------------------------------------------
    private void pin(Ctx ctx) {
        ctx.emit(new PinChanged(pinCount + 1));
        if (pinCount == 1) lruUpdate(ctx);
        finish(Outcome.OK, "pinCount=" + pinCount, ctx);
    }

    private void unpin(Ctx ctx) {
        if (pinCount == 0) {
            ctx.emit(new Warned("unpin of " + name + " with pinCount 0"));
            finish(Outcome.EINVAL, "pinCount is already 0 (warning counted)", ctx);
            return;
        }
        if (pinCount == 1 && kmapCount() > kmapsOfHolder()) {
            finish(Outcome.EINVAL, name + " still has a kmap that only the pin allows: kunmap first", ctx);
            return;
        }
        ctx.emit(new PinChanged(pinCount - 1));
        if (pinCount == 0) lruUpdate(ctx);
        finish(Outcome.OK, "pinCount=" + pinCount, ctx);
    }

    private int kmapsOfHolder() {
        return holder != null && holder.kind() == HolderKind.EXPLICIT ? kmaps.getOrDefault(holder.owner(), 0) : 0;
    }

    /** Tells the region (and the io-lru aperture) whether the BO is evictable, at the tail of the LRU. */
    private void lruUpdate(Ctx ctx) {
        if (resource != null) ctx.send(new Address.Region(resource.region()), new RegionManager.LruUpdate(name, priority, pinCount == 0));
        if (device.driver() == Driver.IO_LRU && ioRefs > 0) ctx.send(Address.IO, new IoManager.IoLruUpdate(name, pinCount == 0));
    }

    private void destroy(Ctx ctx) {
        unmapVirtual(ctx);
        for (Map.Entry<String, Integer> k : new TreeMap<>(kmaps).entrySet()) {
            int count = k.getValue();
            ctx.emit(new Warned("destroy of " + name + " with " + count + " kmap(s) by " + k.getKey()));
            for (int i = 0; i < count; i++) kunmap(k.getKey(), ctx);
        }
        if (pinCount > 0) {
            ctx.emit(new Warned("destroy of pinned " + name + ": force-unpinned"));
            ctx.emit(new PinChanged(0));
        }
        ctx.emit(new DestroyMarked());
        String how = resource == null ? "destroyed" : busy() ? "destroyed; memory freed when its fences signal" : "destroyed, memory freed";
        if (resource != null && !busy()) dropResource(false, ctx);
        finish(Outcome.OK, how, ctx);
        if (holder != null && op == null) release(ctx); // a destroyed BO keeps no reservation
    }

    private void onSignal(Signal s, Ctx ctx) {
        if (busy()) ctx.emit(new Signaled());
        if (destroyed && resource != null && holder == null && !busy()) {
            ctx.emit(new Reserved(new Holder("delayed-destroy", null, HolderKind.OPERATION)));
            dropResource(false, ctx);
            ctx.emit(new Released());
        }
        reply(ctx, s, Outcome.OK, "fences signaled");
    }

    // ---- eviction ----------------------------------------------------------------------------------
    private void onEvict(Address region, Evict e, Ctx ctx) {
        String refuse = null;
        RegionConfig rc = device.region(e.region());
        if (resource == null || !resource.region().equals(e.region())) refuse = "no longer in " + e.region();
        else if (!destroyed && !rc.purge() && rc.evictTo().isEmpty()) refuse = e.region() + " never evicts";
        else if (holder != null) refuse = "reserved by " + holder;
        else if (pinCount > 0) refuse = "pinned";
        else if (busy() && e.nowait()) refuse = "busy and the walk must not wait";
        if (refuse != null) {
            ctx.send(region, new RegionManager.VictimDone(name, false, busy() && e.nowait(), refuse));
            return;
        }
        ctx.emit(new Reserved(new Holder("evict:" + e.region(), null, HolderKind.EVICTION)));
        ctx.emit(new OpChanged(new Running(e, true, Phase.RUNNING, null, e.nowait(), 0, 0)));
        if (destroyed || rc.purge()) {
            dropResource(true, ctx);
            validated(Outcome.OK, destroyed ? "freed (destroyed)" : "purged", ctx);
        } else {
            beginValidate(device.evictionPlacement(e.region()), e.nowait(), ctx);
        }
    }

    private void onIoEvict(Ctx ctx) {
        boolean evictable = holder == null && pinCount == 0 && mapped && ioRefs == 1 && kmapCount() == 0;
        if (evictable) {
            ctx.emit(new Reserved(new Holder("io-evict", null, HolderKind.EVICTION)));
            ctx.emit(new Zapped());
            ctx.emit(new IoRefsChanged(0)); // bus information reset: the next fault reserves again
            ctx.emit(new Released());
            lruUpdate(ctx);
        }
        ctx.send(Address.IO, new IoManager.IoEvictDone(name, evictable));
    }

    // ---- ending operations, releasing the reservation ------------------------------------------------
    private void finish(Outcome outcome, String reason, Ctx ctx) {
        if (actingUnlocked) {
            Command c = (Command) looseOp.cmd();
            ctx.emit(new LooseOpChanged(null));
            reply(ctx, c, outcome, reason);
            return;
        }
        Running r = op;
        ctx.emit(new OpChanged(null));
        if (r.cmd() instanceof Evict e) {
            ctx.send(new Address.Region(e.region()), new RegionManager.VictimDone(name, outcome == Outcome.OK, false, reason));
        } else {
            reply(ctx, (Command) r.cmd(), outcome, reason);
        }
        if (r.releaseAtEnd()) release(ctx);
        else drain(ctx);
    }

    /** Releases the reservation: the BO goes to its LRU tail, a delayed destroy may complete, waiters run. */
    private void release(Ctx ctx) {
        if (destroyed && resource != null && !busy()) dropResource(false, ctx);
        ctx.emit(new Released());
        lruUpdate(ctx);
        drain(ctx);
    }

    /** Runs what waited: same-owner commands while the holder keeps the BO, else the next waiter. */
    private void drain(Ctx ctx) {
        while (op == null) {
            if (holder != null && holder.kind() == HolderKind.EXPLICIT) adoptOwnWaiters(ctx);
            if (!deferred.isEmpty()) {
                // The owner's own commands come first, also when its Unreserve has just released the BO.
                Command c = deferred.peekFirst();
                ctx.emit(new Undeferred());
                onCommand(c, ctx);
            } else if (holder == null && !waiters.isEmpty()) {
                Command c = waiters.peekFirst();
                ctx.emit(new Dequeued());
                onCommand(c, ctx);
            } else {
                return;
            }
        }
    }

    /** Commands the new holder queued before it got the BO now run under its reservation, in their order. */
    private void adoptOwnWaiters(Ctx ctx) {
        for (Command c : new ArrayList<>(waiters)) {
            if (holder.owner().equals(c.owner())) ctx.emit(new Adopted(c.requestId(), c.owner()));
        }
    }

    private void reply(Ctx ctx, Command c, Outcome outcome, String reason) {
        ctx.send(c.replyTo(), Reply.of(c.requestId(), outcome, reason));
    }

    // ---- apply ---------------------------------------------------------------------------------------
    @Override
    public void apply(Event event) {
        if (event instanceof Created c) {
            created = true;
            sizePages = c.sizePages();
            priority = c.priority();
        } else if (event instanceof Reserved r) {
            holder = r.holder();
        } else if (event instanceof Released) {
            holder = null;
        } else if (event instanceof Queued q) {
            waiters.addLast(q.command());
        } else if (event instanceof Dequeued) {
            waiters.removeFirst();
        } else if (event instanceof Adopted a) {
            for (java.util.Iterator<Command> it = waiters.iterator(); it.hasNext(); ) {
                Command c = it.next();
                if (c.requestId() == a.requestId() && a.owner().equals(c.owner())) {
                    it.remove();
                    deferred.addLast(c);
                    break;
                }
            }
        } else if (event instanceof Unqueued u) {
            waiters.removeIf(c -> c instanceof Reserve && c.requestId() == u.requestId());
        } else if (event instanceof Deferred d) {
            deferred.addLast(d.command());
        } else if (event instanceof Undeferred) {
            deferred.removeFirst();
        } else if (event instanceof OpChanged o) {
            op = o.op();
        } else if (event instanceof LooseOpChanged o) {
            looseOp = o.op();
        } else if (event instanceof Moved m) {
            resource = m.to();
            if (m.to() != null) movedPages += sizePages;
            if (m.eviction()) evictions++;
            if (m.pipelined() && m.to() != null) movePending = true;
        } else if (event instanceof PinChanged p) {
            pinCount = p.pinCount();
        } else if (event instanceof Mapped) {
            mapped = true;
        } else if (event instanceof Zapped) {
            mapped = false;
        } else if (event instanceof KmapChanged k) {
            if (k.count() == 0) kmaps.remove(k.owner());
            else kmaps.put(k.owner(), k.count());
        } else if (event instanceof IoRefsChanged i) {
            ioRefs = i.ioRefs();
        } else if (event instanceof Fenced) {
            fences++;
        } else if (event instanceof Signaled) {
            fences = 0;
            movePending = false;
        } else if (event instanceof DestroyMarked) {
            destroyed = true;
        } else if (event instanceof Warned) {
            warnings++;
        } else {
            throw new IllegalArgumentException("bo " + name + ": unknown event " + event);
        }
    }
}
