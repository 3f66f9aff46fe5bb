package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashOverflowException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit: the interceptor in front of an entity's event-sourced shell that holds the model messages arriving
 * while the shell is busy (a journal write under way, or the recovery), and once it is not hands them over as one
 * {@link Batch}, which the shell decides in order into one journal write ({@link EntityActor}). Alone, Pekko would
 * stash them and unstash one per write: a hot entity would decide one message per journal round trip.
 *
 * <p>A message that finds the shell idle and nothing held goes straight through, as before. The hand-over is a
 * message to itself ({@link Flush}), sent after the message that left the shell idle (the journal's answer, or the
 * last one of the recovery): an interceptor may pass the shell one message per message it receives, since the
 * shell's next behavior is known only after. Until the hand-over everything that arrives is held too, behind what
 * is already held, so the order of arrival is kept. At most {@code maxBatch} messages go in one batch (the rest wait
 * for the next write); more than {@code capacity} held fail the entity, as Pekko's stash with
 * {@code stash-overflow-strategy = fail} does, rather than dropping one.
 *
 * <p>Held messages have passed the crash interceptor ({@link CrashPoint}, outside this one) but not reached the
 * command handler, so the entity is not quiet while any are held: a crash never discards them. Local only.
 */
final class GroupCommit extends BehaviorInterceptor<Object, Object> {
    /** What the interceptor needs of the shell it wraps (an {@link EntityActor}). */
    interface Shell {
        /** Recovering, or a write (or the snapshot after it) under way: what arrives now waits. */
        boolean busy();
    }

    /** What the shell's command handler gets: the messages held, in the order they arrived. Never serialized. */
    record Batch(List<Message> messages) implements NoSerializationVerificationNeeded {}

    /** The interceptor's message to itself: the shell is idle, hand over what is held. */
    enum Flush implements NoSerializationVerificationNeeded { INSTANCE }

    private final Address self;
    private final Shell shell;
    private final int maxBatch;
    private final int capacity;
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    /** A {@link Flush} is on its way (one at a time). */
    private boolean flushing;

    GroupCommit(Address self, Shell shell, int maxBatch, int capacity) {
        super(Object.class);
        this.self = self;
        this.shell = shell;
        this.maxBatch = maxBatch;
        this.capacity = capacity;
    }

    @Override
    public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
        Behavior<Object> next;
        if (msg == Flush.INSTANCE) {
            flushing = false;
            // Busy again only if the journal failed meanwhile: the message that ends its recovery flushes.
            next = held.isEmpty() || shell.busy() ? Behaviors.same() : target.apply(ctx, take());
        } else if (msg instanceof Message m && (!held.isEmpty() || shell.busy())) {
            hold(m);
            return Behaviors.same();
        } else {
            next = target.apply(ctx, msg);
        }
        if (!held.isEmpty() && !flushing && !shell.busy()) {
            flushing = true;
            ctx.asJava().getSelf().tell(Flush.INSTANCE);
        }
        return next;
    }

    private void hold(Message m) {
        if (held.size() >= capacity)
            throw new StashOverflowException(self + ": " + held.size() + " messages held while its journal write is under way, "
                    + "ttm.actors.group-commit.capacity is " + capacity + "; cannot hold " + m.getClass().getName());
        held.add(m);
    }

    private Batch take() {
        int n = Math.min(held.size(), maxBatch);
        List<Message> ms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ms.add(held.poll());
        return new Batch(ms);
    }

    @Override
    public String toString() {
        return "GroupCommit";
    }
}
