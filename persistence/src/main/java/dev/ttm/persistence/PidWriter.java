package dev.ttm.persistence;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;

import java.util.List;

/** Appends given events to one persistence id's journal: how {@link JournalWriter} writes a run made elsewhere. */
final class PidWriter extends EventSourcedBehavior<PidWriter.Write, Object, Long> {
    /** Append {@code events} in one write, then answer. Local only. */
    record Write(List<Object> events, ActorRef<Long> replyTo) implements org.apache.pekko.actor.NoSerializationVerificationNeeded {}

    private final String journalPlugin;

    static Behavior<Write> create(String pid, String journalPlugin) {
        return Behaviors.setup(ctx -> new PidWriter(pid, journalPlugin));
    }

    private PidWriter(String pid, String journalPlugin) {
        super(PersistenceId.ofUniqueId(pid));
        this.journalPlugin = journalPlugin;
    }

    @Override public Long emptyState() { return 0L; }
    @Override public String journalPluginId() { return journalPlugin; }
    @Override public Recovery recovery() { return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none()); }

    @Override
    public CommandHandler<Write, Object, Long> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(Write.class, (n, w) -> Effect().persist(w.events()).thenRun(after -> w.replyTo().tell(after)))
                .build();
    }

    @Override
    public EventHandler<Long, Object> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((n, e) -> n + 1);
    }
}
