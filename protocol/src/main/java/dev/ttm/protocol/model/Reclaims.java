package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a BO does when the clients of earlier runs are gone ({@link BufferObject.Reclaim}): the process-exit path.
 * A killed process's pending ioctls end with {@code -ERESTARTSYS}, its locks and kernel mappings go with it, its CPU
 * mappings are torn down, and the GPU work it submitted is over. So:
 *
 * <ol>
 *   <li>the BO's unsignalled fences signal (nothing would ever signal them: the ghosts and move fences that wait
 *       for them would stay forever);</li>
 *   <li>while an operation is still in progress (waiting for a region, a population, the IO manager), nothing else
 *       is touched: the answer is {@code EBUSY} and the runtime asks again once the model is quiescent;</li>
 *   <li>requests of dead clients queued for the reservation are answered {@code ERESTARTSYS} and leave the queue;</li>
 *   <li>the CPU mappings are zapped (unmap_virtual), which gives back the IO reservation they held, and every kmap
 *       of a dead client is unmapped: under the dead client's reservation, or one the reclaim takes for it; while a
 *       live owner (an execbuf) holds the reservation, the answer is {@code EBUSY} and the runtime asks again;</li>
 *   <li>a dead client's reservation is released.</li>
 * </ol>
 *
 * A client is dead when it is an {@link Address.Client} or an owner without a ':'; execbufs and eviction walks
 * (owners with a ':', requests from {@link Address.Exec} or another BO) live on: what a crash left in flight has
 * been delivered again, and they finish. The answer's reason says what was reclaimed, or {@link #NOTHING}.
 */
final class Reclaims {
    static final String NOTHING = BufferObject.Reclaim.NOTHING;

    private Reclaims() {}

    static void reclaim(BoStep t, BufferObject.Reclaim c) {
        BoState s = t.s;
        List<String> done = new ArrayList<>();
        if (!s.created) {
            // Never created (its create was lost in the crash): it holds nothing, but requests may wait for it.
            int dropped = dropDeadWaiters(t);
            t.reply(c, Outcome.OK, dropped == 0 ? NOTHING : dropped + " queued request(s) of gone clients answered ERESTARTSYS");
            return;
        }
        if (BufferObject.signalFences(t)) done.add("fences signalled");
        if (s.op != null || s.looseOp != null) {
            t.reply(c, Outcome.EBUSY, prefix(done) + "an operation is in progress");
            return;
        }
        int dropped = dropDeadWaiters(t);
        if (dropped > 0) done.add(dropped + " queued request(s) of gone clients answered ERESTARTSYS");
        boolean deadHolder = s.holder != null && s.holder.kind() == BufferObject.HolderKind.EXPLICIT && dead(s.holder.owner());
        if (s.mapped || hasDeadKmaps(s)) {
            // Zapping mappings and unmapping kmaps happen under the reservation, as everywhere: the dead holder's,
            // or one taken for the purpose; a live holder (an execbuf) is waited for.
            if (s.holder != null && !deadHolder) {
                t.reply(c, Outcome.EBUSY, prefix(done) + "waiting for " + s.holder + " to release " + s.name);
                return;
            }
            if (s.holder == null) t.emit(new BufferObject.Reserved(new BufferObject.Holder(OWNER, null, BufferObject.HolderKind.OPERATION)));
            if (s.mapped) {
                CpuAccess.unmapVirtual(t);
                done.add("CPU mappings zapped");
            }
            for (Map.Entry<String, Integer> k : new TreeMap<>(s.kmaps).entrySet()) {
                if (!dead(k.getKey())) continue;
                for (int i = 0; i < k.getValue(); i++) CpuAccess.kunmap(t, k.getKey());
                done.add(k.getValue() + " kmap(s) of " + k.getKey() + " unmapped");
            }
            if (!deadHolder) t.release(false); // the reservation taken for the purpose
        }
        if (deadHolder) {
            done.add("reservation of " + s.holder.owner() + " released");
            t.release();
        }
        t.reply(c, Outcome.OK, done.isEmpty() ? NOTHING : String.join(", ", done));
    }

    /** The owner of the reservation a reclaim takes for itself. */
    static final String OWNER = "reclaim";

    private static String prefix(List<String> done) {
        return done.isEmpty() ? "" : String.join(", ", done) + "; ";
    }

    private static boolean hasDeadKmaps(BoState s) {
        for (String owner : s.kmaps.keySet()) if (dead(owner)) return true;
        return false;
    }

    /** Answers and unqueues every queued request of a gone client; how many. */
    private static int dropDeadWaiters(BoStep t) {
        List<BufferObject.Command> gone = new ArrayList<>();
        for (BufferObject.Command w : t.s.waiters) if (w.replyTo() instanceof Address.Client) gone.add(w);
        for (BufferObject.Command w : gone) {
            t.emit(new BufferObject.Unqueued(w.requestId()));
            t.reply(w, Outcome.ERESTARTSYS, "its client is gone (the run that sent it ended)");
        }
        return gone.size();
    }

    /** Whether {@code owner} belonged to a client (internal owners, execbufs and walks, are named with a ':'). */
    static boolean dead(String owner) {
        return owner.indexOf(':') < 0;
    }
}
