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

    /** Creates the population and the scanouts (pinned in the window, kmapped), and waits until the model is quiescent. */
    public void setUp() {
        List<CompletableFuture<Reply>> window = new ArrayList<>();
        for (Workload.Bo bo : workload.population()) {
            window.add(ttm.create(bo.name(), bo.sizeBytes(), workload.createPlacement(), bo.priority()).toCompletableFuture());
            if (window.size() >= SETUP_WINDOW) settle(window, "create");
        }
        settle(window, "create");
        for (String s : workload.scanouts()) {
            expect(ttm.create(s, settings.scanoutBytes(), workload.scanoutPlacement()), "create " + s);
            expect(ttm.pin(s, workload.scanoutPlacement(), null), "pin " + s + " in VRAM's CPU-visible window");
            expect(ttm.kmap(s, "scanout"), "kmap " + s);
        }
        quiesce("after creating the BOs");
    }

    /** The clients' run and the drain; returns what was measured (reports are written by the caller). */
    public LoadResult run(String label, Path dataDir, Path reportDir) {
        Metrics metrics = new Metrics(counters);
        RunControl control = new RunControl(settings.operations());
        LoadClient.Slots slots = new LoadClient.Slots(workload.population(), ttm.device().pageBytes());
        AtomicInteger[] arrivals = new AtomicInteger[settings.clients()];
        List<ActorRef<LoadClient.Command>> clients = new ArrayList<>();
        String d = ttm.settings().dispatcher();
        Props props = d.isEmpty() ? Props.empty() : DispatcherSelector.fromConfig(d);
        String prefix = "load-" + Long.toHexString(System.nanoTime()) + "-";
        for (int c = 0; c < settings.clients(); c++) {
            arrivals[c] = new AtomicInteger();
            clients.add(ttm.actorSystem().systemActorOf(LoadClient.create(c, ttm, workload, slots, metrics, control, arrivals[c]), prefix + c, props));
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
        Throwable failure = control.failure.get();
        if (failure != null) throw new RunFailed("a load client failed: " + failure, failure);
        long unanswered = drained && quiet ? 0 : control.active.get() + control.unsignaled.get();
        if (unanswered == 0 && !quiet) unanswered = ttm.inFlight();
        var kinds = metrics.kinds();
        double seconds = Math.max(1e-9, (stopped - measuredFrom) / 1e9);
        long ops = metrics.measuredOperations();
        List<Violation> violations = ttm.invariantReport().toCompletableFuture().orTimeout(5, TimeUnit.MINUTES).join().violations();
        return new LoadResult(settings, settings.seed(), label, seconds, ops, ops / seconds, kinds, metrics.counters(kinds),
                metrics.timeline(), violations, unanswered, dataDir, reportDir);
    }

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
