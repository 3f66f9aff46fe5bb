package dev.ttm.protocol.model;

import dev.ttm.protocol.model.BufferObject.Command;
import dev.ttm.protocol.model.BufferObject.Holder;
import dev.ttm.protocol.model.BufferObject.HolderKind;
import dev.ttm.protocol.model.BufferObject.Operation;
import dev.ttm.protocol.model.BufferObject.Reserve;

import java.util.ArrayList;
import java.util.List;

/**
 * The BO's reservation (its dma_resv lock): one holder, the waiters in ww_mutex order, wait-die tickets, and the two
 * queues behind it — {@code waiters} for other callers, {@code deferred} for the holder's own operations while one
 * of its operations runs. Every queue is bounded by {@link BufferObject#MAX_QUEUE}.
 *
 * <p>Wait-die is Linux's (kernel/locking/ww_mutex.h, the wait-die class dma_resv uses): a ticket that must wait dies
 * (EDEADLK) only if it already holds another reservation ({@code ww_ctx->acquired > 0}, here
 * {@link Reserve#acquired()}) and is younger than the holder or than a ticketed waiter ahead of it; ticketed waiters
 * are kept in ticket order, ticketless ones where they arrived. A death here is the waiter being woken and dying at
 * once: it is answered and leaves the queue in the same decision.
 */
final class ReservationQueue {
    private ReservationQueue() {}

    static void reserve(BoStep t, Reserve r) {
        BoState s = t.s;
        Holder h = s.holder;
        if (r.nowait() && r.ticket() != null) {
            t.reply(r, Outcome.EBUSY, "nowait together with a ticket is refused");
        } else if (h == null) {
            t.emit(new BufferObject.Reserved(new Holder(r.owner(), r.ticket(), HolderKind.EXPLICIT)));
            t.reply(r, Outcome.OK, "reserved by " + r.owner());
            if (r.ticket() != null) dieYoungerWaiters(t, r.ticket());
        } else if (h.kind() == HolderKind.EXPLICIT && h.owner().equals(r.owner())) {
            t.reply(r, Outcome.EALREADY, r.owner() + " already holds " + s.name);
        } else if (r.ticket() != null && r.ticket().equals(h.ticket())) {
            t.reply(r, Outcome.EALREADY, "ticket " + r.ticket() + " already holds " + s.name);
        } else if (r.nowait()) {
            t.reply(r, Outcome.EBUSY, s.name + " is reserved by " + h);
        } else if (r.ticket() == null) {
            enqueue(t, r, false);
        } else {
            waitWithTicket(t, r);
        }
    }

    /**
     * A ticketed reserve that must wait: __ww_mutex_add_waiter, then __ww_mutex_check_kill. Scanning the ticketed
     * waiters from the tail, every younger one is passed (and dies if it holds other reservations: __ww_mutex_die);
     * the first older one stops the scan, and if this ticket holds reservations it dies at once (it would have to
     * die the moment that older waiter got the BO). Otherwise it is queued just before the younger waiters passed
     * (at the tail if none) and dies only if it holds reservations and is younger than the holder.
     */
    private static void waitWithTicket(BoStep t, Reserve r) {
        BoState s = t.s;
        if (s.waiters.size() >= BufferObject.MAX_QUEUE) {
            t.reply(r, Outcome.EBUSY, s.name + ": too many requests queued");
            return;
        }
        long mine = r.ticket();
        List<Command> queue = new ArrayList<>(s.waiters);
        int at = queue.size();
        Reserve olderWaiter = null;
        List<Reserve> dying = new ArrayList<>();
        for (int i = queue.size() - 1; i >= 0; i--) {
            if (!(queue.get(i) instanceof Reserve w) || w.ticket() == null) continue; // ticketless waiters keep their place
            if (w.ticket() <= mine) { // older (or this very ticket): wait behind it
                if (w.ticket() < mine) olderWaiter = w;
                break;
            }
            at = i;
            if (w.acquired() > 0) dying.add(0, w);
        }
        // The dying waiters all stand at or behind position 'at': removing them leaves 'at' where this one belongs.
        for (Reserve w : dying) die(t, w, "older ticket " + mine + " waits for " + s.name);
        Holder h = s.holder;
        if (r.acquired() > 0 && olderWaiter != null) {
            t.reply(r, Outcome.EDEADLK, "ticket " + mine + " holds " + r.acquired() + " reservation(s) and the older ticket "
                    + olderWaiter.ticket() + " already waits for " + s.name + ": back off");
        } else if (r.acquired() > 0 && h.ticket() != null && mine > h.ticket()) {
            t.reply(r, Outcome.EDEADLK, "ticket " + mine + " holds " + r.acquired() + " reservation(s) and is younger than holder "
                    + h + ": back off");
        } else {
            t.emit(new BufferObject.Queued(r, at));
        }
    }

    /**
     * Wait-die when ticket {@code ticket} becomes the holder (__ww_mutex_check_waiters): every younger ticket queued
     * for the BO that holds other reservations dies with EDEADLK; one that holds nothing keeps waiting.
     */
    private static void dieYoungerWaiters(BoStep t, long ticket) {
        for (Command c : new ArrayList<>(t.s.waiters)) {
            if (c instanceof Reserve w && w.ticket() != null && w.ticket() > ticket && w.acquired() > 0)
                die(t, w, "the older ticket " + ticket + " holds " + t.s.name);
        }
    }

    /** A queued ticketed reserve dies: it leaves the queue, answered EDEADLK. */
    private static void die(BoStep t, Reserve w, String why) {
        t.emit(new BufferObject.Unqueued(w.requestId()));
        t.reply(w, Outcome.EDEADLK, "ticket " + w.ticket() + " holds " + w.acquired() + " reservation(s) and " + why + ": back off");
    }

    /** Runs an operation under the caller's reservation, under a reservation of its own, or queues it. */
    static void admit(BoStep t, Operation c) {
        BoState s = t.s;
        String owner = c.owner();
        if (c instanceof BufferObject.Fault && s.holder != null) {
            t.reply(c, Outcome.RETRY, "reserved by " + s.holder + ": a fault never waits");
        } else if (s.heldBy(owner)) {
            if (s.op != null) enqueue(t, c, true);
            else t.start(c, false);
        } else if (c instanceof BufferObject.Unreserve) {
            t.reply(c, Outcome.EPERM, s.holder == null ? s.name + " is not reserved" : s.name + " is reserved by " + s.holder + ", not " + owner);
        } else if (c instanceof BufferObject.Kmap && s.pinCount == 0) {
            t.reply(c, Outcome.EPERM, "kmap needs " + owner + " to hold the reservation or the BO to be pinned");
        } else if (c instanceof BufferObject.Kunmap && s.kmapsOf(owner) == 0) {
            t.reply(c, Outcome.EINVAL, owner + " has no kmap of " + s.name);
        } else if (t.device.driver() == Driver.V3_ATOMIC && (c instanceof BufferObject.Kmap || c instanceof BufferObject.Kunmap) && s.looseOp == null) {
            CpuAccess.looseKmap(t, c);
        } else if (s.holder != null) {
            if (c instanceof BufferObject.Validate v && v.nowait()) t.reply(c, Outcome.EBUSY, "reserved by " + s.holder + " (nowait)");
            else enqueue(t, c, false);
        } else {
            t.start(c, true);
        }
    }

    static void enqueue(BoStep t, Command c, boolean sameOwner) {
        BoState s = t.s;
        if ((sameOwner ? s.deferred : s.waiters).size() >= BufferObject.MAX_QUEUE) {
            t.reply(c, Outcome.EBUSY, s.name + ": too many requests queued");
        } else {
            t.emit(sameOwner ? new BufferObject.Deferred(c) : new BufferObject.Queued(c, s.waiters.size()));
        }
    }

    static void unreserve(BoStep t, BufferObject.Unreserve u) {
        int mine = t.s.kmapsOf(u.owner());
        if (mine > 0) {
            t.finish(Outcome.EBUSY, u.owner() + " still has " + mine + " kmap(s) of " + t.s.name);
            return;
        }
        t.emit(new BufferObject.OpChanged(null));
        t.reply(u, Outcome.OK, "");
        t.release();
    }

    /** Runs what waited while the BO is idle: the holder's own operations first, else the next waiter. */
    static void drain(BoStep t) {
        BoState s = t.s;
        while (s.op == null) {
            if (s.holder != null && s.holder.kind() == HolderKind.EXPLICIT) adoptOwnWaiters(t);
            if (!s.deferred.isEmpty()) {
                // The owner's own operations come first, also when its Unreserve has just released the BO.
                Command c = s.deferred.peekFirst();
                t.emit(new BufferObject.Undeferred());
                c.dispatchTo(t);
            } else if (s.holder == null && !s.waiters.isEmpty()) {
                Command c = s.waiters.peekFirst();
                t.emit(new BufferObject.Dequeued());
                c.dispatchTo(t);
            } else {
                return;
            }
        }
    }

    /** Operations the new holder queued before it got the BO now run under its reservation, in their order. */
    private static void adoptOwnWaiters(BoStep t) {
        String owner = t.s.holder.owner();
        for (Command c : new ArrayList<>(t.s.waiters)) {
            if (owner.equals(c.owner())) t.emit(new BufferObject.Adopted(c.requestId(), c.owner()));
        }
    }
}
