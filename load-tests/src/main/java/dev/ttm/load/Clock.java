package dev.ttm.load;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * The clients' timers: a thread that tells a client a message when it is due (an execbuf's fence latency has passed, a
 * pin has been held long enough, a think time is over). The actor system's timers would not do: its scheduler ticks
 * every 10 ms, so a 1–5 ms fence latency or a 2 ms pin would last 10 ms or more, and every VRAM allocation that waits
 * for a ghost's or a move's fence would wait that much longer. A delay queue's wait is as precise as the thread's park
 * (tens of µs).
 */
final class Clock extends LoadThread {
    private record Due(long atNs, ActorRef<LoadClient.Command> to, LoadClient.Command message) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atNs - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(atNs, ((Due) o).atNs);
        }
    }

    private final DelayQueue<Due> due = new DelayQueue<>();

    Clock() {
        super("ttm-load-clock");
    }

    /** Tells {@code to} {@code message} at {@code atNs} (System.nanoTime), or at once if that has passed. */
    void at(long atNs, ActorRef<LoadClient.Command> to, LoadClient.Command message) {
        due.add(new Due(atNs, to, message));
    }

    @Override
    public void run() {
        while (!halted) {
            try {
                Due d = due.poll(50, TimeUnit.MILLISECONDS);
                if (d != null) d.to().tell(d.message());
            } catch (InterruptedException e) {
                if (halted) return;
            }
        }
    }
}
