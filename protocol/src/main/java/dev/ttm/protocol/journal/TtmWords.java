package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.EvictionWalk;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.FenceSignaled;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;

import java.util.ArrayList;
import java.util.List;

/**
 * Journal entries in TTM's words, for people debugging a memory manager ({@code ttm replay --why}, the HTML page):
 * {@code kmap by a}, {@code io_mem_free(A) with no IO reservation outstanding}, {@code evicted VRAM[0..16) -> TT[0..16)}.
 * Bookkeeping events (the running operation's phase, LRU bumps) have no words: they say nothing a reader needs.
 * A message or event this class does not know is shown by its type, so a new one never breaks a report.
 */
public final class TtmWords {
    private TtmWords() {}

    /** What the entry's input asks for. */
    public static String input(Message m) {
        if (m instanceof BufferObject.Command c) return command(c);
        if (m instanceof BufferObject.Evict e) return "eviction by " + e.region() + "'s walk" + (e.lockedBy() == null ? " (try-lock)" : " (locked by " + e.lockedBy() + ")");
        if (m instanceof BufferObject.EvictUnlock u) return "eviction unlock for " + u.owner();
        if (m instanceof BufferObject.IoEvict) return "IO aperture eviction";
        if (m instanceof RegionManager.Granted g) return g.resource().region() + " granted " + g.resource() + (g.moveFence().isEmpty() ? "" : " behind a move fence");
        if (m instanceof RegionManager.Refused r) return "allocation refused: " + r.outcome() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")");
        if (m instanceof RegionManager.Populated p) return "pages populated: " + p.outcome();
        if (m instanceof IoManager.IoReserved) return "io_mem_reserve done";
        if (m instanceof IoManager.IoFailed f) return "io_mem_reserve failed: " + f.error();
        if (m instanceof IoManager.HookDone h) return "fault hook done" + (h.error() == null ? "" : ": " + h.error());
        if (m instanceof FenceSignaled f) return "fence " + f.seq() + " of " + f.bo() + " signalled";
        if (m instanceof Reply r) return "reply " + r.outcome();
        if (m instanceof IoManager.IoReserve r) return "io_mem_reserve(" + r.bo() + ")" + (r.pinned() ? " for a pinned BO" : "");
        if (m instanceof IoManager.IoFree f) return "io_mem_free(" + f.bo() + ")";
        if (m instanceof IoManager.IoLruUpdate u) return "IO LRU update for " + u.bo();
        if (m instanceof IoManager.FaultNotify n) return "fault_reserve_notify(" + n.bo() + ")";
        if (m instanceof IoManager.IoEvictDone d) return d.bo() + (d.evicted() ? " gave up its IO reservation" : " kept its IO reservation");
        if (m instanceof RegionManager.Alloc a) return "allocate " + a.pages() + " pages for " + a.bo() + " in " + a.place() + " (pass " + a.pass() + (a.nowait() ? ", nowait" : "") + ")";
        if (m instanceof RegionManager.EvictAll) return "evict all";
        if (m instanceof RegionManager.Free f) return "free " + f.bo() + "'s pages [" + f.startPage() + ".." + (f.startPage() + f.pages()) + ")" + (f.ghost() == null ? "" : " into ghost " + f.ghost());
        if (m instanceof RegionManager.LruUpdate u) return "LRU update for " + u.bo();
        if (m instanceof RegionManager.VictimDone v) return "victim " + v.bo() + (v.evicted() ? " evicted" : " not evicted") + (v.reason() == null || v.reason().isEmpty() ? "" : " (" + v.reason() + ")");
        if (m instanceof RegionManager.Populate p) return "populate " + p.bo() + "'s pages";
        if (m instanceof RegionManager.Inject || m instanceof IoManager.Inject) return "injected fault armed";
        if (m instanceof Execbuf.Submit s) return "execbuf of " + s.entries().size() + " BO(s) with ticket " + s.ticket() + (s.fence() ? ", fenced" : "");
        return m.getClass().getSimpleName();
    }

    private static String command(BufferObject.Command c) {
        if (c instanceof BufferObject.Create x) return "create (" + x.sizePages() + " pages" + (x.placement() == null ? ", in SYSTEM" : " in " + x.placement()) + ")";
        if (c instanceof BufferObject.Reserve x) return "reserve by " + x.owner() + (x.ticket() == null ? "" : " with ticket " + x.ticket()) + (x.nowait() ? " (nowait)" : "");
        if (c instanceof BufferObject.Unreserve x) return "unreserve by " + x.owner();
        if (c instanceof BufferObject.Validate x) return "validate to " + x.placement() + by(x.owner()) + (x.nowait() ? " (nowait)" : "");
        if (c instanceof BufferObject.Fault x) return "CPU fault on page " + x.page();
        if (c instanceof BufferObject.Kmap x) return "kmap" + by(x.owner());
        if (c instanceof BufferObject.Kunmap x) return "kunmap" + by(x.owner());
        if (c instanceof BufferObject.Pin x) return "pin" + (x.placement() == null ? "" : " to " + x.placement()) + by(x.owner());
        if (c instanceof BufferObject.Unpin x) return "unpin" + by(x.owner());
        if (c instanceof BufferObject.Unmap x) return "unmap_virtual" + by(x.owner());
        if (c instanceof BufferObject.Fence x) return "fence (GPU work submitted)" + by(x.owner());
        if (c instanceof BufferObject.Signal) return "signal (GPU work done)";
        if (c instanceof BufferObject.Destroy x) return "destroy" + by(x.owner());
        return c.getClass().getSimpleName();
    }

    private static String by(String owner) {
        return owner == null ? "" : " by " + owner;
    }

    /** The event in words, or null for bookkeeping that a reader need not see. */
    public static String event(Event e) {
        if (e instanceof BufferObject.BoEvent b) return bo(b);
        if (e instanceof IoManager.ReserveCalled r) return "io_mem_reserve(" + r.bo() + ") called";
        if (e instanceof IoManager.ReserveFailed r) return "io_mem_reserve(" + r.bo() + ") failed: " + r.error();
        if (e instanceof IoManager.FreeCalled f) return "io_mem_free(" + f.bo() + ") called" + (f.outstanding() ? "" : " with no IO reservation outstanding");
        if (e instanceof RegionManager.Allocated a)
            return "allocated " + a.allocation().bo() + " pages [" + a.allocation().startPage() + ".." + a.allocation().endPage() + ")" + (a.moveFence().isEmpty() ? "" : " behind the region's move fence");
        if (e instanceof RegionManager.Freed f) return "freed " + f.bo() + "'s pages [" + f.startPage() + ".." + (f.startPage() + f.pages()) + ")";
        if (e instanceof RegionManager.Ghosted g) return g.bo() + "'s pages from " + g.startPage() + " pass to " + g.ghost() + " until its fences signal";
        if (e instanceof RegionManager.MoveFenceAdded) return "busy victim's fences become the region's move fence";
        if (e instanceof RegionManager.Parked p) return "walk waits for " + p.ghost() + "'s fences";
        if (e instanceof EvictionWalk.Began) return "eviction walk began";
        if (e instanceof EvictionWalk.Asked a) return "asked " + a.victim() + " to leave";
        if (e instanceof EvictionWalk.Answered a) return a.evicted() ? "victim evicted" : "victim not evicted" + (a.busy() ? " (busy)" : "");
        if (e instanceof EvictionWalk.Ended) return "eviction walk ended";
        if (e instanceof RegionManager.InjectionUsed || e instanceof IoManager.InjectionUsed) return "injected fault used";
        if (e instanceof RegionManager.InjectionArmed || e instanceof IoManager.InjectionArmed) return "injected fault armed";
        if (e instanceof Execbuf.Reserving r) return "reserving " + r.bo();
        if (e instanceof Execbuf.Held h) return "holds " + h.bo();
        if (e instanceof Execbuf.BackedOff b) return "backed off (EDEADLK on " + b.contended() + ")";
        if (e instanceof Execbuf.AllReleased) return "released all";
        if (e instanceof Execbuf.Decided d) return "decided " + d.outcome();
        return null;
    }

    private static String bo(BufferObject.BoEvent e) {
        if (e instanceof BufferObject.Created) return "created";
        if (e instanceof BufferObject.Reserved r) return "reserved by " + r.holder();
        if (e instanceof BufferObject.Released) return "reservation released";
        if (e instanceof BufferObject.Queued) return "waits for the reservation";
        if (e instanceof BufferObject.Moved m) return moved(m);
        if (e instanceof BufferObject.PinChanged p) return "pin count " + p.pinCount();
        if (e instanceof BufferObject.Mapped) return "mapped into user space";
        if (e instanceof BufferObject.Zapped) return "user mappings zapped";
        if (e instanceof BufferObject.KmapChanged k) return "kmaps of " + k.owner() + " now " + k.count() + (k.unlocked() ? " (outside the BO reservation)" : "");
        if (e instanceof BufferObject.IoRefsChanged r) return "IO references now " + r.ioRefs() + (r.unlocked() ? " (outside the BO reservation)" : "");
        if (e instanceof BufferObject.Fenced) return "fenced: busy";
        if (e instanceof BufferObject.Signaled) return "fences signalled: idle";
        if (e instanceof BufferObject.MoveFenceCleared) return "move fence signalled";
        if (e instanceof BufferObject.DestroyMarked) return "destroyed (freed once idle)";
        if (e instanceof BufferObject.Warned w) return "warning: " + w.why();
        return null;
    }

    private static String moved(BufferObject.Moved m) {
        String from = m.from() == null ? "none" : m.from().toString();
        String what = m.to() == null ? "purged " + from : (m.eviction() ? "evicted " : "moved ") + from + " -> " + m.to();
        if (m.ghost() != null) what += ", old pages held by " + m.ghost();
        if (!m.moveFence().isEmpty()) what += ", pipelined behind a move fence";
        return what;
    }

    /** The events in words, bookkeeping left out, joined by "; ". */
    public static String events(List<? extends Event> events) {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            String w = event(e);
            if (w != null && (out.isEmpty() || !out.get(out.size() - 1).equals(w))) out.add(w);
        }
        return String.join("; ", out);
    }

    /** What a decision sent, in words: {@code sent io_mem_reserve(P) to io}, {@code answered OK}. */
    public static String sends(List<Decision.Send> sends) {
        List<String> out = new ArrayList<>();
        for (Decision.Send s : sends) {
            if (s.message() instanceof Reply r && s.to() instanceof Address.Client) out.add("answered " + r.outcome());
            else if (interesting(s.message())) out.add("sent " + input(s.message()) + " to " + s.to());
        }
        return String.join("; ", out);
    }

    /** Messages worth naming in a narrative: LRU bumps and self-messages are not. */
    public static boolean interesting(Message m) {
        return !(m instanceof RegionManager.LruUpdate || m instanceof IoManager.IoLruUpdate || m instanceof RegionManager.Resume || m instanceof IoManager.Resume);
    }

    /** The BOs a message or an event names (besides the entity it is for): how a region's or io's entry touches a BO. */
    public static List<String> bosNamed(Object o) {
        if (o instanceof IoManager.IoReserve r) return List.of(r.bo());
        if (o instanceof IoManager.IoFree f) return List.of(f.bo());
        if (o instanceof IoManager.FaultNotify n) return List.of(n.bo());
        if (o instanceof IoManager.IoEvictDone d) return List.of(d.bo());
        if (o instanceof IoManager.ReserveCalled r) return List.of(r.bo());
        if (o instanceof IoManager.ReserveFailed r) return List.of(r.bo());
        if (o instanceof IoManager.FreeCalled f) return List.of(f.bo());
        if (o instanceof RegionManager.Alloc a) return List.of(a.bo());
        if (o instanceof RegionManager.Free f) return List.of(f.bo());
        if (o instanceof RegionManager.VictimDone v) return List.of(v.bo());
        if (o instanceof RegionManager.Populate p) return List.of(p.bo());
        if (o instanceof RegionManager.Allocated a) return List.of(a.allocation().bo());
        if (o instanceof RegionManager.Freed f) return List.of(f.bo());
        if (o instanceof RegionManager.Ghosted g) return List.of(g.bo());
        if (o instanceof EvictionWalk.Asked a) return List.of(a.victim());
        if (o instanceof FenceSignaled f) return List.of(f.bo());
        if (o instanceof Execbuf.Reserving r) return List.of(r.bo());
        if (o instanceof Execbuf.Held h) return List.of(h.bo());
        return List.of();
    }
}
