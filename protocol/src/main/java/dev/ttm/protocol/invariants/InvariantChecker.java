package dev.ttm.protocol.invariants;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.IoState;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Resource;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the 13 invariants of DESIGN.md §3 after every delivered message. Transition invariants (INV-1, 2, 6,
 * 9, the call half of 8) are checked on each event against the state before it; state invariants against the
 * whole device, with the messages still in flight taken into account (a BO whose Free is on its way is not
 * leaking). Liveness (INV-12) is judged at quiescence. A state violation is reported when it appears, not
 * again while it persists.
 */
public final class InvariantChecker implements SimListener {
    private final List<Violation> found = new ArrayList<>();
    private final Set<String> active = new HashSet<>();
    private final Set<String> activeAtQuiescence = new HashSet<>();
    private int drained;

    public List<Violation> all() {
        return List.copyOf(found);
    }

    /** The violations found since the previous call. */
    public List<Violation> drain() {
        List<Violation> out = List.copyOf(found.subList(drained, found.size()));
        drained = found.size();
        return out;
    }

    // ---- transitions -----------------------------------------------------------------------------------
    @Override
    public void beforeApply(Simulator sim, Address entity, Event event) {
        long step = sim.delivered();
        if (entity instanceof Address.Bo b && event instanceof BufferObject.BoEvent e) {
            BoState bo = sim.bo(b.name());
            String n = "bo " + bo.name();
            if (e.guarded() && (bo.holder() == null || unlocked(e)))
                report(Invariant.RESERVATION, n, step, event + " while " + bo.name() + " is not reserved by the acting operation");
            if (event instanceof BufferObject.Moved m) {
                if (bo.pinCount() > 0)
                    report(Invariant.PINNED_STAYS, n, step, "pinned (pinCount " + bo.pinCount() + ") BO moved " + m.from() + " -> " + m.to());
                if (bo.mapped() || bo.kmapCount() > 0)
                    report(Invariant.UNMAP_BEFORE_MOVE, n, step, "moved " + m.from() + " -> " + m.to() + " with "
                            + (bo.mapped() ? "a user mapping" : bo.kmapCount() + " kmap(s)") + " still in place");
                if (m.to() != null && bo.ioRefs() > 0)
                    report(Invariant.FRESH_RESOURCE, n, step, "new resource " + m.to() + " starts with " + bo.ioRefs() + " IO reference(s)");
            }
            if (event instanceof BufferObject.PinChanged p && p.pinCount() < 0)
                report(Invariant.PIN_COUNT, n, step, "pinCount would become " + p.pinCount());
        } else if (entity instanceof Address.Io) {
            IoState io = sim.io();
            if (event instanceof IoManager.FreeCalled f && !f.outstanding())
                report(Invariant.IO_BALANCE, "bo " + f.bo() + ", io", step, "io_mem_free called for " + f.bo() + " which holds no IO reservation");
            if (event instanceof IoManager.ReserveCalled r && io.isReserved(r.bo()))
                report(Invariant.IO_BALANCE, "bo " + r.bo() + ", io", step, "io_mem_reserve called again for " + r.bo() + " while it is reserved");
        }
    }

    /** The v3-atomic driver's kmap bookkeeping, done outside the BO reservation. */
    private static boolean unlocked(BufferObject.BoEvent e) {
        return (e instanceof BufferObject.KmapChanged k && k.unlocked()) || (e instanceof BufferObject.IoRefsChanged i && i.unlocked());
    }

    @Override
    public void onClientReply(Simulator sim, long requestId, boolean duplicate) {
        if (duplicate) report(Invariant.LIVENESS, "request " + requestId, sim.delivered(), "request " + requestId + " answered twice");
    }

    private void report(String inv, String entities, long step, String detail) {
        found.add(new Violation(inv, entities, step, detail));
    }

    // ---- state -----------------------------------------------------------------------------------------
    @Override
    public void afterDelivery(Simulator sim, Envelope delivered) {
        checkNow(sim);
    }

    /** Evaluates every state invariant now; new violations are recorded. */
    public void checkNow(Simulator sim) {
        State s = new State(sim);
        s.run();
        active.retainAll(s.seen);
        if (sim.idle()) activeAtQuiescence.retainAll(s.seenAtQuiescence);
    }

    private final class State {
        final Simulator sim;
        final DeviceConfig device;
        final long step;
        final Set<String> seen = new HashSet<>();
        final Set<String> seenAtQuiescence = new HashSet<>();
        boolean quiescentPhase;
        final Set<String> frees = new HashSet<>();
        final Map<String, Resource> grants = new HashMap<>();
        final Map<String, Boolean> lruUpdates = new HashMap<>();

        State(Simulator sim) {
            this.sim = sim;
            this.device = sim.device();
            this.step = sim.delivered();
            List<Envelope> inFlight = new ArrayList<>(sim.inFlightMessages());
            inFlight.sort((a, b) -> Long.compare(a.seq(), b.seq()));
            for (Envelope e : inFlight) {
                if (e.message() instanceof RegionManager.Free f) frees.add(((Address.Region) e.to()).name() + "|" + f.bo() + "|" + f.startPage());
                if (e.message() instanceof RegionManager.Granted g && e.to() instanceof Address.Bo b) grants.put(b.name(), g.resource());
                if (e.message() instanceof RegionManager.LruUpdate u) lruUpdates.put(((Address.Region) e.to()).name() + "|" + u.bo(), u.onLru());
            }
        }

        void violated(String inv, String entities, String detail) {
            String key = inv + "|" + entities;
            if (quiescentPhase) {
                seenAtQuiescence.add(key);
                if (activeAtQuiescence.add(key)) report(inv, entities, step, detail);
            } else {
                seen.add(key);
                if (active.add(key)) report(inv, entities, step, detail);
            }
        }

        void run() {
            for (RegionState r : sim.regions()) {
                capacity(r);
                lru(r);
                allocationsHeld(r);
            }
            for (BoState bo : sim.bos()) {
                if (!bo.created()) continue;
                bo(bo);
            }
            ioBalance(sim.io());
            if (sim.idle()) {
                quiescentPhase = true;
                quiescent();
            }
        }

        void capacity(RegionState r) {
            String n = "region " + r.config().name();
            long size = r.config().sizePages();
            long prevEnd = 0;
            long sum = 0;
            for (RegionManager.Allocation a : r.allocations().values()) {
                long end = a.startPage() + a.pages();
                if (a.startPage() < 0 || end > size) violated(Invariant.CAPACITY, n + ", bo " + a.bo(), "allocation " + a.startPage() + ".." + end + " outside the region's " + size + " pages");
                if (a.startPage() < prevEnd) violated(Invariant.CAPACITY, n + ", bo " + a.bo(), "allocation at " + a.startPage() + " overlaps the previous one ending at " + prevEnd);
                if (a.startPage() < a.fpfn() || end > a.lpfn()) violated(Invariant.RANGE, n + ", bo " + a.bo(), "allocation " + a.startPage() + ".." + end + " outside its place's range " + a.fpfn() + ".." + a.lpfn());
                prevEnd = Math.max(prevEnd, end);
                sum += a.pages();
            }
            if (sum != r.usedPages()) violated(Invariant.CAPACITY, n, "usage " + r.usedPages() + " pages but allocations sum to " + sum);
            if (r.usedPages() > size) violated(Invariant.CAPACITY, n, "usage " + r.usedPages() + " exceeds size " + size);
            if (r.freePages() + r.usedPages() != size) violated(Invariant.CAPACITY, n, "free " + r.freePages() + " + used " + r.usedPages() + " != size " + size);
        }

        void lru(RegionState r) {
            String rn = r.config().name();
            for (String name : r.lruOrder()) {
                BoState bo = sim.bo(name);
                String n = "region " + rn + ", bo " + name;
                if (bo == null || r.allocationsOf(name).isEmpty()) {
                    violated(Invariant.LRU, n, name + " is on the LRU of " + rn + " without an allocation there");
                    continue;
                }
                boolean leaving = lruUpdates.get(rn + "|" + name) == Boolean.FALSE || anyFree(rn, name);
                if (bo.pinCount() > 0 && !leaving) violated(Invariant.LRU, n, "pinned " + name + " is on the LRU of " + rn);
                Resource g = grants.get(name);
                boolean arriving = g != null && g.region().equals(rn);
                if ((bo.resource() == null || !bo.resource().region().equals(rn)) && !anyFree(rn, name) && !arriving)
                    violated(Invariant.LRU, n, name + " is on the LRU of " + rn + " but resident in " + bo.resource());
            }
        }

        boolean anyFree(String region, String bo) {
            String prefix = region + "|" + bo + "|";
            for (String f : frees) if (f.startsWith(prefix)) return true;
            return false;
        }

        void allocationsHeld(RegionState r) {
            String rn = r.config().name();
            for (RegionManager.Allocation a : r.allocations().values()) {
                BoState bo = sim.bo(a.bo());
                Resource res = bo == null ? null : bo.resource();
                boolean held = res != null && res.region().equals(rn) && res.startPage() == a.startPage();
                Resource g = grants.get(a.bo());
                boolean granted = g != null && g.region().equals(rn) && g.startPage() == a.startPage();
                boolean freeing = frees.contains(rn + "|" + a.bo() + "|" + a.startPage());
                if (!held && !granted && !freeing)
                    violated(Invariant.SINGLE_RESIDENCE, "region " + rn + ", bo " + a.bo(), "allocation " + rn + "[" + a.startPage() + "+" + a.pages() + ") is held by no BO (" + a.bo() + " has " + res + ")");
            }
        }

        void bo(BoState bo) {
            String n = "bo " + bo.name();
            Resource res = bo.resource();
            if (bo.pinCount() < 0) violated(Invariant.PIN_COUNT, n, "pinCount " + bo.pinCount());
            if (res != null) {
                RegionState r = sim.region(res.region());
                RegionManager.Allocation a = r == null ? null : r.allocationAt(res.startPage());
                if (a == null || !a.bo().equals(bo.name()) || a.pages() != res.pages())
                    violated(Invariant.SINGLE_RESIDENCE, n + ", region " + res.region(), bo.name() + " holds " + res + " but the region has " + a);
                if (res.startPage() < res.fpfn() || res.endPage() > res.lpfn())
                    violated(Invariant.RANGE, n, res + " outside its place's range " + res.fpfn() + ".." + res.lpfn());
                boolean evictable = bo.pinCount() == 0;
                Boolean pendingLru = lruUpdates.get(res.region() + "|" + bo.name());
                if (r != null && evictable && !r.onLru(bo.name()) && pendingLru != Boolean.TRUE)
                    violated(Invariant.LRU, n + ", region " + res.region(), "resident, unpinned " + bo.name() + " is on no LRU");
            }
            if (bo.mapped() || bo.kmapCount() > 0) {
                String what = bo.mapped() ? "user mapping" : bo.kmapCount() + " kmap(s)";
                if (!device.cpuVisible(res)) violated(Invariant.CPU_VISIBLE, n, what + " of " + res + " which is not entirely CPU-visible");
                else if (!sim.io().isReserved(bo.name())) violated(Invariant.CPU_VISIBLE, n + ", io", what + " of " + res + " without an IO reservation");
            }
            if (bo.destroyed()) {
                if (bo.mapped() || bo.kmapCount() > 0) violated(Invariant.DELETED, n, "destroyed " + bo.name() + " still mapped");
                if (res != null && !bo.busy() && bo.holder() == null) violated(Invariant.DELETED, n, "destroyed, idle " + bo.name() + " still holds " + res);
            }
        }

        void ioBalance(IoState io) {
            long outstanding = io.reserveCalls() - (io.freeCalls() - io.unbalancedFrees());
            if (outstanding != io.reservedCount())
                violated(Invariant.IO_BALANCE, "io", "io_mem_reserve " + io.reserveCalls() + " - io_mem_free " + io.freeCalls()
                        + " (" + io.unbalancedFrees() + " unbalanced) != " + io.reservedCount() + " BOs reserved");
        }

        void quiescent() {
            IoState io = sim.io();
            Set<Long> parked = new LinkedHashSet<>();
            for (BoState bo : sim.bos()) {
                if (!bo.created()) continue;
                parked.addAll(bo.parkedRequests());
                if (bo.op() != null) violated(Invariant.LIVENESS, "bo " + bo.name(), bo.name() + " is stuck in " + bo.op().phase() + " of " + bo.op().cmd());
                boolean reserved = io.isReserved(bo.name());
                IoState.Calls calls = io.callsOf(bo.name());
                if (calls.outstanding() != (reserved ? 1 : 0))
                    violated(Invariant.IO_BALANCE, "bo " + bo.name() + ", io", bo.name() + ": " + calls.reserves() + " io_mem_reserve and "
                            + calls.frees() + " io_mem_free calls, yet " + (reserved ? "reserved" : "not reserved"));
                if ((bo.ioRefs() > 0) != reserved)
                    violated(Invariant.IO_BALANCE, "bo " + bo.name() + ", io", bo.name() + " has " + bo.ioRefs() + " IO reference(s) but the driver "
                            + (reserved ? "holds" : "holds no") + " reservation for it");
            }
            deadlocks();
            for (RegionState r : sim.regions())
                if (r.walk() != null) violated(Invariant.LIVENESS, "region " + r.config().name(), "eviction walk never finished: " + r.walk());
            for (long id : sim.pendingRequests()) {
                if (!parked.contains(id))
                    violated(Invariant.LIVENESS, "request " + id, "request " + id + " has no reply and waits for nothing");
            }
        }

        /**
         * A cycle of ticket holders each queued for a BO that the next one holds never resolves. Wait-die must
         * make it impossible, so one is a model bug. (Owners that reserve without tickets can deadlock by their
         * own ABBA ordering; that is the client's doing and not reported here.)
         */
        void deadlocks() {
            Map<String, Set<String>> waitsFor = new HashMap<>();
            for (BoState bo : sim.bos()) {
                if (!bo.created() || bo.holder() == null || bo.holder().ticket() == null) continue;
                for (BufferObject.Reserve w : bo.ticketedWaiters())
                    if (!w.owner().equals(bo.holder().owner())) waitsFor.computeIfAbsent(w.owner(), k -> new LinkedHashSet<>()).add(bo.holder().owner());
            }
            Set<String> done = new HashSet<>();
            for (String start : waitsFor.keySet()) {
                List<String> cycle = cycleFrom(start, waitsFor, new ArrayList<>(), done);
                if (cycle != null) {
                    violated(Invariant.LIVENESS, "owners " + String.join(",", cycle), "deadlock: " + String.join(" -> ", cycle)
                            + " (each waits for a reservation the next one holds)");
                    return;
                }
            }
        }

        List<String> cycleFrom(String at, Map<String, Set<String>> g, List<String> path, Set<String> done) {
            int i = path.indexOf(at);
            if (i >= 0) {
                List<String> c = new ArrayList<>(path.subList(i, path.size()));
                c.add(at);
                return c;
            }
            if (done.contains(at)) return null;
            path.add(at);
            for (String n : g.getOrDefault(at, Set.of())) {
                List<String> c = cycleFrom(n, g, path, done);
                if (c != null) return c;
            }
            path.remove(path.size() - 1);
            done.add(at);
            return null;
        }

    }
}
