package dev.ttm.actors.runtime;

import dev.ttm.protocol.journal.JournalFormat;
import dev.ttm.protocol.journal.RunStarted;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;

/**
 * The journal of runs ({@link JournalFormat#RUNS_PID}): one {@link RunStarted} per run, written when the run starts,
 * so that a reader knows the device the entries were decided on. Stops once it has written.
 */
public final class RunLog extends EventSourcedBehavior<RunLog.Write, RunStarted, Integer> {
    /** Journal {@code run}, then answer {@code replyTo}. Local only. */
    public record Write(RunStarted run, ActorRef<Boolean> replyTo) implements org.apache.pekko.actor.NoSerializationVerificationNeeded {}

    public static final PersistenceId PID = PersistenceId.ofUniqueId(JournalFormat.RUNS_PID);

    private final Settings settings;

    public static Behavior<Write> create(Settings settings) {
        return Behaviors.setup(ctx -> new RunLog(settings));
    }

    private RunLog(Settings settings) {
        super(PID);
        this.settings = settings;
    }

    @Override public Integer emptyState() { return 0; }
    @Override public String journalPluginId() { return settings.journal().journalPlugin; }
    @Override public String snapshotPluginId() { return settings.journal().snapshotPlugin; }
    @Override public Recovery recovery() { return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none()); }

    @Override
    public CommandHandler<Write, RunStarted, Integer> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(Write.class, (n, w) -> Effect().persist(w.run()).thenRun(after -> w.replyTo().tell(Boolean.TRUE)).thenStop())
                .build();
    }

    @Override
    public EventHandler<Integer, RunStarted> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((n, e) -> n + 1);
    }
}
