package dev.ttm.actors.runtime;

import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The event-sourced shell of one entity: the command handler asks the entity's {@code decide}, persists what it
 * decided as one {@link Recorded} entry (stamped, with its input), and once it is written lets the messages go; the
 * event handler folds the entry through {@code evolve}. No TTM logic lives here.
 */
public final class EntityActor<S, M extends Message, E extends Event> extends EventSourcedBehavior<Message, Recorded, S> {
    private final Address self;
    private final Decider<S, M, E> decider;
    private final Wiring wiring;
    private final Settings settings;
    private final Predicate<List<? extends Event>> finishes;

    /** {@code finishes}: a decision with these events leaves the entity nothing to do (an execbuf that answered). */
    public static <S, M extends Message, E extends Event> Behavior<Message> create(
            Address self, Decider<S, M, E> decider, Wiring wiring, Settings settings, Predicate<List<? extends Event>> finishes) {
        if (settings.journal() == Settings.Journal.NONE) return PlainEntity.create(self, decider, wiring, finishes);
        return Behaviors.setup(ctx -> new EntityActor<>(self, decider, wiring, settings, finishes));
    }

    private EntityActor(Address self, Decider<S, M, E> decider, Wiring wiring, Settings settings, Predicate<List<? extends Event>> finishes) {
        super(persistenceId(self), SupervisorStrategy.restartWithBackoff(settings.backoffMin(), settings.backoffMax(), settings.backoffRandom()));
        this.self = self;
        this.decider = decider;
        this.wiring = wiring;
        this.settings = settings;
        this.finishes = finishes;
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
    public CommandHandler<Message, Recorded, S> commandHandler() {
        return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::onCommand);
    }

    private Effect<Recorded, S> onCommand(S state, Message msg) {
        Decision<E> d = decider.decide(state, decider.inbound().cast(msg));
        long stamp = wiring.stamp();
        if (d.events().isEmpty()) {
            wiring.decided(stamp, self, msg, d.events(), d.sends());
            return Effect().none();
        }
        Recorded entry = new Recorded(wiring.runId, stamp, msg, new ArrayList<>(d.events()));
        if (finishes.test(d.events())) {
            return Effect().persist(entry).thenRun(after -> {
                wiring.finished(self);
                wiring.decided(stamp, self, msg, d.events(), d.sends());
            }).thenStop();
        }
        return Effect().persist(entry).thenRun(after -> wiring.decided(stamp, self, msg, d.events(), d.sends()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public EventHandler<S, Recorded> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((state, entry) -> {
            S s = state;
            List<Event> es = entry.events();
            for (int i = 0; i < es.size(); i++) s = decider.evolve(s, (E) es.get(i));
            return s;
        });
    }
}
