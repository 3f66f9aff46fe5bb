package dev.ttm.load;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The open model's clock: a thread that tells each client when its next operation is due, every client at
 * {@code rate / clients} per second, their phases spread evenly. Arrivals a client has not yet started are bounded
 * ({@link #MAX_QUEUED} per client): when a client is that far behind, its next arrival waits here, and keeps its
 * intended start time, so the latency the client records still counts from when the operation should have started.
 * A timer of the actor system would not do: its tick is 10 ms, longer than the latencies measured.
 */
final class Pacer extends LoadThread {
    static final int MAX_QUEUED = 1024;

    private final List<ActorRef<LoadClient.Command>> clients;
    private final AtomicInteger[] queued;
    private final RunControl control;
    private final long[] next;
    private final long intervalNs;

    Pacer(LoadSettings settings, List<ActorRef<LoadClient.Command>> clients, AtomicInteger[] queued, RunControl control, long t0) {
        super("ttm-load-pacer");
        this.clients = clients;
        this.queued = queued;
        this.control = control;
        int n = clients.size();
        this.intervalNs = Math.max(1, (long) (1e9 * n / settings.rate()));
        this.next = new long[n];
        for (int c = 0; c < n; c++) next[c] = t0 + intervalNs * c / n;
    }

    @Override
    public void run() {
        while (!halted && !control.stopping()) {
            int c = earliest();
            if (c < 0) {
                // Every client is far behind: their arrivals wait here with their intended times; try again shortly.
                LockSupport.parkNanos(50_000);
                continue;
            }
            long wait = next[c] - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 10_000_000L));
                continue;
            }
            queued[c].incrementAndGet();
            clients.get(c).tell(new LoadClient.Arrive(next[c]));
            next[c] += intervalNs;
        }
    }

    /** The client whose next arrival is earliest, among those not too far behind; -1 if all are. */
    private int earliest() {
        int best = -1;
        for (int c = 0; c < next.length; c++)
            if (queued[c].get() < MAX_QUEUED && (best < 0 || next[c] < next[best])) best = c;
        return best;
    }
}
