package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.concurrent.CompletableFuture;

/**
 * Actor-crash injection ({@link Wiring#crash}): the interceptor around an entity's event-sourced shell that makes it
 * throw {@link Injected} when told ({@link Request}), and only at a point where the throw loses nothing.
 *
 * <p>A restart discards what the {@code EventSourcedBehavior} holds in memory besides its state: the commands it
 * stashed while a write was under way (Pekko's documentation: "stashed commands are discarded if the actor is
 * restarted ... due to an exception thrown from processing a command or side effect after persisting"; its
 * {@code StashState} is made anew with the behavior) and the write itself (the journal's answer goes to the old
 * incarnation, which is gone, so its side effects, the messages the decision sends, would never run). What Pekko
 * keeps across a restart is the mailbox: a typed restart replaces the behavior, not the actor. So the entity throws
 * only when it is <em>quiet</em> ({@link Shell#quiet}): recovered, no write under way (nor the snapshot that may follow
 * one), and every model message this interceptor handed to the shell has reached its command handler (none is held
 * by {@link GroupCommit}, which a restart makes anew, nor in the shell's stash). Then its state is exactly what its journal folds to, everything it decided has been sent, and
 * everything not yet taken is still in the mailbox, which the restarted entity reads after its recovery. A request
 * that arrives while the entity is not quiet waits here (in this interceptor, not in the mailbox), and the entity
 * throws right after the first message whose handling leaves it quiet; that message has then been handled in full.
 * After a write the entity hands what it held to the shell in one batch ({@link GroupCommit}), so it is quiet again
 * after each write that found nothing held.
 *
 * <p>The entity, the stage and the in-flight count: see {@link Wiring#crash}. Local only, never serialized.
 */
final class CrashPoint extends BehaviorInterceptor<Object, Object> {
    /** What the interceptor needs of the shell it wraps (an {@link EntityActor}). */
    interface Shell {
        /** Recovered, nothing being written, nothing stashed: a restart now loses nothing. */
        boolean quiet(long passed);

        /** The digest of the entity's state (at a quiet point: what its journal folds to). */
        String digest();
    }

    /** The runtime's message to one entity: throw as soon as that loses nothing. Not a model message. */
    record Request(Ticket ticket) implements org.apache.pekko.actor.NoSerializationVerificationNeeded {}

    /** One crash of one entity, from the request to the end of the restarted entity's recovery. */
    static final class Ticket {
        final Address entity;
        final long requested = System.nanoTime();
        final CompletableFuture<CrashReport> done = new CompletableFuture<>();
        /** Set by the entity when it throws (on its own thread; the restarted entity reads it on the same actor). */
        volatile String digestBefore;
        /** Messages (the journal's answers too) the entity took after the request came and before it threw. */
        volatile long deferredBy;

        Ticket(Address entity) {
            this.entity = entity;
        }

        boolean thrown() {
            return digestBefore != null;
        }
    }

    /** The injected failure: the supervisor around the entity restarts it on this, and only on this. */
    static final class Injected extends RuntimeException {
        Injected(Address entity) {
            super("crash injected into " + entity + " (it restarts and recovers from its journal)", null, false, false);
        }
    }

    private final Shell shell;
    /** Model messages handed to the shell by this incarnation. */
    private long passed;
    /** A crash asked for and not yet done (the entity was not quiet when it came). */
    private Ticket pending;

    CrashPoint(Shell shell) {
        super(Object.class);
        this.shell = shell;
    }

    @Override
    public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
        if (msg instanceof Request r) {
            if (pending != null) { // Wiring#crash lets one crash of an entity at a time go out: never here
                r.ticket().done.completeExceptionally(new IllegalStateException("two crashes of " + r.ticket().entity + " at once"));
                return Behaviors.same();
            }
            pending = r.ticket();
            if (shell.quiet(passed)) crash(ctx);
            return Behaviors.same();
        }
        if (msg instanceof Message) passed++;
        Behavior<Object> next = target.apply(ctx, msg);
        if (pending != null) {
            pending.deferredBy++;
            if (shell.quiet(passed)) crash(ctx);
        }
        return next;
    }

    private void crash(TypedActorContext<Object> ctx) {
        Ticket t = pending;
        pending = null;
        t.digestBefore = shell.digest();
        ctx.asJava().getLog().info("crash injected into {}{}: it restarts and recovers from its journal", t.entity,
                t.deferredBy == 0 ? "" : " (after " + t.deferredBy + " message(s) it was in the middle of)");
        throw new Injected(t.entity);
    }

    @Override
    public String toString() {
        return "CrashPoint";
    }
}
