package dev.ttm.actors.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.config.TtmConfig;
import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.ScenarioRuntime;
import dev.ttm.protocol.sim.Simulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A scenario on a real actor system ({@code ttm run --runtime actors}). Requests go to the entity actors; the
 * runner waits for replies and for quiescence (no message in flight), then reads the model from the monitor's fold,
 * which is also what feeds the invariant checker. Runs on the runner's own thread, which may block; never inside an
 * actor.
 */
public final class ActorScenarioRuntime implements ScenarioRuntime {
    /** How long one statement may take before the runner reports it as not settling. */
    static final Duration STATEMENT_LIMIT = Duration.ofSeconds(Long.getLong("ttm.statement-limit-s", 60));

    private final TtmSystem ttm;
    private final AtomicReference<Simulator> view = new AtomicReference<>();

    /** A factory for the scenario runner: each scenario gets its own actor system on {@code journal}. */
    public static ScenarioRuntime.Factory factory(Settings.Journal journal) {
        return factory(journal, Path.of("data"));
    }

    /** As {@link #factory(Settings.Journal)}, with the data directory a LevelDB journal goes to. */
    public static ScenarioRuntime.Factory factory(Settings.Journal journal, Path dataDir) {
        return (device, checker) -> new ActorScenarioRuntime(device, checker, journal, dataDir);
    }

    ActorScenarioRuntime(DeviceConfig device, InvariantChecker checker, Settings.Journal journal) {
        this(device, checker, journal, Path.of("data"));
    }

    ActorScenarioRuntime(DeviceConfig device, InvariantChecker checker, Settings.Journal journal, Path dataDir) {
        Config config = ConfigFactory.load();
        TtmConfig ttm = new TtmConfig(device, Settings.of(journal), dataDir, true);
        // The in-memory journal serializes every entry too, so a scenario run proves each one round-trips in CBOR.
        Config run = ConfigFactory.parseString("pekko.loglevel = WARNING\npekko.persistence.journal.inmem.test-serialization = on");
        this.ttm = TtmSystem.start(run.withFallback(config), ttm, checker);
        settle(0);
    }

    @Override
    public ModelView view() {
        return new SettledView(this);
    }

    /** The monitor's shadow model, once the system is settled. */
    Simulator shadow() {
        Simulator s = view.get();
        if (s == null) {
            settle(0);
            s = view.get();
        }
        return s;
    }

    @Override public long newRequestId() { return ttm.newRequestId(); }

    @Override
    public Address.Exec newExec() {
        Address.Exec x = new Address.Exec(ttm.newExecId());
        await(ttm.spawn(x).toCompletableFuture());
        return x;
    }

    @Override
    public void submit(Address.Client from, Address to, Message request) {
        if (to instanceof Address.Bo) await(ttm.spawn(to).toCompletableFuture());
        ttm.wiring().submit(from, to, request);
    }

    @Override
    public void deliverNow(Address.Client from, Address to, Message message) {
        ttm.wiring().submit(from, to, message);
        settle(0);
    }

    @Override
    public boolean runUntil(BooleanSupplier done, long maxSteps) {
        long until = System.nanoTime() + STATEMENT_LIMIT.toNanos();
        while (!done.getAsBoolean()) {
            if (ttm.inFlight() == 0 || System.nanoTime() > until) break;
            pause();
        }
        return done.getAsBoolean();
    }

    @Override
    public boolean settle(long maxSteps) {
        view.set(null);
        boolean quiet = ttm.awaitQuiescence(STATEMENT_LIMIT);
        AtomicReference<Simulator> seen = new AtomicReference<>();
        await(ttm.sync(seen::set).toCompletableFuture());
        view.set(seen.get());
        return quiet;
    }

    @Override
    public Reply reply(long requestId) {
        return ttm.wiring().clients.reply(requestId);
    }

    @Override
    public String randomize(long seed) {
        return "runs with the actor system's real concurrency (the seed " + seed + " orders only the simulator)";
    }

    @Override
    public void checkFull(InvariantChecker checker) {
        await(ttm.sync(sim -> checker.checkFull(sim, sim.delivered(), sim.idle())).toCompletableFuture());
    }

    @Override
    public void close() {
        ttm.close();
    }

    private static void pause() {
        try {
            Thread.sleep(0, 100_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(STATEMENT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the actor runtime did not answer: " + e, e);
        }
    }
}
