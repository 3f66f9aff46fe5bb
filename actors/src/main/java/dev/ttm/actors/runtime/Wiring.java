package dev.ttm.actors.runtime;

import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every entity shell of one actor system shares: the run id and the stamp counter, the count of messages in
 * flight (quiescence is that count at zero), the directory, where client replies go, the monitor that folds
 * every decision in stamp order for the invariant checker (null when checking is off), the execbuf ids, and whether
 * the system is still recovering its entities from the journal (see {@link Guardian}).
 */
public final class Wiring {
    public final String runId;
    public final Directory directory = new Directory();
    public final ClientSink clients;
    private final AtomicLong stamps;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong execIds = new AtomicLong();
    private volatile ActorRef<Monitor.Command> monitor;
    private volatile ActorRef<Guardian.Command> guardian;
    private volatile boolean recovering = true;
    /** Whether entities journal their decisions (not with ttm.journal = none): what a crash needs to recover from. */
    private volatile boolean journaled = true;
    /** The crash under way per entity (see {@link #crash}). */
    private final ConcurrentHashMap<Address, CrashPoint.Ticket> crashes = new ConcurrentHashMap<>();

    public Wiring(String runId, long lastStamp, ClientSink clients) {
        this.runId = runId;
        this.stamps = new AtomicLong(lastStamp);
        this.clients = clients;
    }

    public void monitor(ActorRef<Monitor.Command> m) {
        this.monitor = m;
    }

    public boolean monitored() {
        return monitor != null;
    }

    ActorRef<Monitor.Command> monitorRef() {
        return monitor;
    }

    /** The next stamp: one counter for the whole actor system, so stamps order decisions consistently with causality. */
    public long stamp() {
        return stamps.incrementAndGet();
    }

    /**
     * A request id no run on this journal has used: the next stamp (stamps go on after a restart, so a request of
     * this run is never taken for one an earlier run left in flight, which recovery may still answer).
     */
    public long newRequestId() {
        long id = stamp();
        ActorRef<Monitor.Command> m = monitor;
        if (m != null) m.tell(new Monitor.Taken(id)); // stamps stay dense for the monitor's fold
        return id;
    }

    /** Stamps go on after {@code lastStamp} (the highest one a journal holds). */
    public void continueAfter(long lastStamp) {
        stamps.accumulateAndGet(lastStamp, Math::max);
    }

    public long lastStamp() {
        return stamps.get();
    }

    /** A new execbuf's id: never one an earlier run on the same journal used (see {@link Guardian}). */
    public long newExecId() {
        return execIds.incrementAndGet();
    }

    // ---- recovery ----------------------------------------------------------------------------------------------
    /** Whether the system is still recovering the entities it had (nothing is submitted meanwhile). */
    public boolean recovering() {
        return recovering;
    }

    void guardian(ActorRef<Guardian.Command> g) {
        this.guardian = g;
    }

    /**
     * An entity spawned at start has recovered: its last stamp, and for the monitor the snapshot it started from
     * (plain form, or null), the entries it replayed after it and the digest of the state it reached.
     */
    void recovered(Address self, long lastStamp, long replayed, Object snapshot, List<Recorded> entries, String digest) {
        ActorRef<Guardian.Command> g = guardian;
        if (g != null) g.tell(new Guardian.Recovered(self, lastStamp, replayed, snapshot, entries, digest));
    }

    /** An entity spawned at start cannot recover from its journal (it will be restarted with backoff and try again). */
    void recoveryFailed(Address self, Throwable cause) {
        ActorRef<Guardian.Command> g = guardian;
        if (g != null) g.tell(new Guardian.RecoveryFailed(self, cause));
    }

    /** Every entity has recovered: stamps and execbuf ids go on after the highest ones the journal holds. */
    void recoveryDone(long lastStamp, long lastExecId) {
        stamps.accumulateAndGet(lastStamp, Math::max);
        execIds.accumulateAndGet(lastExecId, Math::max);
        recovering = false;
    }

    public long inFlight() {
        return inFlight.get();
    }

    private final LongAdder writes = new LongAdder();
    private final LongAdder entries = new LongAdder();

    /** An entity asks the journal to write {@code n} entries at once (one persist call, one atomic write). */
    void written(int n) {
        writes.increment();
        entries.add(n);
    }

    /** Journal writes asked of the journal by the entities so far (each holds one entry or a group commit's many). */
    public long journalWrites() {
        return writes.sum();
    }

    /** Journal entries asked to be written so far: {@code journalEntries() / journalWrites()} is the mean group. */
    public long journalEntries() {
        return entries.sum();
    }

    /**
     * Sees every decision's events on the deciding entity's thread, after they are applied (journaled, when there is a
     * journal) and before its messages go out: for tools that count what the model does (the load harness's
     * evictions, bytes moved, region usage) without the monitor's fold. It must be quick, thread-safe and never block.
     */
    public interface DecisionTap {
        void decided(Address entity, List<? extends Event> events);
    }

    private volatile DecisionTap tap;

    /** Installs {@code t} (null: none); one at a time. */
    public void tap(DecisionTap t) {
        tap = t;
    }

    /** A client's request enters the model (it is in flight until the receiving entity has decided on it). */
    public void submit(Address.Client from, Address to, Message request) {
        ActorRef<Message> ref = directory.lookup(to);
        if (ref == null) throw new IllegalArgumentException("no entity at " + to);
        long stamp = stamp();
        ActorRef<Monitor.Command> m = monitor;
        if (m != null) m.tell(new Monitor.Submitted(stamp, from, to, request));
        inFlight.incrementAndGet();
        ref.tell(request);
    }

    /**
     * At a start that recovered a crashed run: a message the crash left in flight (sent by a journaled decision, never
     * taken by its receiver) goes out again, counted in flight like any other. False if its receiver is not running.
     */
    public boolean redeliver(Address to, Message m) {
        ActorRef<Message> ref = directory.lookup(to);
        if (ref == null) return false;
        long stamp = stamp();
        ActorRef<Monitor.Command> mon = monitor;
        if (mon != null) mon.tell(new Monitor.Taken(stamp)); // the monitor counted it in flight at recovery
        inFlight.incrementAndGet();
        ref.tell(m);
        return true;
    }

    /**
     * After a decision is applied (persisted and evolved): the monitor hears of it, its messages go out, and only
     * then does its input stop counting as in flight, so the count never touches zero while work remains.
     */
    public <E extends Event> void decided(long stamp, Address self, Message input, List<E> events, List<Decision.Send> sends) {
        DecisionTap t = tap;
        if (t != null && !events.isEmpty()) t.decided(self, events);
        // The monitor first: a client that reads the views after this decision's reply then finds it folded.
        ActorRef<Monitor.Command> m = monitor;
        if (m != null) m.tell(new Monitor.Decided(stamp, self, input, events, sends));
        for (int i = 0; i < sends.size(); i++) send(sends.get(i).to(), sends.get(i).message());
        inFlight.decrementAndGet();
    }

    /** The entity at {@code a} is done (an execbuf that answered): nothing addresses it again. */
    void finished(Address a) {
        directory.unregister(a);
    }

    // ---- actor-crash injection ---------------------------------------------------------------------------------
    void journaled(boolean j) {
        this.journaled = j;
    }

    /**
     * Makes the entity at {@code a} (a buffer object, a region manager or the IO manager) throw, so that its
     * supervisor restarts it and it recovers its state from its journal; the stage completes once it has (with what
     * it recovered: {@link CrashReport}, whose {@link CrashReport#sameState()} says whether the digest of the state
     * it recovered is the one it had when it threw).
     *
     * <p>The entity throws at the first point where that loses nothing ({@link CrashPoint}): at once when the request
     * reaches it, if it has nothing stashed and nothing being written; otherwise right after the message that leaves
     * it so. It may be in the middle of a model operation (a BO waiting for a region's eviction, with requests queued
     * behind it): that is in its state and its journal. What is not yet taken stays in its mailbox, which the restart
     * keeps; no message is lost or handled twice, and the monitor's fold goes on undisturbed (a crash takes no stamp
     * and decides nothing). The crash counts as in flight until the recovery is done, so quiescence waits for it.
     * One crash of an entity at a time: a request for one already under way goes out when that one is done.
     *
     * @throws IllegalStateException with {@code ttm.journal = none} (nothing to recover from), or while the system
     *                               still recovers from the journal at start
     * @throws IllegalArgumentException for an execbuf or a client (only BOs, regions and the IO manager run under the
     *                                  crash supervisor), or an address with no entity
     */
    public CompletableFuture<CrashReport> crash(Address a) {
        if (!journaled)
            throw new IllegalStateException("ttm.journal = none: an entity that crashes would have no journal to recover from; "
                    + "crash injection needs ttm.journal = leveldb or memory");
        if (!(a instanceof Address.Bo || a instanceof Address.Region || a instanceof Address.Io))
            throw new IllegalArgumentException("only a BO, a region manager or the IO manager can be crashed, not " + a);
        if (recovering) throw new IllegalStateException("the system is still recovering its entities from the journal: no crash before it is ready");
        ActorRef<Message> ref = directory.lookup(a);
        if (ref == null) throw new IllegalArgumentException("no entity at " + a);
        CrashPoint.Ticket t = new CrashPoint.Ticket(a);
        CrashPoint.Ticket under = crashes.putIfAbsent(a, t);
        if (under != null) return under.done.handle((r, e) -> a).thenCompose(this::crash);
        inFlight.incrementAndGet();
        Adapter.toClassic(ref).tell(new CrashPoint.Request(t), org.apache.pekko.actor.ActorRef.noSender());
        return t.done;
    }

    /** The crash of {@code a} under way, or null. */
    CrashPoint.Ticket crashUnderWay(Address a) {
        return crashes.isEmpty() ? null : crashes.get(a);
    }

    /** The entity of {@code t} has thrown, restarted and recovered: the crash is done. */
    void crashRecovered(CrashPoint.Ticket t, CrashReport report) {
        crashes.remove(t.entity, t);
        inFlight.decrementAndGet();
        clients.executor().execute(() -> t.done.complete(report));
    }

    private void send(Address to, Message m) {
        if (to instanceof Address.Client c) {
            clients.accept(c, (Reply) m);
            return;
        }
        ActorRef<Message> ref = directory.lookup(to);
        if (ref == null) throw new IllegalStateException("message to " + to + ", which does not exist: " + m);
        inFlight.incrementAndGet();
        ref.tell(m);
    }
}
