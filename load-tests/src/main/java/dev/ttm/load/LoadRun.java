package dev.ttm.load;

import dev.ttm.actors.TtmSystem;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One load run on a started {@link TtmSystem}: creates the workload's BOs and scanouts, runs the clients for the
 * configured time or operation count, samples the timeline, drains (every operation answered, every fence signalled,
 * the model quiescent), tears the scanouts down and gathers the {@link LoadResult}. This thread only samples and
 * waits; the clients are actors.
 */
public final class LoadRun {
    /** The run could not finish as it should (a client failed, requests went unanswered, setup was refused). */
    public static final class RunFailed extends RuntimeException {
        public RunFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a run reports while it runs: one progress line (null: none), at most every {@code progress-every}. */
    public interface Progress {
        void line(String text);

        void done();
    }

    private static final int SETUP_WINDOW = 512;

    private final LoadSettings settings;
    private final Workload workload;
    private final TtmSystem ttm;
    private final ModelCounters counters;
    private final Progress progress;
    private final PrintStream log;

    private Injector.Crash crash;

    /** How {@code --inject crash=...} crashes an entity (the runtime's crash injection). */
    public LoadRun crashWith(Injector.Crash c) {
        this.crash = c;
        return this;
    }

    /** {@code ttm} must have been started on {@code settings.config()}; the run installs its counters as the system's decision tap. */
    public LoadRun(LoadSettings settings, TtmSystem ttm, Progress progress, PrintStream log) {
        this.settings = settings;
        this.workload = new Workload(settings);
        this.ttm = ttm;
        this.counters = new ModelCounters(ttm.device());
        this.progress = progress;
        this.log = log;
        ttm.wiring().tap(counters);
    }

    public Workload workload() {
        return workload;
    }

    /** The BO each slot holds; set up by {@link #setUp} or {@link #adopt}. */
    private LoadClient.Slots slots;

    /** Creates the population and the scanouts (pinned in the window, kmapped), and waits until the model is quiescent. */
    public void setUp() {
        // The scanouts first, as a driver allocates its display buffers at boot: pinned in the window before anything else.
        for (String s : workload.scanouts()) {
            expect(ttm.create(s, settings.scanoutBytes(), workload.scanoutPlacement()), "create " + s);
            expect(ttm.pin(s, workload.scanoutPlacement(), null), "pin " + s + " in VRAM's CPU-visible window");
            expect(ttm.kmap(s, "scanout"), "kmap " + s);
        }
        List<CompletableFuture<Reply>> window = new ArrayList<>();
        for (Workload.Bo bo : workload.population()) {
            window.add(ttm.create(bo.name(), bo.sizeBytes(), workload.createPlacement(), bo.priority()).toCompletableFuture());
            if (window.size() >= SETUP_WINDOW) settle(window, "create");
        }
        settle(window, "create");
        quiesce("after creating the BOs");
        slots = new LoadClient.Slots(workload.population(), ttm.device().pageBytes(), token());
    }

    /**
     * {@code --resume}: takes over the BOs a earlier run on this journal left (read from the recovered model: needs the
     * checker's fold). Each slot's live BO is the one named {@code b<slot>} or {@code b<slot>.*} that is not destroyed;
     * a slot left empty (a crash between a churn's destroy and its create) gets a fresh BO. The scanouts end up pinned
     * once and kmapped once, whatever the crash left (recovery unmapped a dead run's kmaps; pins stay).
     */
    public void adopt() {
        dev.ttm.actors.Snapshot view = ttm.views().toCompletableFuture().orTimeout(5, TimeUnit.MINUTES).join();
        String token = token();
        java.util.TreeMap<String, dev.ttm.actors.BoView> byName = new java.util.TreeMap<>(view.bos());
        List<Workload.Bo> bos = new ArrayList<>(workload.population());
        List<CompletableFuture<Reply>> window = new ArrayList<>();
        for (int i = 0; i < bos.size(); i++) {
            String live = liveBo(byName, i);
            if (live != null) {
                dev.ttm.actors.BoView b = view.bos().get(live);
                bos.set(i, new Workload.Bo(live, b.sizeBytes(), b.priority()));
            } else {
                Workload.Bo fresh = new Workload.Bo("b" + i + "." + token + ".r", bos.get(i).sizeBytes(), bos.get(i).priority());
                bos.set(i, fresh);
                window.add(ttm.create(fresh.name(), fresh.sizeBytes(), workload.createPlacement(), fresh.priority()).toCompletableFuture());
            }
        }
        settle(window, "create");
        for (String s : workload.scanouts()) {
            dev.ttm.actors.BoView b = view.bos().get(s);
            if (b == null || b.destroyed()) {
                expect(ttm.create(s, settings.scanoutBytes(), workload.scanoutPlacement()), "create " + s);
                b = null;
            }
            if (b == null || b.pins() == 0) expect(ttm.pin(s, workload.scanoutPlacement(), null), "pin " + s + " in VRAM's CPU-visible window");
            for (int p = b == null ? 1 : b.pins(); p > 1; p--) expect(ttm.unpin(s, null), "unpin " + s);
            if (b == null || b.kmaps().getOrDefault("scanout", 0) == 0) expect(ttm.kmap(s, "scanout"), "kmap " + s);
        }
        quiesce("after taking over the BOs");
        dev.ttm.actors.Snapshot now = ttm.views().toCompletableFuture().orTimeout(5, TimeUnit.MINUTES).join();
        counters.startFrom(now);
        slots = new LoadClient.Slots(bos, ttm.device().pageBytes(), token);
    }

    private static String liveBo(java.util.TreeMap<String, dev.ttm.actors.BoView> byName, int slot) {
        String exact = "b" + slot;
        dev.ttm.actors.BoView b = byName.get(exact);
        if (b != null && !b.destroyed()) return exact;
        for (var e : byName.tailMap(exact + ".").entrySet()) {
            if (!e.getKey().startsWith(exact + ".")) break;
            if (!e.getValue().destroyed()) return e.getKey();
        }
        return null;
    }

    /** Names churn gives new BOs carry the run's token, so that no run reuses a name an earlier one gave. */
    private static String token() {
        return Long.toString(System.currentTimeMillis() % 60_466_176L, 36);
    }

    /** The clients' run and the drain; returns what was measured (reports are written by the caller). */
    public LoadResult run(String label, Path dataDir, Path reportDir) {
        Metrics metrics = new Metrics(counters);
        RunControl control = new RunControl(settings.operations());
        if (slots == null) throw new IllegalStateException("set up or adopt the BOs first");
        AtomicInteger[] arrivals = new AtomicInteger[settings.clients()];
        List<ActorRef<LoadClient.Command>> clients = new ArrayList<>();
        String d = ttm.settings().dispatcher();
        Props props = d.isEmpty() ? Props.empty() : DispatcherSelector.fromConfig(d);
        String prefix = "load-" + Long.toHexString(System.nanoTime()) + "-";
        Clock clock = new Clock();
        clock.start();
        for (int c = 0; c < settings.clients(); c++) {
            arrivals[c] = new AtomicInteger();
            clients.add(ttm.actorSystem().systemActorOf(LoadClient.create(c, ttm, workload, slots, metrics, control, arrivals[c], clock), prefix + c, props));
        }
        long t0 = System.nanoTime();
        metrics.start(t0);
        Pacer pacer = null;
        if (settings.openModel()) {
            pacer = new Pacer(settings, clients, arrivals, control, t0);
            pacer.start();
        } else {
            for (ActorRef<LoadClient.Command> c : clients) c.tell(new LoadClient.Start());
        }
        Injector injector = new Injector(ttm, settings, crash != null ? crash : ttm::crash, slots.names::get);
        injector.start(settings.inject());
        long crashAt = settings.crashAfter().isZero() ? Long.MAX_VALUE : t0 + settings.crashAfter().toNanos();
        long warmupEnd = t0 + settings.warmup().toNanos();
        long end = settings.operations() > 0 ? Long.MAX_VALUE : t0 + settings.duration().toNanos();
        boolean warm = settings.warmup().isZero();
        if (warm) metrics.warmupEnded();
        long measuredFrom = warm ? t0 : -1;
        long sampleNs = settings.sampleEvery().toNanos();
        long nextSample = t0 + sampleNs;
        long nextProgress = t0 + settings.progressEvery().toNanos();
        while (true) {
            long now = System.nanoTime();
            boolean over = now >= end || (settings.operations() > 0 && control.budgetSpent() && control.active.get() == 0);
            if (control.failure.get() != null) break;
            if (now >= crashAt) crashNow();
            if (over) break;
            if (now >= nextSample) {
                LoadResult.Sample s = metrics.sample(now, t0, !warm);
                nextSample += sampleNs;
                if (!warm && now >= warmupEnd) {
                    warm = true;
                    metrics.warmupEnded();
                    measuredFrom = now;
                }
                if (progress != null && now >= nextProgress) {
                    progress.line(progressLine(s, metrics));
                    nextProgress = now + settings.progressEvery().toNanos();
                }
            }
            LockSupport.parkNanos(Math.min(Math.max(0, nextSample - now), 50_000_000L));
        }
        control.stop();
        injector.close();
        if (pacer != null) pacer.halt();
        long stopped = System.nanoTime();
        boolean drained = waitUntil(() -> control.active.get() == 0, settings.drainTimeout());
        for (ActorRef<LoadClient.Command> c : clients) c.tell(new LoadClient.Drain());
        drained &= waitUntil(() -> control.unsignaled.get() == 0, settings.drainTimeout());
        boolean quiet = ttm.awaitQuiescence(settings.drainTimeout());
        long last = System.nanoTime();
        if (!warm) { // the whole run was warm-up: measure it all rather than nothing
            metrics.warmupEnded();
            measuredFrom = t0;
        }
        metrics.sample(last, t0, false);
        if (progress != null) progress.done();
        for (ActorRef<LoadClient.Command> c : clients) c.tell(new LoadClient.Stop());
        // Every crash injected must have recovered before the run is judged.
        if (!waitUntil(() -> injector.crashesRecovered.sum() + (injector.crashFailure.get() == null ? 0 : 1) >= injector.crashes.sum(), settings.drainTimeout()))
            throw new RunFailed(injector.crashes.sum() - injector.crashesRecovered.sum() + " injected actor crash(es) did not recover within "
                    + settings.drainTimeout().toSeconds() + " s", null);
        if (injector.crashFailure.get() != null)
            throw new RunFailed("an injected actor crash failed: " + injector.crashFailure.get(), injector.crashFailure.get());
        clock.halt();
        Throwable failure = control.failure.get();
        if (failure != null) throw new RunFailed("a load client failed: " + failure, failure);
        long unanswered = drained && quiet ? 0 : control.active.get() + control.unsignaled.get();
        if (unanswered == 0 && !quiet) unanswered = ttm.inFlight();
        var kinds = metrics.kinds();
        double seconds = Math.max(1e-9, (stopped - measuredFrom) / 1e9);
        long ops = metrics.measuredOperations();
        List<Violation> violations = ttm.invariantReport().toCompletableFuture().orTimeout(5, TimeUnit.MINUTES).join().violations();
        return new LoadResult(settings, settings.seed(), label, seconds, ops, ops / seconds, kinds, metrics.counters(kinds, injector.armed.sum(), injector.crashes.sum()),
                metrics.timeline(), violations, unanswered, dataDir, reportDir, metrics.startDelay());
    }

    /**
     * {@code --crash-after}: the process dies as a {@code kill -9} would have it (no shutdown hooks, no clean stop, the
     * journal as far as it got); {@code ttm load --resume DIR} goes on from there.
     */
    private void crashNow() {
        log.println();
        log.println("ttm load: --crash-after " + settings.crashAfter().toMillis() / 1000.0 + " s: killing this process now (exit status "
                + CRASH_STATUS + "); resume with: ttm load --resume " + settings.dataDir());
        log.flush();
        Runtime.getRuntime().halt(CRASH_STATUS);
    }

    /** The exit status of a {@code --crash-after} kill: what a shell reports for a process killed by SIGKILL. */
    public static final int CRASH_STATUS = 137;

    /** Unmaps and unpins the scanouts, so that the journal ends with nothing held. */
    public void tearDown() {
        for (String s : workload.scanouts()) {
            expect(ttm.kunmap(s, "scanout"), "kunmap " + s);
            expect(ttm.unpin(s, null), "unpin " + s);
        }
        quiesce("after unpinning the scanouts");
    }

    private String progressLine(LoadResult.Sample s, Metrics m) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("[%4.0fs]%s %,9.0f ops/s  p99 %s", s.tS(), s.warmup() ? " warm-up" : "", s.opsPerS(), Reports.latency(s.p99Ns())));
        Long vram = s.usedBytes().get("VRAM");
        if (vram != null) b.append(String.format("  VRAM %d MiB", vram >> 20));
        if (counters.windowBytes() > 0) b.append(String.format("  window %d/%d MiB", s.windowUsedBytes() >> 20, counters.windowBytes() >> 20));
        b.append(String.format("  evictions %,.0f/s", s.evictionsPerS()));
        return b.toString();
    }

    private void settle(List<CompletableFuture<Reply>> window, String what) {
        for (CompletableFuture<Reply> f : window) {
            Reply r = f.orTimeout(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS).join();
            if (r.outcome() != Outcome.OK) throw new RunFailed(what + ": " + r.outcome() + " " + r.reason(), null);
        }
        window.clear();
    }

    private void expect(java.util.concurrent.CompletionStage<Reply> reply, String what) {
        Reply r = reply.toCompletableFuture().orTimeout(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS).join();
        if (r.outcome() != Outcome.OK) throw new RunFailed(what + ": " + r.outcome() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")"), null);
    }

    private void quiesce(String when) {
        if (!ttm.awaitQuiescence(settings.drainTimeout()))
            throw new RunFailed("the model did not settle " + when + " within " + settings.drainTimeout().toSeconds() + " s: " + ttm.inFlight() + " messages in flight", null);
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }
}
