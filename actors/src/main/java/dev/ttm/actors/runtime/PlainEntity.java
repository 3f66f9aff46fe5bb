package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.List;
import java.util.function.Predicate;

/**
 * ttm.journal = none: the same decider in a plain behavior, nothing persisted (raw throughput). One object per actor
 * holds the entity's state in a field (no setup, builder, lambda or holder array per actor: a system may run
 * hundreds of thousands of idle BOs); signals are unhandled. An entity that may finish (an execbuf) is a {@link
 * Finishing}, which holds its predicate; the others ({@link #NEVER}) do without the field.
 */
class PlainEntity<S, M extends Message, E extends Event> extends ExtensibleBehavior<Message> {
    /** The predicate of an entity that never finishes: it runs until the system stops. */
    static final Predicate<List<? extends Event>> NEVER = es -> false;

    private final Address self;
    private final Decider<S, M, E> decider;
    private final Wiring wiring;
    /** The entity's state: only {@link #receive} changes it, through the decider's evolve. */
    private S state;

    private PlainEntity(Address self, Decider<S, M, E> decider, Wiring wiring) {
        this.self = self;
        this.decider = decider;
        this.wiring = wiring;
        this.state = decider.initialState();
    }

    static <S, M extends Message, E extends Event> Behavior<Message> create(Address self, Decider<S, M, E> decider,
                                                                             Wiring wiring, Predicate<List<? extends Event>> finishes) {
        return finishes == NEVER ? new PlainEntity<>(self, decider, wiring) : new Finishing<>(self, decider, wiring, finishes);
    }

    /** Whether a decision with these events leaves the entity nothing to do. */
    boolean finishes(List<E> events) {
        return false;
    }

    @Override
    public final Behavior<Message> receive(TypedActorContext<Message> ctx, Message msg) {
        S s = state;
        Decision<E> d = decider.decide(s, decider.inbound().cast(msg));
        long stamp = wiring.stamp();
        List<E> es = d.events();
        for (int i = 0; i < es.size(); i++) s = decider.evolve(s, es.get(i));
        state = s;
        if (finishes(es)) {
            wiring.finished(self);
            wiring.decided(stamp, self, msg, es, d.sends());
            return Behaviors.stopped();
        }
        wiring.decided(stamp, self, msg, es, d.sends());
        return Behaviors.same();
    }

    @Override
    public final Behavior<Message> receiveSignal(TypedActorContext<Message> ctx, Signal signal) {
        return Behaviors.unhandled();
    }

    private static final class Finishing<S, M extends Message, E extends Event> extends PlainEntity<S, M, E> {
        private final Predicate<List<? extends Event>> finishes;

        Finishing(Address self, Decider<S, M, E> decider, Wiring wiring, Predicate<List<? extends Event>> finishes) {
            super(self, decider, wiring);
            this.finishes = finishes;
        }

        @Override
        boolean finishes(List<E> events) {
            return finishes.test(events);
        }
    }
}
