package dev.ttm.actors.runtime;

import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.StateDigest;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.DeleteSnapshotsCompleted;
import org.apache.pekko.persistence.typed.DeleteSnapshotsFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The event-sourced shell of one entity: the command handler asks the entity's {@code decide}, persists what it
 * decided as one {@link Recorded} entry (stamped, with its input), and once it is written lets the messages go; the
 * event handler folds the entry through {@code evolve}. No TTM logic lives here. An entity spawned while the system
 * recovers tells the guardian when it has recovered (its last stamp; for the monitor, what it replayed); a region
 * manager takes a snapshot every {@code ttm.actors.snapshot-every} entries ({@link SnapshotForm}).
 *
 * <p>Group commit: an entity that never finishes gets, besides single messages, the {@link GroupCommit.Batch} of
 * those that arrived while it wrote. It decides them in order, each on the state the ones before it made, and
 * persists their entries in one write (one {@code AtomicWrite}: all or none of them). The messages and replies of
 * every decision of the batch go after that write, in order, so none leaves before the entries it depends on are
 * durable. The command type is {@code Object} for that reason: a batch is not a model message.
 */
public final class EntityActor<S, M extends Message, E extends Event> extends EventSourcedBehavior<Object, Recorded, S>
        implements CrashPoint.Shell, GroupCommit.Shell {
    /** Snapshots kept per entity (older ones are deleted; journal entries never are). */
    static final int SNAPSHOTS_KEPT = 2;

    private final Address self;
    private final Decider<S, M, E> decider;
    private final Wiring wiring;
    private final Settings settings;
    private final Predicate<List<? extends Event>> finishes;
    /** Null: this entity takes no snapshots. */
    private final SnapshotForm<S> snapshots;
    /** The stamp of the last entry applied, recovered or new (what a snapshot is stamped with). */
    private long lastStamp;
    /** How many entries it has applied (when recovery completes: how many it replayed). */
    private long replayedCount;
    /** While the system recovers and a monitor listens: the entries replayed. */
    private List<Recorded> replayed;
    /** The snapshot the recovery started from (plain form), or null. */
    private Object snapshotPlain;
    // For crash injection (CrashPoint): whether it has recovered, whether a decision is being written (or the snapshot
    // after it), how many model messages reached the command handler, and the state it is in.
    private boolean ready;
    private boolean writing;
    /** Deletions of older snapshots asked of the snapshot store and not yet answered (see {@link #quiet}). */
    private int deleting;
    private long handled;
    private S current;
    /**
     * Between a batch's return of its persist effect and Pekko's calls of the event handler for its entries (at once,
     * on the same call stack, before the write): the entries, which the batch has already applied, the next one
     * expected, and the state they made. Null at any other time, so that recovery applies every entry.
     */
    private List<Recorded> applied;
    private int appliedNext;
    private S appliedState;

    /**
     * {@code finishes}: a decision with these events leaves the entity nothing to do (an execbuf that answered);
     * {@code snapshots}: how its state goes to the snapshot store, or null for none.
     *
     * <p>An entity that never finishes (a BO, a region manager, the IO manager) runs under a supervisor that restarts
     * it when a crash is injected ({@link Wiring#crash}, {@link CrashPoint}): each restart is a new shell that recovers
     * from the journal. Any other failure stops it, as before (Pekko's default): a restart would drop the message it
     * failed on. An execbuf is short-lived and is not crashed.
     */
    public static <S, M extends Message, E extends Event> Behavior<Message> create(
            Address self, Decider<S, M, E> decider, Wiring wiring, Settings settings, Predicate<List<? extends Event>> finishes,
            SnapshotForm<S> snapshots) {
        if (settings.journal() == Settings.Journal.NONE) return PlainEntity.create(self, decider, wiring, finishes);
        SnapshotForm<S> form = settings.regionSnapshots() ? snapshots : null;
        if (finishes != PlainEntity.NEVER) return Behaviors.setup(ctx -> cast(new EntityActor<>(self, decider, wiring, settings, finishes, form)));
        Behavior<Message> shell = Behaviors.setup(ctx -> {
            EntityActor<S, M, E> entity = new EntityActor<>(self, decider, wiring, settings, finishes, form);
            Behavior<Object> grouped = Behaviors.intercept(() -> new GroupCommit(self, entity, settings.maxBatch(), settings.batchCapacity()), entity);
            return cast(Behaviors.intercept(() -> new CrashPoint(entity), grouped));
        });
        return Behaviors.supervise(shell).onFailure(CrashPoint.Injected.class, SupervisorStrategy.restart().withLoggingEnabled(false));
    }

    /** The crash interceptor sees every message (the journal's answers too), not only model messages. */
    @SuppressWarnings("unchecked")
    private static <T> Behavior<T> cast(Behavior<?> b) {
        return (Behavior<T>) b;
    }

    private EntityActor(Address self, Decider<S, M, E> decider, Wiring wiring, Settings settings, Predicate<List<? extends Event>> finishes,
                        SnapshotForm<S> snapshots) {
        super(persistenceId(self), SupervisorStrategy.restartWithBackoff(settings.backoffMin(), settings.backoffMax(), settings.backoffRandom()));
        this.self = self;
        this.decider = decider;
        this.wiring = wiring;
        this.settings = settings;
        this.finishes = finishes;
        this.snapshots = snapshots;
        if (wiring.recovering() && wiring.monitored()) replayed = new ArrayList<>();
    }

    /** Stable across runs, so that a new actor system on the same journal recovers the entity. */
    public static PersistenceId persistenceId(Address a) {
        return PersistenceId.ofUniqueId(a.toString());
    }

    @Override
    public S emptyState() {
        return decider.initialState();
    }

    @Override
    public String journalPluginId() {
        return settings.journal().journalPlugin;
    }

    @Override
    public String snapshotPluginId() {
        return settings.journal().snapshotPlugin;
    }

    @Override
    public CommandHandler<Object, Recorded, S> commandHandler() {
        return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::onCommand);
    }

    private Effect<Recorded, S> onCommand(S state, Object cmd) {
        if (cmd instanceof GroupCommit.Batch b) return decideAll(state, b.messages());
        Message msg = (Message) cmd;
        return finishes == PlainEntity.NEVER ? decideAll(state, List.of(msg)) : decideOne(state, msg);
    }

    /** One decision of a batch, kept for after the write. */
    private record Taken<E extends Event>(long stamp, Message input, Decision<E> decision) {}

    /**
     * Decides {@code msgs} in order, each on the state the entries before it made (this fold is the new state: evolve
     * may change the state in place, so Pekko's event handler must not apply these entries again, see
     * {@link #applied}), and persists their entries in one write. Every decision's messages and replies go once that
     * write is done, in order, those of decisions that journal nothing too: they may have read the state the others
     * made. If none journals anything, nothing is written and they go at once.
     */
    private Effect<Recorded, S> decideAll(S state, List<Message> msgs) {
        assert applied == null : self + ": the entries of the last batch were not all applied";
        List<Taken<E>> taken = new ArrayList<>(msgs.size());
        List<Recorded> entries = new ArrayList<>(msgs.size());
        S s = state;
        for (int i = 0; i < msgs.size(); i++) {
            Message msg = msgs.get(i);
            handled++;
            Decision<E> d = decider.decide(s, decider.inbound().cast(msg));
            long stamp = wiring.stamp();
            taken.add(new Taken<>(stamp, msg, d));
            if (!journaled(d)) continue;
            Recorded entry = new Recorded(wiring.runId, stamp, msg, new ArrayList<>(d.events()));
            s = apply(s, entry);
            entries.add(entry);
        }
        if (entries.isEmpty()) {
            send(taken);
            return Effect().none();
        }
        applied = entries;
        appliedNext = 0;
        appliedState = s;
        writing = true;
        wiring.written(entries.size());
        // Pekko runs this once the entries are written and, when one is due, the snapshot after them is stored.
        return Effect().persist(entries).thenRun(after -> {
            writing = false;
            send(taken);
        });
    }

    private void send(List<Taken<E>> taken) {
        for (int i = 0; i < taken.size(); i++) {
            Taken<E> t = taken.get(i);
            wiring.decided(t.stamp(), self, t.input(), t.decision().events(), t.decision().sends());
        }
    }

    /** An entity that may finish (an execbuf) decides one message per write, and stops once the last is written. */
    private Effect<Recorded, S> decideOne(S state, Message msg) {
        handled++;
        Decision<E> d = decider.decide(state, decider.inbound().cast(msg));
        long stamp = wiring.stamp();
        if (!journaled(d)) {
            wiring.decided(stamp, self, msg, d.events(), d.sends());
            return Effect().none();
        }
        Recorded entry = new Recorded(wiring.runId, stamp, msg, new ArrayList<>(d.events()));
        writing = true;
        wiring.written(1);
        if (finishes.test(d.events())) {
            return Effect().persist(entry).thenRun(after -> {
                writing = false;
                wiring.finished(self);
                wiring.decided(stamp, self, msg, d.events(), d.sends());
            }).thenStop();
        }
        // Pekko runs this once the entry is written and, when one is due, the snapshot after it is stored.
        return Effect().persist(entry).thenRun(after -> {
            writing = false;
            wiring.decided(stamp, self, msg, d.events(), d.sends());
        });
    }

    /**
     * Whether a decision is journaled: when it has events, or passes work on to another entity. Such a decision is
     * journaled even without events: its input has then been taken, and what it sent is in the journal, so recovery
     * knows exactly which messages a crash left in flight (re-deciding it later, on a state that has moved on, could
     * send something else). A decision that changes nothing and only answers a client is not journaled: it leaves
     * nothing to recover.
     */
    private static boolean journaled(Decision<?> d) {
        return !d.events().isEmpty() || sendsToEntities(d.sends());
    }

    private static boolean sendsToEntities(List<Decision.Send> sends) {
        for (int i = 0; i < sends.size(); i++) if (!(sends.get(i).to() instanceof Address.Client)) return true;
        return false;
    }

    /**
     * Recovery applies every entry here. Live, Pekko calls this for a batch's entries right after the command handler
     * returned them, and they are already applied: the handler hands back the batch's state, recognising the entries
     * by identity (the in-memory journal may give the very same objects back on a later recovery, by which time
     * {@link #applied} is null again).
     */
    @Override
    public EventHandler<S, Recorded> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((state, entry) -> {
            if (applied == null) return apply(state, entry);
            assert applied.get(appliedNext) == entry : self + ": Pekko applies an entry the batch did not make";
            S s = appliedState;
            if (++appliedNext == applied.size()) {
                applied = null;
                appliedState = null;
            }
            return s;
        });
    }

    /** Folds one entry into {@code state} (possibly in place) and counts it: its stamp is now the last one. */
    @SuppressWarnings("unchecked")
    private S apply(S state, Recorded entry) {
        S s = state;
        List<Event> es = entry.events();
        for (int i = 0; i < es.size(); i++) s = decider.evolve(s, (E) es.get(i));
        lastStamp = entry.stamp();
        replayedCount++;
        current = s;
        if (replayed != null) replayed.add(entry);
        return s;
    }

    @Override
    public SignalHandler<S> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::recovered)
                .onSignal(RecoveryFailed.class, (state, f) -> {
                    if (wiring.recovering()) wiring.recoveryFailed(self, f.getFailure());
                })
                .onSignal(SnapshotCompleted.class, (state, c) -> {
                    if (deletesAfter(c.metadata().sequenceNr())) deleting++;
                })
                .onSignal(DeleteSnapshotsCompleted.class, (state, c) -> deleting = Math.max(0, deleting - 1))
                .onSignal(DeleteSnapshotsFailed.class, (state, f) -> {
                    deleting = Math.max(0, deleting - 1);
                    org.slf4j.LoggerFactory.getLogger(EntityActor.class).warn("{}: failed to delete old snapshots ({}): {}", self, f.target(), f.getFailure().toString());
                })
                .build();
    }

    /**
     * Recovered: while the system recovers, the guardian hears of it (what was replayed goes on to the monitor); after
     * an injected crash, the crash is done. (After a journal failure's restart too: nothing is being written then.)
     */
    private void recovered(S state) {
        assert applied == null;
        current = state;
        ready = true;
        writing = false;
        if (wiring.recovering()) wiring.recovered(self, lastStamp, replayedCount, snapshotPlain, replayed == null ? List.of() : replayed,
                replayed == null ? null : StateDigest.digest(state));
        else {
            CrashPoint.Ticket t = wiring.crashUnderWay(self);
            if (t != null && t.thrown())
                wiring.crashRecovered(t, new CrashReport(self, t.digestBefore, StateDigest.digest(state), replayedCount, snapshotPlain != null, t.deferredBy,
                        System.nanoTime() - t.requested));
        }
        replayed = null;
        snapshotPlain = null;
    }

    /**
     * Whether Pekko deletes older snapshots once the snapshot at {@code seqNr} is stored: with
     * {@code RetentionCriteria.snapshotEvery(n, kept)} (kept > 1) it deletes those up to {@code seqNr - kept * n} when
     * that is above 0 (Pekko's {@code SnapshotCountRetentionCriteriaImpl.deleteUpperSequenceNr}), and tells the entity
     * when done ({@link DeleteSnapshotsCompleted}, {@link DeleteSnapshotsFailed}).
     */
    private boolean deletesAfter(long seqNr) {
        return snapshots != null && SNAPSHOTS_KEPT > 1 && seqNr - (long) SNAPSHOTS_KEPT * settings.snapshotEvery() > 0;
    }

    /**
     * Quiet: recovered, nothing being written or stored, no deletion of old snapshots awaiting its answer (an answer
     * that reached the restarted shell while it waits for its recovery permit is stashed and, unstashed after the
     * recovery, ends Pekko's unstashing: the commands stashed behind it would wait for a next command that may never
     * come), and every model message handed to the shell has reached the command handler.
     */
    @Override
    public boolean quiet(long passed) {
        return ready && !writing && deleting == 0 && passed == handled;
    }

    @Override
    public boolean busy() {
        return !ready || writing;
    }

    @Override
    public String digest() {
        return StateDigest.digest(current);
    }

    /** An entity without snapshots never asks the snapshot store (the store answers that at once, without a look). */
    @Override
    public Recovery recovery() {
        return snapshots == null ? Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none()) : super.recovery();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return snapshots == null ? RetentionCriteria.disabled() : RetentionCriteria.snapshotEvery(settings.snapshotEvery(), SNAPSHOTS_KEPT);
    }

    @Override
    public SnapshotAdapter<S> snapshotAdapter() {
        if (snapshots == null) return super.snapshotAdapter();
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(S state) {
                return snapshots.store(lastStamp, state);
            }

            @Override
            public S fromJournal(Object stored) {
                lastStamp = snapshots.stamp(stored);
                snapshotPlain = snapshots.plain(stored);
                return snapshots.restore(snapshotPlain);
            }
        };
    }
}
