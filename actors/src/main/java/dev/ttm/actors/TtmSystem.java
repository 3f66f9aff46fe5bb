package dev.ttm.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.actors.runtime.ClientSink;
import dev.ttm.actors.runtime.CrashReport;
import dev.ttm.actors.runtime.Guardian;
import dev.ttm.actors.runtime.Monitor;
import dev.ttm.actors.runtime.RecoveryReport;
import dev.ttm.actors.runtime.RunLog;
import dev.ttm.actors.runtime.Settings;
import dev.ttm.actors.runtime.Wiring;
import dev.ttm.protocol.journal.InFlight;
import dev.ttm.protocol.journal.Resumption;
import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.journal.DeviceSpec;
import dev.ttm.protocol.journal.JournalFormat;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The model running on Pekko inside an application's JVM: one actor per buffer object, per region manager, the IO
 * manager and each execbuf, journaled as configured ({@code ttm.journal}). Every operation of the scenario language
 * is a method returning a {@link CompletionStage} of the {@link Reply} (errors are outcomes, the errno vocabulary,
 * never exceptions). Views of the model and the invariant report come from the monitor, which folds every decision
 * in stamp order (with {@code ttm.check = on}).
 *
 * <p>Applications use the typed handles: {@link #bo(String)} ({@link BoHandle}), {@link #region(String)},
 * {@link #execbuf()}, {@link #newTicket()}, the immutable {@link #views()} ({@link Snapshot}) and
 * {@link #invariantReport()}. Bad arguments answer {@code EINVAL}, unknown names {@code ENOENT}.
 *
 * <pre>{@code
 * try (TtmSystem ttm = TtmSystem.start(ConfigFactory.load())) {
 *     BoHandle a = ttm.bo("A");
 *     a.create(64 * 1024, Placements.parse("VRAM")).toCompletableFuture().join();
 *     Reply r = a.fault(0).toCompletableFuture().join();   // MAPPED, RETRY or SIGBUS
 * }
 * }</pre>
 */
public final class TtmSystem implements AutoCloseable {
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    private final ActorSystem<?> system;
    private final boolean ownSystem;
    private final TtmConfig config;
    private final Wiring wiring;
    private final ActorRef<Guardian.Command> guardian;
    private final ActorRef<Monitor.Command> monitor;
    private final InvariantChecker checker;
    private final Address.Client client;
    /** Completes once every entity has recovered from the journal (the guardian, then the monitor, say so). */
    private final CompletableFuture<RecoveryReport> entitiesRecovered = new CompletableFuture<>();
    /** Completes once that is done and what the crash left unfinished is resumed ({@link #resume}); operations wait for it. */
    private final CompletableFuture<RecoveryReport> recovered = new CompletableFuture<>();
    /** What the journal says the last run left unfinished (found before the system started). */
    private final Resumption plan;
    /** The data directory, held while the system runs (leveldb only). */
    private final JournalSetup.Lease lease;
    private final Tickets tickets = new Tickets();

    /**
     * Starts on its own actor system (named {@code ttm}), with the settings under {@code ttm { }} in {@code config}.
     * With {@code ttm.journal = leveldb} (module ttm-persistence on the class path) the system takes the data directory
     * {@code ttm.data-dir} (failing at once if another system holds it) and recovers every entity it holds before this
     * returns: the same BOs and regions, stamps going on from the last one.
     */
    public static TtmSystem start(Config config) {
        TtmConfig ttm = TtmConfig.from(config);
        return startOwn(config, ttm, ttm.check() ? new InvariantChecker() : null, false);
    }

    /**
     * Starts inside an application's actor system, reading {@code ttm { }} from its configuration. The journal
     * plugins are the application's: with {@code ttm.journal = leveldb} it must have put the LevelDB journal and the
     * snapshot store under {@code ttm.data-dir} itself (ttm-persistence's {@code Journals} gives that configuration),
     * and this takes the data directory. Does not wait for the recovery: operations wait for it ({@link #recovery()}).
     */
    public static TtmSystem start(ActorSystem<?> app) {
        TtmConfig ttm = TtmConfig.from(app.settings().config());
        JournalSetup.Lease lease = ttm.settings().journal() == Settings.Journal.LEVELDB ? setup().acquire(ttm.dataDir()) : null;
        try {
            // The journal is folded before this system's entities open it (the application's journal plugin must not
            // have opened the LevelDB database yet: start the model before anything else persists on it).
            Resumption plan = lease == null ? Resumption.NONE : setup().resumption(app.settings().config(), ttm);
            return new TtmSystem(app, false, ttm, ttm.check() ? new InvariantChecker() : null, false, lease, plan);
        } catch (RuntimeException e) {
            if (lease != null) lease.close();
            throw e;
        }
    }

    /** For tools: a system on {@code device} with {@code checker} (may be null), retaining every reply. */
    public static TtmSystem start(Config config, TtmConfig ttm, InvariantChecker checker) {
        return startOwn(config, ttm, checker, true);
    }

    private static TtmSystem startOwn(Config config, TtmConfig ttm, InvariantChecker checker, boolean retainReplies) {
        JournalSetup.Lease lease = null;
        Config conf = config;
        Resumption plan = Resumption.NONE;
        if (ttm.settings().journal() == Settings.Journal.LEVELDB) {
            JournalSetup setup = setup();
            lease = setup.acquire(ttm.dataDir());
            try {
                conf = setup.configure(config, ttm);
                plan = setup.resumption(conf, ttm);
            } catch (RuntimeException e) {
                lease.close();
                throw e;
            }
        }
        conf = journalDispatchers(conf, ttm.settings());
        ActorSystem<Void> sys = null;
        TtmSystem t;
        try {
            sys = ActorSystem.create(Behaviors.empty(), "ttm", conf);
            t = new TtmSystem(sys, true, ttm, checker, retainReplies, lease, plan);
        } catch (RuntimeException e) {
            if (sys != null) {
                sys.terminate();
                sys.getWhenTerminated().toCompletableFuture().join();
            }
            if (lease != null) lease.close();
            throw e;
        }
        t.awaitRecovery();
        t.journalRun();
        return t;
    }

    /** Pekko's default for the in-memory journal's dispatcher. */
    private static final String INMEM_DISPATCHER = "pekko.persistence.journal.inmem.plugin-dispatcher";

    /**
     * The parts of Pekko's journals that never block go on the entities' dispatcher: the in-memory journal itself
     * (unless the configuration chose another dispatcher for it than Pekko's default one) and every journal's
     * resequencer (the child that hands a write's answers back to the entity in order, on the default dispatcher
     * otherwise). A write then crosses no pool of threads (memory) or one (LevelDB, whose journal keeps its own thread:
     * it writes to disk) rather than two or three, and each crossing parks and wakes a thread.
     */
    static Config journalDispatchers(Config config, Settings settings) {
        String d = settings.dispatcher();
        if (d.isEmpty()) return config;
        Config c = config.withFallback(ConfigFactory.parseString(
                "pekko.actor.deployment {\n"
                        + "  \"/pekko.persistence.journal.leveldb/*\".dispatcher = \"" + d + "\"\n"
                        + "  \"/pekko.persistence.journal.inmem/*\".dispatcher = \"" + d + "\"\n"
                        + "}\n"));
        if (!config.hasPath(INMEM_DISPATCHER) || config.getString(INMEM_DISPATCHER).equals("pekko.actor.default-dispatcher"))
            c = ConfigFactory.parseMap(Map.of(INMEM_DISPATCHER, d)).withFallback(c);
        return c;
    }

    /**
     * On a journal on disk, the run's first record says which device its entries are decided on ({@link RunLog}), so
     * that {@code ttm replay} folds them on the same one.
     */
    private void journalRun() {
        if (config.settings().journal() != Settings.Journal.LEVELDB) return;
        RunStarted run = new RunStarted(wiring.runId, JournalFormat.VERSION, wiring.lastStamp(), DeviceSpec.of(config.device()));
        ActorRef<RunLog.Write> log = system.systemActorOf(RunLog.create(config.settings()), "ttm-runs", Props.empty());
        try {
            AskPattern.<RunLog.Write, Boolean>ask(log, r -> new RunLog.Write(run, r), ASK_TIMEOUT, system.scheduler())
                    .toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ttm: interrupted while journaling the run in " + where(), e);
        } catch (ExecutionException | TimeoutException e) {
            close();
            throw new IllegalStateException("ttm: cannot journal the run in " + where() + ": " + e, e);
        }
    }

    private static JournalSetup setup() {
        return JournalSetup.find().orElseThrow(() -> new IllegalStateException(
                "ttm.journal = leveldb needs module ttm-persistence (dev.ttm:ttm-persistence) on the class path; or choose ttm.journal = memory | none"));
    }

    private TtmSystem(ActorSystem<?> system, boolean ownSystem, TtmConfig config, InvariantChecker checker, boolean retainReplies,
                      JournalSetup.Lease lease, Resumption plan) {
        this.system = system;
        this.plan = plan;
        this.ownSystem = ownSystem;
        this.config = config;
        this.checker = checker;
        this.lease = lease;
        this.client = new Address.Client("api");
        this.wiring = new Wiring(UUID.randomUUID().toString(), 0, new ClientSink(system.executionContext(), retainReplies));
        wiring.continueAfter(plan.lastStamp()); // before anything takes a stamp
        String suffix = ownSystem ? "" : "-" + UUID.randomUUID();
        if (config.check()) {
            this.monitor = system.systemActorOf(Monitor.create(config.device(), checker, 0, plan), "ttm-monitor" + suffix, Props.empty());
            wiring.monitor(monitor);
        } else {
            this.monitor = null;
        }
        this.guardian = system.systemActorOf(Guardian.create(config.device(), wiring, config.settings(), entitiesRecovered, system.executionContext()),
                "ttm" + suffix, Props.empty());
        // Resuming waits for quiescence between its steps: on a thread of its own, never an actor's.
        entitiesRecovered.whenCompleteAsync((report, failure) -> {
            if (failure != null) {
                recovered.completeExceptionally(failure);
                return;
            }
            try {
                if (report.mismatches().isEmpty()) resume();
                recovered.complete(report);
            } catch (RuntimeException e) {
                recovered.completeExceptionally(e);
            }
        }, TtmSystem::onResumeThread);
    }

    private static void onResumeThread(Runnable r) {
        Thread t = new Thread(r, "ttm-resume");
        t.setDaemon(true);
        t.start();
    }

    // ---- resuming what a crash left unfinished (docs/crash-consistency.md) ------------------------------------------
    /** Bound on the rounds of {@link BufferObject.Reclaim}: each lets one more waiting execbuf go on. */
    static final int MAX_RECLAIM_ROUNDS = 64;

    /**
     * After every entity has recovered: the requests the last run took and never answered are pending again, its
     * unfinished execbufs start again (each recovers from its journal), the messages the crash left in flight are
     * sent again, and once the model is quiescent every BO lets go of what the dead run's clients held, in rounds
     * until a round finds nothing (a released reservation may let an execbuf go on, which may fence again).
     */
    private void resume() {
        Duration limit = config.settings().recoveryTimeout();
        boolean stoppedCleanly = lease != null && Files.exists(stopMarker());
        for (Address.Exec x : plan.execbufs()) join(spawnNow(x), limit, "starting " + x + " again");
        int lost = 0;
        for (InFlight f : plan.inFlight()) if (!wiring.redeliver(f.to(), f.message())) lost++;
        if (lost > 0) system.log().warn("ttm: {} message(s) left in flight by the crash have no receiver any more; dropped", lost);
        quiesce(limit, "delivering what the crash left in flight");
        // A crash killed the clients with the process; a close left them alive (an application may start the model
        // again and go on with its reservations).
        if (!stoppedCleanly) reclaim(limit);
        if (lease != null) deleteStopMarker();
        if (!plan.isEmpty())
            system.log().info("ttm: resumed {} message(s) in flight, {} execbuf(s), {} request(s) pending", plan.inFlight().size(),
                    plan.execbufs().size(), plan.pendingRequests().size());
    }

    /** Written by {@link #close} once the actor system is down: the run stopped, its clients did not die with it. */
    private Path stopMarker() {
        return config.dataDir().resolve(STOP_MARKER);
    }

    /** The clean-stop marker's file name in the data directory (its text: "run ID stopped after stamp N"). */
    public static final String STOP_MARKER = "ttm.stopped";

    /** The clean-stop marker's text for a run. */
    public static String stopMarkerText(String runId, long lastStamp) {
        return "run " + runId + " stopped after stamp " + lastStamp + "\n";
    }

    private void deleteStopMarker() {
        try {
            Files.deleteIfExists(stopMarker());
        } catch (IOException e) {
            throw new UncheckedIOException("ttm: cannot delete " + stopMarker() + ": " + e.getMessage(), e);
        }
    }

    private void writeStopMarker() {
        try {
            Files.writeString(stopMarker(), stopMarkerText(wiring.runId, wiring.lastStamp()));
        } catch (IOException e) {
            system.log().warn("ttm: cannot write {} ({}): the next start will take this run for a crashed one", stopMarker(), e.getMessage());
        }
    }

    private void reclaim(Duration limit) {
        List<Address.Bo> bos = wiring.directory.bos();
        for (int round = 1; !bos.isEmpty(); round++) {
            List<CompletableFuture<Reply>> replies = new ArrayList<>(bos.size());
            for (Address.Bo b : bos) replies.add(request(b, id -> new BufferObject.Reclaim(id, client)).toCompletableFuture());
            Reply busy = null;
            for (CompletableFuture<Reply> f : replies) {
                Reply r = join(f, limit, "reclaiming what the dead run's clients held");
                if (r.outcome() != Outcome.OK || !r.reason().equals(BufferObject.Reclaim.NOTHING)) busy = r;
            }
            quiesce(limit, "reclaiming what the dead run's clients held");
            if (busy == null) return;
            if (round == MAX_RECLAIM_ROUNDS)
                throw new IllegalStateException("ttm: after " + round + " rounds, BOs still hold what the dead run's clients left: " + busy.reason());
        }
    }

    private void quiesce(Duration limit, String what) {
        if (!awaitQuiescence(limit))
            throw new IllegalStateException("ttm: not quiescent after " + limit + " " + what + " (" + wiring.inFlight() + " messages in flight)");
    }

    private static <T> T join(CompletionStage<T> stage, Duration limit, String what) {
        try {
            return stage.toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ttm: interrupted " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("ttm: failed " + what + ": " + e, e);
        }
    }

    /** Blocks the starting thread until every entity has recovered; on failure or timeout the system is closed. */
    private void awaitRecovery() {
        Duration limit = config.settings().recoveryTimeout();
        try {
            RecoveryReport r = recovered.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.mismatches().isEmpty())
                throw new IllegalStateException("ttm: " + r.mismatches().size() + " entities recovered a state their journal does not fold to: "
                        + r.mismatches().get(0));
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ttm: interrupted while recovering from " + where(), e);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof IllegalStateException ise) throw ise;
            throw new IllegalStateException("ttm: recovery from " + where() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("ttm: the entities did not recover from " + where() + " within " + limit + " (ttm.actors.recovery-timeout)", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private String where() {
        return config.settings().journal() == Settings.Journal.LEVELDB ? config.dataDir().toAbsolutePath().toString()
                : "the " + config.settings().journal() + " journal";
    }

    public DeviceConfig device() { return config.device(); }
    public Settings settings() { return config.settings(); }
    public ActorSystem<?> actorSystem() { return system; }
    /** Shared with the runtime's tools (the scenario runner, benchmarks). */
    public Wiring wiring() { return wiring; }

    /** What the start recovered from the journal; operations wait for it. */
    public CompletionStage<RecoveryReport> recovery() {
        return recovered;
    }

    // ---- operations: each answers exactly once ----------------------------------------------------------------
    public CompletionStage<Reply> create(String bo, long sizeBytes, Placement placement) {
        return create(bo, sizeBytes, placement, 0);
    }

    /** Creates {@code bo} ({@code placement} null: SYSTEM; {@link Placement#NONE}: no resource). */
    public CompletionStage<Reply> create(String bo, long sizeBytes, Placement placement, int priority) {
        Reply bad = Args.first(Args.bo(bo), Args.priority(priority));
        if (bad != null) return Args.done(bad);
        if (sizeBytes <= 0 || sizeBytes % device().pageBytes() != 0)
            return done(Outcome.EINVAL, bo + ": size " + sizeBytes + " is not a positive whole number of " + device().pageBytes() + "-byte pages");
        Address a = new Address.Bo(bo);
        return whenReady(() -> spawn(a).thenCompose(ok -> request(a, id -> new BufferObject.Create(sizeBytes / device().pageBytes(), priority, placement, id, client))));
    }

    public CompletionStage<Reply> reserve(String bo, String owner, Long ticket, boolean nowait) {
        // What the ticket holds through this API (ww_ctx->acquired): wait-die kills it, rather than let it wait, if any.
        int acquired = tickets.acquired(ticket);
        return tracked(bo, owner, ticket, onBo(bo, Args.first(Args.owner(owner), Args.ticket(ticket)),
                id -> new BufferObject.Reserve(owner, ticket, nowait, acquired, id, client)));
    }

    /** A ticketed reserve for a caller that tracks its own ww transaction ({@code acquired} reservations held). */
    public CompletionStage<Reply> reserve(String bo, String owner, long ticket, int acquired) {
        Reply bad = Args.first(Args.owner(owner), Args.ticket(ticket), acquired < 0 ? Args.einval("acquired < 0") : null);
        return tracked(bo, owner, ticket, onBo(bo, bad, id -> new BufferObject.Reserve(owner, ticket, false, acquired, id, client)));
    }

    public CompletionStage<Reply> unreserve(String bo, String owner) {
        return onBo(bo, Args.owner(owner), id -> new BufferObject.Unreserve(owner, id, client)).thenApply(r -> {
            if (r.outcome() == Outcome.OK) tickets.released(bo, owner);
            return r;
        });
    }
    public CompletionStage<Reply> validate(String bo, Placement placement, String owner, boolean nowait) {
        return onBo(bo, Args.first(Args.placement(placement), Args.optionalOwner(owner)), id -> new BufferObject.Validate(placement, owner, nowait, id, client));
    }
    public CompletionStage<Reply> fault(String bo, long page) { return onBo(bo, Args.page(page), id -> new BufferObject.Fault(page, id, client)); }
    public CompletionStage<Reply> kmap(String bo, String owner) { return onBo(bo, Args.owner(owner), id -> new BufferObject.Kmap(owner, id, client)); }
    public CompletionStage<Reply> kunmap(String bo, String owner) { return onBo(bo, Args.owner(owner), id -> new BufferObject.Kunmap(owner, id, client)); }
    public CompletionStage<Reply> pin(String bo, Placement placement, String owner) { return onBo(bo, Args.optionalOwner(owner), id -> new BufferObject.Pin(placement, owner, id, client)); }
    public CompletionStage<Reply> unpin(String bo, String owner) { return onBo(bo, Args.optionalOwner(owner), id -> new BufferObject.Unpin(owner, id, client)); }
    public CompletionStage<Reply> unmap(String bo) { return onBo(bo, null, id -> new BufferObject.Unmap(null, id, client)); }
    public CompletionStage<Reply> fence(String bo) { return onBo(bo, null, id -> new BufferObject.Fence(null, id, client)); }
    public CompletionStage<Reply> signal(String bo) { return onBo(bo, null, id -> new BufferObject.Signal(id, client)); }
    public CompletionStage<Reply> destroy(String bo) { return onBo(bo, null, id -> new BufferObject.Destroy(null, id, client)); }

    public CompletionStage<Reply> evictAll(String region) {
        if (region == null) return Args.done(Args.einval("missing region name"));
        return whenReady(() -> {
            Address a = new Address.Region(region);
            if (!wiring.directory.contains(a)) return done(Outcome.ENOENT, "no region " + region);
            return request(a, id -> new RegionManager.EvictAll(id, client));
        });
    }

    /** Reserve every BO with {@code ticket} (wait-die), validate each to its placement, fence if asked, release. */
    public CompletionStage<Reply> execbuf(List<Execbuf.Entry> entries, long ticket, boolean fence) {
        if (entries == null || entries.isEmpty()) return done(Outcome.EINVAL, "execbuf without buffers");
        for (Execbuf.Entry e : entries) {
            Reply bad = e == null ? Args.einval("null execbuf entry") : Args.first(Args.bo(e.bo()), Args.placement(e.placement()));
            if (bad != null) return Args.done(bad);
        }
        if (ticket < 0) return Args.done(Args.ticket(ticket));
        return whenReady(() -> {
            for (Execbuf.Entry e : entries)
                if (!wiring.directory.contains(new Address.Bo(e.bo()))) return done(Outcome.ENOENT, "no buffer object " + e.bo());
            Address.Exec x = new Address.Exec(wiring.newExecId());
            return spawn(x).thenCompose(ok -> request(x, id -> new Execbuf.Submit(entries, ticket, fence, id, client)));
        });
    }

    // ---- the embedding API: handles, execbufs, tickets ----------------------------------------------------------
    /** A handle on the buffer object {@code name} (created or not: see {@link BoHandle}). */
    public BoHandle bo(String name) {
        return new BoHandle(this, name);
    }

    /** A handle on the region {@code name}. */
    public RegionHandle region(String name) {
        return new RegionHandle(this, name);
    }

    /** A new execbuf to fill and submit. */
    public ExecbufBuilder execbuf() {
        return new ExecbufBuilder(this);
    }

    /**
     * A fresh wait-die ticket, younger than every ticket handed out before by this system (they count from 1). Callers
     * that choose their own tickets must keep them apart from these: two transactions with one ticket are one.
     */
    public long newTicket() {
        return tickets.next();
    }

    /**
     * The whole model as immutable records (see {@link Snapshot}); needs {@code ttm.check = on} (the default): without
     * the monitor there is nothing to read, and the stage fails with an {@link IllegalStateException}.
     */
    public CompletionStage<Snapshot> views() {
        return read(Snapshot::of);
    }

    /** The invariant report: every invariant evaluated now on the whole device, and every violation found so far. */
    public CompletionStage<InvariantReport> invariantReport() {
        if (monitor == null || checker == null) return CompletableFuture.completedFuture(new InvariantReport(false, List.of()));
        return invariants().thenApply(v -> new InvariantReport(true, v));
    }

    // ---- fault injection ------------------------------------------------------------------------------------------
    /**
     * Injects an actor crash: the entity {@code entity} throws, its supervisor restarts it, and it recovers its state
     * from the journal; the stage completes once it has, with what it recovered ({@link CrashReport}:
     * {@link CrashReport#sameState()} is whether the recovered state's digest is the one it had when it threw). The
     * entity may be in the middle of an operation: it throws at the first point where that loses nothing, and every
     * request in flight is still answered, exactly once ({@link Wiring#crash}; docs/runtime.md, "Actor crashes").
     *
     * <p>{@code entity} names a buffer object, a region manager or the IO manager: {@code io}, {@code region:NAME},
     * {@code bo:NAME}, or a bare name, which is a region if the device has one by that name and a BO otherwise.
     *
     * @throws IllegalStateException with {@code ttm.journal = none}: there is nothing to recover from, so crashes are
     *                               refused rather than faked (a restart that kept the in-memory state would test nothing)
     * @throws IllegalArgumentException when no such entity runs (the stage fails with it instead while the system still
     *                                  recovers at start), or the name is an execbuf's
     */
    public CompletionStage<CrashReport> crash(String entity) {
        if (entity == null || entity.isBlank()) throw new IllegalArgumentException("crash: missing entity name");
        return crash(entityAddress(entity.trim()));
    }

    /** {@link #crash(String)} by address. */
    public CompletionStage<CrashReport> crash(Address entity) {
        if (config.settings().journal() == Settings.Journal.NONE)
            throw new IllegalStateException("crash " + entity + ": ttm.journal = none keeps no journal to recover from; "
                    + "crash injection needs ttm.journal = leveldb or memory");
        if (closed()) return closedStage();
        return whenReady(() -> wiring.crash(entity));
    }

    /** {@code io}, {@code region:NAME}, {@code bo:NAME}, or a bare name (a region of the device's, else a BO). */
    Address entityAddress(String name) {
        if (name.equals("io")) return Address.IO;
        if (name.startsWith("region:")) return new Address.Region(name.substring("region:".length()));
        if (name.startsWith("bo:")) return new Address.Bo(name.substring("bo:".length()));
        if (name.startsWith("exec:")) throw new IllegalArgumentException("crash " + name + ": an execbuf is short-lived and is not crashed");
        if (device().regions().containsKey(name)) return new Address.Region(name);
        return new Address.Bo(name);
    }

    // ---- views and the invariant report (from the monitor's fold; needs ttm.check = on) --------------------------
    /** Reads the model as the monitor has folded it so far (consistent once the system is quiescent). */
    public <T> CompletionStage<T> read(Function<ModelView, T> reader) {
        if (monitor == null) return CompletableFuture.failedFuture(new IllegalStateException("ttm.check = off: no views"));
        if (!ready()) return recovered.thenCompose(r -> read(reader));
        CompletableFuture<T> out = new CompletableFuture<>();
        CompletionStage<Boolean> done = AskPattern.ask(monitor, (ActorRef<Boolean> r) -> new Monitor.Sync(sim -> {
            try {
                out.complete(reader.apply(sim));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        }, r), ASK_TIMEOUT, system.scheduler());
        return done.thenCompose(b -> out);
    }

    /** Every invariant evaluated now on the whole device, and every violation found so far. */
    public CompletionStage<List<Violation>> invariants() {
        List<Violation> out = new ArrayList<>();
        return sync(sim -> {
            checker.checkFull(sim, sim.delivered(), sim.idle());
            out.addAll(checker.all());
        }).thenApply(ok -> out);
    }

    /** Messages in flight inside the model; zero when it is quiescent. */
    public long inFlight() {
        return wiring.inFlight();
    }

    /** Blocks the calling thread (never an actor's) until nothing is in flight, or the timeout. */
    public boolean awaitQuiescence(Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (wiring.inFlight() > 0) {
            if (System.nanoTime() > until) return false;
            Thread.onSpinWait();
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Stops the system (its own actor system; inside an application's, the model's actors) and gives up the data directory. */
    @Override
    public void close() {
        try {
            if (ownSystem) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
            } else {
                // Inside an application's actor system: stop the model's actors, never the application's system.
                guardian.tell(new Guardian.Stop());
                if (monitor != null) monitor.tell(new Monitor.Stop());
            }
            if (lease != null && ready()) writeStopMarker();
        } finally {
            if (lease != null) lease.close();
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------
    /**
     * A request id no run on this journal has used: the next stamp. Stamps go on after a restart, so a request of
     * this run is never taken for one an earlier run left in flight (which recovery may still answer).
     */
    public long newRequestId() {
        return wiring.newRequestId();
    }

    public long newExecId() {
        return wiring.newExecId();
    }

    private boolean ready() {
        return recovered.isDone() && !recovered.isCompletedExceptionally();
    }

    /** Runs {@code op} now if every entity has recovered, else once they have. */
    private <T> CompletionStage<T> whenReady(Supplier<CompletionStage<T>> op) {
        if (ready()) return op.get();
        return recovered.thenCompose(r -> op.get());
    }

    /** A request to {@code bo}, unless {@code bad} (an argument's EINVAL) says otherwise or no such BO exists. */
    private CompletionStage<Reply> onBo(String bo, Reply bad, java.util.function.LongFunction<Message> command) {
        Reply invalid = Args.first(Args.bo(bo), bad);
        if (invalid != null) return Args.done(invalid);
        return whenReady(() -> {
            Address a = new Address.Bo(bo);
            if (!wiring.directory.contains(a)) return done(Outcome.ENOENT, "no buffer object " + bo + " (create it first)");
            return request(a, command);
        });
    }

    private CompletionStage<Reply> request(Address to, java.util.function.LongFunction<Message> command) {
        if (closed()) return closedStage();
        long id = newRequestId();
        CompletableFuture<Reply> reply = wiring.clients.expect(id);
        wiring.submit(client, to, command.apply(id));
        return reply;
    }

    /** Own actor system terminated: nothing would ever answer (a request would wait forever), so it fails at once. */
    private boolean closed() {
        return ownSystem && system.whenTerminated().isCompleted();
    }

    private static <T> CompletionStage<T> closedStage() {
        return CompletableFuture.failedFuture(new IllegalStateException("this TtmSystem is closed"));
    }

    /** A ticketed reserve answered OK counts for its ticket (see {@link Tickets}). */
    private CompletionStage<Reply> tracked(String bo, String owner, Long ticket, CompletionStage<Reply> reply) {
        if (ticket == null) return reply;
        return reply.thenApply(r -> {
            if (r.outcome() == Outcome.OK) tickets.reserved(bo, owner, ticket);
            return r;
        });
    }

    private static CompletionStage<Reply> done(Outcome o, String why) {
        return CompletableFuture.completedFuture(Reply.of(-1, o, why));
    }

    /** Makes sure the entity at {@code a} runs (the guardian spawns it); completes once it is registered. */
    public CompletionStage<Boolean> spawn(Address a) {
        if (closed()) return closedStage();
        if (!ready()) return recovered.thenCompose(r -> spawn(a));
        return spawnNow(a);
    }

    private CompletionStage<Boolean> spawnNow(Address a) {
        if (wiring.directory.contains(a)) return CompletableFuture.completedFuture(Boolean.TRUE);
        return direct(AskPattern.ask(guardian, (ActorRef<Boolean> r) -> new Guardian.Spawn(a, r), ASK_TIMEOUT, system.scheduler()));
    }

    /**
     * Makes sure the entity at {@code a} runs without an ask: the guardian tells {@code replyTo} TRUE once it is
     * registered, answering the spawns of one caller in the order they were asked. For an actor that spawns often (the
     * load harness's clients spawn an execbuf per operation): no temporary actor, no timeout, no future.
     */
    public void spawn(Address a, ActorRef<Boolean> replyTo) {
        if (closed()) throw new IllegalStateException("this TtmSystem is closed");
        if (ready()) guardian.tell(new Guardian.Spawn(a, replyTo));
        else recovered.thenRun(() -> guardian.tell(new Guardian.Spawn(a, replyTo)));
    }

    /**
     * The ask's stage as a plain future completed on the thread that completes the ask. Pekko's javadsl ask gives
     * Scala's converted future, whose non-async stages ({@code thenCompose}, {@code handle}: what {@link #create},
     * {@link #execbuf} and an actor's {@code pipeToSelf} use) run asynchronously on {@code ForkJoinPool.commonPool()},
     * and on a 2-core machine (common pool parallelism 1) that is a new thread per call.
     */
    private static <T> CompletionStage<T> direct(CompletionStage<T> asked) {
        CompletableFuture<T> f = new CompletableFuture<>();
        asked.whenCompleteAsync((v, t) -> {
            if (t != null) f.completeExceptionally(t);
            else f.complete(v);
        }, Runnable::run);
        return f;
    }

    /** Runs {@code task} on the monitor once everything sent before is folded; for tools on a settled system. */
    public CompletionStage<Boolean> sync(java.util.function.Consumer<dev.ttm.protocol.sim.Simulator> task) {
        if (monitor == null) return CompletableFuture.completedFuture(Boolean.FALSE);
        if (!ready()) return recovered.thenCompose(r -> sync(task));
        return AskPattern.ask(monitor, (ActorRef<Boolean> r) -> new Monitor.Sync(task, r), ASK_TIMEOUT, system.scheduler());
    }
}
