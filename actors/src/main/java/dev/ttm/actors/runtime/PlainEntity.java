package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.List;
import java.util.function.Predicate;

/** ttm.journal = none: the same decider in a plain behavior, nothing persisted (raw throughput). */
final class PlainEntity {
    private PlainEntity() {}

    static <S, M extends Message, E extends Event> Behavior<Message> create(Address self, Decider<S, M, E> decider,
                                                                             Wiring wiring, Predicate<List<? extends Event>> finishes) {
        return Behaviors.setup(ctx -> {
            Object[] state = {decider.initialState()};
            return Behaviors.receive(Message.class).onAnyMessage(msg -> {
                @SuppressWarnings("unchecked") S s = (S) state[0];
                Decision<E> d = decider.decide(s, decider.inbound().cast(msg));
                long stamp = wiring.stamp();
                List<E> es = d.events();
                for (int i = 0; i < es.size(); i++) s = decider.evolve(s, es.get(i));
                state[0] = s;
                if (finishes.test(es)) {
                    wiring.finished(self);
                    wiring.decided(stamp, self, msg, es, d.sends());
                    return Behaviors.stopped();
                }
                wiring.decided(stamp, self, msg, es, d.sends());
                return Behaviors.same();
            }).build();
        });
    }
}
