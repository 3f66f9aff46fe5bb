package dev.ttm.actors.runtime;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.journal.InFlight;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.journal.Resumption;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionSnapshot;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.StateDigest;
import dev.ttm.protocol.sim.Simulator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Folds every decision of the actor system, in stamp order, into a shadow copy of the model (a {@link Simulator} in
 * replay mode) with the incremental invariant checker listening: the same fold that replaying a journal does. Stamps
 * are dense (every decision and every client request takes one), so a record is applied as soon as all earlier
 * ones are; records that arrive early wait in a bounded heap. {@link Sync} runs a task once everything sent before
 * it is applied (at quiescence, that is everything).
 *
 * <p>At start the model is first rebuilt from the journal: each recovering entity's snapshot and entries
 * ({@link Recovered}, from the guardian) are folded into that entity's shadow state alone, with no transition checks,
 * and compared with the digest of the state the entity reached; at {@link RecoveryDone} the checker takes the rebuilt
 * model as its starting point ({@link InvariantChecker#recovered}) and stamps go on after the highest one recovered.
 * Steps and syncs that come meanwhile wait.
 */
public final class Monitor extends AbstractBehavior<Monitor.Command> {
    /** Bound on the records waiting for an earlier stamp; beyond it the gap is reported and skipped. */
    public static final int MAX_WAITING = 1 << 20;

    /** Local only: never serialized (a Sync carries a task). */
    public sealed interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded permits Step, Sync, Recovered, RecoveryDone, Stop {}

    /** The system closes. */
    public record Stop() implements Command {}

    /** A stamped step of the run. */
    public sealed interface Step extends Command permits Submitted, Decided, Taken {
        long stamp();
    }

    /**
     * A stamp taken for something that is no step of the shadow model: a request id, or a message the crash left in
     * flight sent again (the shadow counted it in flight at {@link RecoveryDone}). The fold just goes past it.
     */
    public record Taken(long stamp) implements Step {}

    public record Submitted(long stamp, Address.Client from, Address to, Message request) implements Step {}

    public record Decided(long stamp, Address entity, Message input, List<? extends Event> events,
                          List<Decision.Send> sends) implements Step {}

    /** Applies everything received so far (skipping gaps), then runs {@code task} on the monitor, then replies. */
    public record Sync(Consumer<Simulator> task, ActorRef<Boolean> replyTo) implements Command {}

    /** What one entity recovered: the plain snapshot it started from (or null), the entries after it, its state's digest (or null). */
    public record Recovered(Address entity, Object snapshot, List<Recorded> entries, String digest) implements Command {}

    /** Every entity has recovered ({@code report}); {@code ready} completes on {@code executor} once the checker has the model. */
    public record RecoveryDone(RecoveryReport report, CompletableFuture<RecoveryReport> ready, Executor executor) implements Command {}

    public static Behavior<Command> create(DeviceConfig device, InvariantChecker checker, long lastStamp) {
        return create(device, checker, lastStamp, Resumption.NONE);
    }

    /** With {@code resumption}: what the last run left unfinished, which the recovered model starts with (see {@link RecoveryDone}). */
    public static Behavior<Command> create(DeviceConfig device, InvariantChecker checker, long lastStamp, Resumption resumption) {
        return Behaviors.setup(ctx -> new Monitor(ctx, device, checker, lastStamp, resumption));
    }

    private final Simulator shadow;
    private final PriorityQueue<Step> early = new PriorityQueue<>((a, b) -> Long.compare(a.stamp(), b.stamp()));
    private final InvariantChecker checker;
    private long next;
    private long gaps;
    /** Until every entity has recovered: steps wait in {@link #early}, syncs here. */
    private boolean recovering = true;
    private final List<Sync> waitingSyncs = new ArrayList<>();
    private final List<String> mismatches = new ArrayList<>();

    private final Resumption resumption;

    private Monitor(ActorContext<Command> ctx, DeviceConfig device, InvariantChecker checker, long lastStamp, Resumption resumption) {
        super(ctx);
        this.resumption = resumption;
        this.shadow = new Simulator(device);
        this.checker = checker;
        if (checker != null) shadow.addListener(checker);
        this.next = lastStamp + 1;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submitted.class, this::onStep)
                .onMessage(Decided.class, this::onStep)
                .onMessage(Taken.class, this::onStep)
                .onMessage(Sync.class, this::onSync)
                .onMessage(Recovered.class, this::onRecovered)
                .onMessage(RecoveryDone.class, this::onRecoveryDone)
                .onMessage(Stop.class, s -> Behaviors.stopped())
                .build();
    }

    private Behavior<Command> onRecovered(Recovered r) {
        if (r.snapshot() instanceof RegionSnapshot rs) shadow.restore(r.entity(), RegionState.fromSnapshot(rs));
        for (Recorded e : r.entries()) shadow.recover(r.entity(), e.events());
        // An entity with nothing journaled (a BO registered just before a crash, before its first entry) recovers
        // its decider's initial state, which is what an empty journal folds to: there is nothing to compare.
        boolean nothingJournaled = r.entries().isEmpty() && r.snapshot() == null && shadow.entity(r.entity()) == null;
        if (r.digest() != null && !nothingJournaled) {
            Simulator.Slot<?, ?, ?> slot = shadow.entity(r.entity());
            String mine = slot == null ? "(none)" : StateDigest.digest(slot.state());
            if (!mine.equals(r.digest())) {
                mismatches.add(r.entity() + ": recovered " + r.digest() + ", the monitor's fold " + mine);
                getContext().getLog().error("recovery: {} recovered a state (digest {}) that its journal does not fold to (digest {})",
                        r.entity(), r.digest(), mine);
            }
        }
        return this;
    }

    private Behavior<Command> onRecoveryDone(RecoveryDone d) {
        recovering = false;
        next = d.report().lastStamp() + 1;
        // What the crash left unfinished is part of the recovered model: the messages then in flight (they are sent
        // again; until they are taken the states they leave half-done are tolerated, as in any run) and the requests
        // taken and not yet answered.
        for (InFlight f : resumption.inFlight()) shadow.recordInFlight(f.to(), f.message());
        for (long id : resumption.pendingRequests()) shadow.recordPending(id);
        if (checker != null) checker.recovered(shadow, shadow.delivered());
        RecoveryReport report = d.report().withMismatches(mismatches);
        d.executor().execute(() -> d.ready().complete(report));
        while (!early.isEmpty() && early.peek().stamp() == next) apply(early.poll());
        for (Sync s : waitingSyncs) onSync(s);
        waitingSyncs.clear();
        return this;
    }

    private Behavior<Command> onStep(Step s) {
        if (recovering) {
            early.add(s);
            return this;
        }
        if (s.stamp() != next) {
            early.add(s);
            if (early.size() > MAX_WAITING) skipGap();
            return this;
        }
        apply(s);
        while (!early.isEmpty() && early.peek().stamp() == next) apply(early.poll());
        return this;
    }

    private Behavior<Command> onSync(Sync s) {
        if (recovering) {
            waitingSyncs.add(s);
            return this;
        }
        while (!early.isEmpty()) skipGap();
        s.task().accept(shadow);
        s.replyTo().tell(Boolean.TRUE);
        return this;
    }

    /** A stamp whose record never came (its decision failed to persist): go on from the next one there is. */
    private void skipGap() {
        gaps++;
        getContext().getLog().warn("monitor: no record for stamp {}; going on from {}", next, early.peek().stamp());
        next = early.peek().stamp();
        while (!early.isEmpty() && early.peek().stamp() == next) apply(early.poll());
    }

    private void apply(Step s) {
        if (s instanceof Submitted sub) shadow.recordSubmit(sub.from(), sub.to(), sub.request());
        else if (s instanceof Decided d) shadow.applyRecorded(d.entity(), d.input(), d.events(), d.sends());
        next = s.stamp() + 1;
    }
}
