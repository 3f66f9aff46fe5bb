package dev.ttm.actors.runtime;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.sim.Simulator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Folds every decision of the actor system, in stamp order, into a shadow copy of the model (a {@link Simulator} in
 * replay mode) with the incremental invariant checker listening: the same fold that replaying a journal does. Stamps
 * are dense (every decision and every client request takes one), so a record is applied as soon as all earlier
 * ones are; records that arrive early wait in a bounded heap. {@link Sync} runs a task once everything sent before
 * it is applied (at quiescence, that is everything).
 */
public final class Monitor extends AbstractBehavior<Monitor.Command> {
    /** Bound on the records waiting for an earlier stamp; beyond it the gap is reported and skipped. */
    public static final int MAX_WAITING = 1 << 20;

    /** Local only: never serialized (a Sync carries a task). */
    public sealed interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded permits Step, Sync {}

    /** A stamped step of the run. */
    public sealed interface Step extends Command permits Submitted, Decided {
        long stamp();
    }

    public record Submitted(long stamp, Address.Client from, Address to, Message request) implements Step {}

    public record Decided(long stamp, Address entity, Message input, List<? extends Event> events,
                          List<Decision.Send> sends) implements Step {}

    /** Applies everything received so far (skipping gaps), then runs {@code task} on the monitor, then replies. */
    public record Sync(Consumer<Simulator> task, ActorRef<Boolean> replyTo) implements Command {}

    public static Behavior<Command> create(DeviceConfig device, InvariantChecker checker, long lastStamp) {
        return Behaviors.setup(ctx -> new Monitor(ctx, device, checker, lastStamp));
    }

    private final Simulator shadow;
    private final PriorityQueue<Step> early = new PriorityQueue<>((a, b) -> Long.compare(a.stamp(), b.stamp()));
    private long next;
    private long gaps;

    private Monitor(ActorContext<Command> ctx, DeviceConfig device, InvariantChecker checker, long lastStamp) {
        super(ctx);
        this.shadow = new Simulator(device);
        if (checker != null) shadow.addListener(checker);
        this.next = lastStamp + 1;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submitted.class, this::onStep)
                .onMessage(Decided.class, this::onStep)
                .onMessage(Sync.class, this::onSync)
                .build();
    }

    private Behavior<Command> onStep(Step s) {
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
