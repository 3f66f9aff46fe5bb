package dev.ttm.actors.runtime;

import dev.ttm.actors.CborSerializable;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * The parent of every entity actor, and the registry of the entities a journal must bring back. At start it spawns
 * the region managers, the IO manager and every buffer object the registry names; each recovers from its own journal
 * and reports back ({@link Recovered}: its last stamp, and what it replayed, which goes on to the monitor). Once all
 * have, stamps and execbuf ids go on after the highest ones recovered, the monitor has rebuilt its shadow model, and
 * the system is ready ({@link RecoveryReport}). A client's first mention of a BO registers it (persisted) before it
 * is spawned; execbuf ids are reserved in blocks (persisted), so that no run reuses an id whose journal exists, and
 * execbufs are not brought back (one that was running when its system stopped stays as it was). With
 * {@code ttm.journal = none} nothing is persisted and the system is ready at once.
 */
public final class Guardian {
    private Guardian() {}

    /** Local only: never serialized. */
    public sealed interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded permits Spawn, Recovered, RecoveryFailed, Stop {}

    /** Stop every entity (the guardian's children) and the guardian: how a TtmSystem inside an application closes. */
    public record Stop() implements Command {}

    /** Make sure the entity at {@code address} runs; answered once it is registered. */
    public record Spawn(Address address, ActorRef<Boolean> replyTo) implements Command {}

    /**
     * An entity spawned at start has recovered: the stamp of its last entry, how many entries it replayed, and (for
     * the monitor; empty and null without one) the plain snapshot it started from or null, the entries it replayed
     * after it, the digest of the state it reached.
     */
    public record Recovered(Address address, long lastStamp, long replayed, Object snapshot, List<Recorded> entries, String digest)
            implements Command {}

    /** An entity spawned at start could not recover from its journal: the start fails, saying which and why. */
    public record RecoveryFailed(Address address, Throwable cause) implements Command {}

    /** The registry's journal. */
    public sealed interface RegistryEvent extends CborSerializable permits BoRegistered, ExecIdsReserved {}

    /** A client named buffer object {@code bo} first: it exists from now on. */
    public record BoRegistered(String bo) implements RegistryEvent {}

    /** Execbuf ids up to {@code upTo} may be used. */
    public record ExecIdsReserved(long upTo) implements RegistryEvent {}

    /** The registry's persistence id. */
    public static final PersistenceId REGISTRY = PersistenceId.ofUniqueId("ttm-registry");
    /** Execbuf ids are reserved this many at a time. */
    static final long EXEC_ID_BLOCK = 1024;

    /** {@code ready} completes (on {@code executor}) once every entity has recovered. */
    public static Behavior<Command> create(DeviceConfig device, Wiring wiring, Settings settings, CompletableFuture<RecoveryReport> ready,
                                           Executor executor) {
        wiring.journaled(settings.journal() != Settings.Journal.NONE);
        return Behaviors.setup(ctx -> {
            wiring.guardian(ctx.getSelf());
            Children children = new Children(ctx, device, wiring, settings, ready, executor);
            if (settings.journal() == Settings.Journal.NONE) {
                children.start(List.of(), 0);
                return Behaviors.receive(Command.class).onMessage(Spawn.class, s -> {
                    children.spawn(s);
                    return Behaviors.same();
                }).onMessage(Stop.class, s -> Behaviors.stopped()).build();
            }
            return new Registry(children, settings);
        });
    }

    /** The registry: which BOs exist and how far execbuf ids are taken, event-sourced. */
    private static final class Registry extends EventSourcedBehavior<Command, RegistryEvent, Registry.State> {
        static final class State {
            final Set<String> bos = new LinkedHashSet<>();
            long execIdsUpTo;
        }

        private final Children children;
        private final Settings settings;

        Wiring wiring() {
            return children.wiring;
        }

        Registry(Children children, Settings settings) {
            super(REGISTRY, SupervisorStrategy.restartWithBackoff(settings.backoffMin(), settings.backoffMax(), settings.backoffRandom()));
            this.children = children;
            this.settings = settings;
        }

        @Override public State emptyState() { return new State(); }
        @Override public String journalPluginId() { return settings.journal().journalPlugin; }
        @Override public String snapshotPluginId() { return settings.journal().snapshotPlugin; }
        @Override public Recovery recovery() { return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none()); }

        @Override
        public CommandHandler<Command, RegistryEvent, State> commandHandler() {
            return newCommandHandlerBuilder().forAnyState()
                    .onCommand(Spawn.class, this::onSpawn)
                    .onCommand(Recovered.class, (state, r) -> {
                        children.recovered(r);
                        return Effect().none();
                    })
                    .onCommand(RecoveryFailed.class, (state, f) -> {
                        children.failed(f);
                        return Effect().none();
                    })
                    .onCommand(Stop.class, (state, s) -> Effect().stop())
                    .build();
        }

        private Effect<RegistryEvent, State> onSpawn(State state, Spawn s) {
            Address a = s.address();
            if (!children.running(a)) {
                if (a instanceof Address.Bo b && !state.bos.contains(b.name()))
                    return Effect().persist(new BoRegistered(b.name())).thenRun(after -> children.spawn(s));
                if (a instanceof Address.Exec x && x.id() > state.execIdsUpTo)
                    return Effect().persist(new ExecIdsReserved((x.id() / EXEC_ID_BLOCK + 1) * EXEC_ID_BLOCK)).thenRun(after -> children.spawn(s));
            }
            children.spawn(s);
            return Effect().none();
        }

        @Override
        public EventHandler<State, RegistryEvent> eventHandler() {
            return newEventHandlerBuilder().forAnyState()
                    .onEvent(BoRegistered.class, (state, e) -> {
                        state.bos.add(e.bo());
                        return state;
                    })
                    .onEvent(ExecIdsReserved.class, (state, e) -> {
                        state.execIdsUpTo = Math.max(state.execIdsUpTo, e.upTo());
                        return state;
                    })
                    .build();
        }

        @Override
        public SignalHandler<State> signalHandler() {
            return newSignalHandlerBuilder()
                    .onSignal(RecoveryCompleted.instance(), state -> children.start(state.bos, state.execIdsUpTo))
                    .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class, (state, f) -> {
                        if (wiring().recovering()) children.failed(new RecoveryFailed(null, f.getFailure()));
                    })
                    .build();
        }
    }

    /** The guardian's children: spawning them, and following their recovery at start. */
    private static final class Children {
        private final ActorContext<Command> ctx;
        private final DeviceConfig device;
        private final Wiring wiring;
        private final Settings settings;
        private final CompletableFuture<RecoveryReport> ready;
        private final Executor executor;
        /** One Props for every entity (the configured dispatcher), not one per spawn. */
        private final Props props;
        private final Set<Address> waiting = new HashSet<>();
        private long lastStamp;
        private long lastExecId;
        private long entries;
        private int recovered;
        private int fromSnapshots;

        Children(ActorContext<Command> ctx, DeviceConfig device, Wiring wiring, Settings settings, CompletableFuture<RecoveryReport> ready,
                 Executor executor) {
            this.ctx = ctx;
            this.device = device;
            this.wiring = wiring;
            this.settings = settings;
            this.ready = ready;
            this.executor = executor;
            this.props = settings.dispatcher().isEmpty() ? Props.empty() : DispatcherSelector.fromConfig(settings.dispatcher());
        }

        /** Spawns the regions, the IO manager and {@code bos}; while the system recovers, waits for each to report. */
        void start(Collection<String> bos, long execIdsUpTo) {
            wiring.directory.clear(); // after a restart of the guardian: its children were stopped with it
            lastExecId = execIdsUpTo;
            for (RegionConfig r : device.regions().values()) spawn(new Address.Region(r.name()));
            spawn(Address.IO);
            for (String b : bos) spawn(new Address.Bo(b));
            if (!wiring.recovering()) return;
            if (settings.journal() != Settings.Journal.NONE) {
                for (RegionConfig r : device.regions().values()) waiting.add(new Address.Region(r.name()));
                waiting.add(Address.IO);
                for (String b : bos) waiting.add(new Address.Bo(b));
            }
            if (waiting.isEmpty()) finish();
        }

        boolean running(Address a) {
            return wiring.directory.contains(a);
        }

        void spawn(Spawn s) {
            if (!running(s.address())) spawn(s.address());
            s.replyTo().tell(Boolean.TRUE);
        }

        void recovered(Recovered r) {
            if (!waiting.remove(r.address())) return; // spawned later, or after a restart: nobody waits for it
            lastStamp = Math.max(lastStamp, r.lastStamp());
            entries += r.replayed();
            recovered++;
            if (r.snapshot() != null) fromSnapshots++;
            ActorRef<Monitor.Command> m = wiring.monitorRef();
            if (m != null) m.tell(new Monitor.Recovered(r.address(), r.snapshot(), r.entries(), r.digest()));
            if (waiting.isEmpty()) finish();
        }

        /** {@code f.address()} null: the registry itself. */
        void failed(RecoveryFailed f) {
            if (f.address() != null && !waiting.contains(f.address()) || ready.isDone()) return;
            String who = f.address() == null ? "the registry of entities (" + REGISTRY.id() + ")" : f.address().toString();
            IllegalStateException e = new IllegalStateException("ttm: " + who + " cannot recover from the journal: " + f.cause(), f.cause());
            executor.execute(() -> ready.completeExceptionally(e));
        }

        private void finish() {
            wiring.recoveryDone(lastStamp, lastExecId);
            // Stamps go on after the highest one recovered, or one the start found in the journal (an execbuf's).
            lastStamp = wiring.lastStamp();
            RecoveryReport report = new RecoveryReport(lastStamp, recovered, fromSnapshots, entries, List.of());
            if (lastStamp > 0)
                ctx.getLog().info("recovered {} entities ({} from snapshots, {} journal entries replayed); stamps go on after {}", recovered, fromSnapshots,
                        entries, lastStamp);
            ActorRef<Monitor.Command> m = wiring.monitorRef();
            if (m != null) m.tell(new Monitor.RecoveryDone(report, ready, executor));
            else executor.execute(() -> ready.complete(report));
        }

        /**
         * A BO's actor is named by the BO's name, URL-encoded (when it needs no encoding, the name is the BO's own
         * string); every other entity's by its address, URL-encoded after a '~', which URL encoding never yields, so
         * that no BO name can take it. A BO's decider, its actor and the directory share the decider's address: an
         * idle BO holds one copy of its name and of its address.
         */
        private void spawn(Address a) {
            if (a instanceof Address.Bo b) {
                BufferObject bo = new BufferObject(b.name(), device);
                Address self = bo.address();
                register(self, EntityActor.create(self, bo, wiring, settings, never(), null), URLEncoder.encode(b.name(), StandardCharsets.UTF_8));
            } else {
                register(a, behaviorOf(a), "~" + URLEncoder.encode(a.toString(), StandardCharsets.UTF_8));
            }
        }

        private void register(Address a, Behavior<Message> behavior, String name) {
            ActorRef<Message> ref = ctx.spawn(behavior, name, props);
            wiring.directory.register(a, ref);
        }

        /** The behavior of an entity other than a BO. */
        private Behavior<Message> behaviorOf(Address a) {
            if (a instanceof Address.Region r) {
                RegionConfig rc = device.region(r.name());
                return EntityActor.create(a, new RegionManager(rc, device.injectionsFor(rc.name())), wiring, settings, never(), SnapshotForm.REGION);
            }
            if (a instanceof Address.Io)
                return EntityActor.create(a, new IoManager(device.driver(), device.aperturePages(), device.injectionsFor("driver")), wiring, settings, never(), null);
            if (a instanceof Address.Exec x) return EntityActor.create(a, new Execbuf(x.id()), wiring, settings, Execbuf::answers, null);
            throw new IllegalArgumentException("nothing to spawn at " + a);
        }
    }

    private static Predicate<List<? extends Event>> never() {
        return PlainEntity.NEVER;
    }
}
