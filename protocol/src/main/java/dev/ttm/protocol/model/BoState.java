package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The state of one buffer object. Only {@link BufferObject#evolve} changes it; everyone else reads it through
 * the getters. {@link #draft()} makes the private working copy a decision is computed on (its collections are
 * copied on first write, so a draft of a BO with a long queue costs nothing until the queue changes).
 *
 * <p>Most BOs never queue a request nor get kmapped: until one of its collections is first written (every write goes
 * through {@link #ownCollections()} first), a state shares the immutable empty ones below, so that an idle BO carries
 * no collection of its own. An empty shared collection reads, renders and digests exactly as an empty own one.
 */
public final class BoState {
    final String name;
    boolean created;
    long sizePages;
    int priority;
    Resource resource;
    int pinCount;
    BufferObject.Holder holder;
    /** Empty, shared by every state that has not queued anything yet; see {@link #ownCollections()}. */
    ArrayDeque<BufferObject.Command> waiters;
    ArrayDeque<BufferObject.Command> deferred;
    BufferObject.Running op;
    BufferObject.Running looseOp;
    boolean mapped;
    /** Sorted by owner. Empty and shared until the first kmap; see {@link #ownCollections()}. */
    SortedMap<String, Integer> kmaps;
    int ioRefs;
    /** Fences attached so far (the n-th is fence {@code (name, n)}) and how many of them have signalled. */
    long fenceSeq;
    long signaledSeq;
    /** What the current resource waits for before the CPU may touch it: a pipelined move's fences. */
    FenceSet moveFence = FenceSet.NONE;
    /** Ghosts this BO has left behind (their names are numbered by it). */
    long ghosts;
    boolean destroyed;
    long movedPages;
    long evictions;
    long warnings;
    /** Set on a draft: its collections are still the original's and must be copied before a write. */
    private boolean shared;

    /** The empty queue every state starts with (both queues): adding to it throws. */
    private static final ArrayDeque<BufferObject.Command> NO_COMMANDS = new NoCommands();
    /** The empty kmaps every state starts with: immutable. */
    private static final SortedMap<String, Integer> NO_KMAPS = Collections.emptySortedMap();
    /** A new queue's first capacity: most queues a BO ever has are short (ArrayDeque grows as it needs to). */
    private static final int FIRST_CAPACITY = 2;

    BoState(String name) {
        this.name = name;
        this.waiters = NO_COMMANDS;
        this.deferred = NO_COMMANDS;
        this.kmaps = NO_KMAPS;
    }

    /** A working copy for one decision; the original is left untouched whatever the draft goes through. */
    BoState draft() {
        BoState d = new BoState(name, waiters, deferred, kmaps);
        d.created = created;
        d.sizePages = sizePages;
        d.priority = priority;
        d.resource = resource;
        d.pinCount = pinCount;
        d.holder = holder;
        d.op = op;
        d.looseOp = looseOp;
        d.mapped = mapped;
        d.ioRefs = ioRefs;
        d.fenceSeq = fenceSeq;
        d.signaledSeq = signaledSeq;
        d.moveFence = moveFence;
        d.ghosts = ghosts;
        d.destroyed = destroyed;
        d.movedPages = movedPages;
        d.evictions = evictions;
        d.warnings = warnings;
        d.shared = true;
        return d;
    }

    private BoState(String name, ArrayDeque<BufferObject.Command> waiters, ArrayDeque<BufferObject.Command> deferred,
                    SortedMap<String, Integer> kmaps) {
        this.name = name;
        this.waiters = waiters;
        this.deferred = deferred;
        this.kmaps = kmaps;
    }

    /**
     * Called by evolve before it changes a collection: afterwards this state's collections are its own (a draft's are
     * copies of the original's; the shared empty ones are replaced by new ones).
     */
    void ownCollections() {
        if (shared) {
            waiters = copy(waiters);
            deferred = copy(deferred);
            kmaps = new TreeMap<>(kmaps);
            shared = false;
            return;
        }
        if (waiters == NO_COMMANDS) waiters = new ArrayDeque<>(FIRST_CAPACITY);
        if (deferred == NO_COMMANDS) deferred = new ArrayDeque<>(FIRST_CAPACITY);
        if (kmaps == NO_KMAPS) kmaps = new TreeMap<>();
    }

    private static ArrayDeque<BufferObject.Command> copy(ArrayDeque<BufferObject.Command> q) {
        return q.isEmpty() ? new ArrayDeque<>(FIRST_CAPACITY) : new ArrayDeque<>(q);
    }

    /** {@link #NO_COMMANDS}: every addition goes through addFirst or addLast, and both refuse; removals find nothing. */
    private static final class NoCommands extends ArrayDeque<BufferObject.Command> {
        NoCommands() {
            super(0);
        }

        @Override public void addFirst(BufferObject.Command c) { throw new UnsupportedOperationException("the shared empty queue"); }
        @Override public void addLast(BufferObject.Command c) { throw new UnsupportedOperationException("the shared empty queue"); }
    }

    public String name() { return name; }
    public boolean created() { return created; }
    public long sizePages() { return sizePages; }
    public int priority() { return priority; }
    public Resource resource() { return resource; }
    public int pinCount() { return pinCount; }
    public BufferObject.Holder holder() { return holder; }
    public boolean mapped() { return mapped; }
    public int ioRefs() { return ioRefs; }
    /** Unsignalled fences attached to this BO. */
    public long fences() { return fenceSeq - signaledSeq; }
    public long fenceSeq() { return fenceSeq; }
    public long signaledSeq() { return signaledSeq; }
    public boolean busy() { return fenceSeq > signaledSeq || !moveFence.isEmpty(); }
    public boolean movePending() { return !moveFence.isEmpty(); }
    public FenceSet moveFence() { return moveFence; }
    public long ghostCount() { return ghosts; }

    /** Everything the GPU may still be doing with this BO's pages: its own unsignalled fences and its move fence. */
    public FenceSet busyFences() {
        return fenceSeq > signaledSeq ? moveFence.union(FenceSet.of(name, fenceSeq)) : moveFence;
    }

    /** The name of the next ghost this BO leaves behind. */
    String nextGhostName() {
        return ghostName(name, ghosts + 1);
    }

    public static String ghostName(String bo, long n) {
        return "ghost(" + bo + ")#" + n;
    }
    public boolean destroyed() { return destroyed; }
    public long movedPages() { return movedPages; }
    public long evictions() { return evictions; }
    public long warnings() { return warnings; }
    public BufferObject.Running op() { return op; }
    public BufferObject.Running looseOp() { return looseOp; }
    public Map<String, Integer> kmaps() { return Collections.unmodifiableMap(kmaps); }
    public int waiterCount() { return waiters.size(); }
    public int deferredCount() { return deferred.size(); }

    public int kmapCount() {
        if (kmaps.isEmpty()) return 0; // most BOs: the checker asks after every message, and a values view costs an object
        int n = 0;
        for (int c : kmaps.values()) n += c;
        return n;
    }

    public int kmapsOf(String owner) {
        return kmaps.getOrDefault(owner, 0);
    }

    /** Whether {@code owner} holds the reservation explicitly (a reserve, not an operation's own). */
    public boolean heldBy(String owner) {
        return holder != null && holder.kind() == BufferObject.HolderKind.EXPLICIT && owner != null && owner.equals(holder.owner());
    }

    /** The ticketed reservations queued for this BO (for deadlock detection: each waits for the holder). */
    public List<BufferObject.Reserve> ticketedWaiters() {
        List<BufferObject.Reserve> out = new ArrayList<>();
        for (BufferObject.Command c : waiters) if (c instanceof BufferObject.Reserve r && r.ticket() != null) out.add(r);
        return out;
    }

    /** Requests legitimately waiting for this BO's reservation (INV-12 does not count them as lost). */
    public List<Long> parkedRequests() {
        List<Long> out = new ArrayList<>(waiters.size() + deferred.size());
        for (BufferObject.Command c : waiters) out.add(c.requestId());
        for (BufferObject.Command c : deferred) out.add(c.requestId());
        return out;
    }
}
