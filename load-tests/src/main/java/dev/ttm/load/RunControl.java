package dev.ttm.load;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the harness and its clients share: whether clients may start operations, the operation budget, how many
 * operations and unsignalled fences are outstanding (the end of a run waits for both to reach zero), and the first
 * failure of a client (a bug in the harness or the runtime, never an operation's error outcome).
 */
final class RunControl {
    private final long budget;
    private final AtomicLong started = new AtomicLong();
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger unsignaled = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    /** {@code budget}: client operations to start in all; 0 for no limit (the run ends by time). */
    RunControl(long budget) {
        this.budget = budget;
    }

    /** Takes one operation from the budget: false when the run is stopping or the budget is spent. */
    boolean tryStart() {
        if (stopping) return false;
        if (budget > 0 && started.incrementAndGet() > budget) {
            stopping = true;
            return false;
        }
        active.incrementAndGet();
        return true;
    }

    void finished() {
        int a = active.decrementAndGet();
        assert a >= 0 : "more operations finished than started";
    }

    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    boolean budgetSpent() {
        return budget > 0 && started.get() >= budget;
    }

    void fail(Throwable t) {
        failure.compareAndSet(null, t);
    }
}
