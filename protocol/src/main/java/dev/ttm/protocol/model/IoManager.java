package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The driver's side of CPU access: {@code io_mem_reserve} / {@code io_mem_free} (counted per BO and in total,
 * so that balance can be checked), the fault hook, and for the {@code io-lru} driver an aperture with its
 * own LRU of mappings (nouveau's BAR manager). It never decides for a BO; BOs ask and it answers.
 */
public final class IoManager implements Entity {
    // ---- messages ------------------------------------------------------------------------------
    /** {@code aperturePages}: how much of the io-lru aperture the mapping needs (0: none, e.g. TT or SYSTEM). */
    public record IoReserve(String bo, long aperturePages, boolean pinned, long requestId) implements Message {}
    public record IoReserved(long requestId) implements Message {}
    public record IoFailed(String error, long requestId) implements Message {}
    /** The driver's io_mem_free. A free of a BO that holds no reservation is an unbalanced call (INV-8). */
    public record IoFree(String bo) implements Message {}
    /** Put the BO's mapping at the tail of the IO LRU, or take it off (pinned mappings are on none). */
    public record IoLruUpdate(String bo, boolean onLru) implements Message {}
    /** The driver's fault hook (the seed's fault_reserve_notify), called on every fault. */
    public record FaultNotify(String bo, long requestId) implements Message {}
    public record HookDone(String error, long requestId) implements Message {}
    /** A victim's answer to {@link BufferObject.IoEvict}. */
    public record IoEvictDone(String bo, boolean evicted) implements Message {}

    // ---- events --------------------------------------------------------------------------------
    public record ReserveCalled(String bo, long aperturePage, long pages, boolean onLru) implements Event {}
    public record ReserveFailed(String bo, String error) implements Event {}
    public record FreeCalled(String bo, boolean outstanding) implements Event {}
    public record LruTouched(String bo, boolean onLru) implements Event {}
    public record Walk(Address requester, IoReserve request, List<String> candidates, int next, String victim) {}
    public record WalkChanged(Walk walk) implements Event {}
    public record Deferred(Address from, Message message) implements Event {}
    public record Resumed() implements Event {}
    public record InjectionUsed(int index) implements Event {}

    private record Pending(Address from, Message message) {}

    // ---- state ---------------------------------------------------------------------------------
    private final Driver driver;
    private final RangeAllocator aperture;
    private final Injections injections;
    private final Map<String, long[]> reserved = new LinkedHashMap<>();
    private final LinkedHashSet<String> lru = new LinkedHashSet<>();
    private final Map<String, long[]> callsPerBo = new HashMap<>();
    private final ArrayDeque<Pending> deferred = new ArrayDeque<>();
    private long reserveCalls;
    private long freeCalls;
    private long unbalancedFrees;
    private long failedReserves;
    private Walk walk;

    public IoManager(Driver driver, long aperturePages, List<Injection> injections) {
        this.driver = driver;
        this.aperture = driver == Driver.IO_LRU && aperturePages > 0 ? new RangeAllocator(aperturePages) : null;
        this.injections = new Injections(injections);
    }

    @Override
    public Address address() {
        return Address.IO;
    }

    public Driver driver() { return driver; }
    public long reserveCalls() { return reserveCalls; }
    public long freeCalls() { return freeCalls; }
    public long unbalancedFrees() { return unbalancedFrees; }
    public long failedReserves() { return failedReserves; }
    public boolean isReserved(String bo) { return reserved.containsKey(bo); }
    public Map<String, long[]> reservations() { return Collections.unmodifiableMap(reserved); }
    public List<String> lruOrder() { return new ArrayList<>(lru); }
    public RangeAllocator aperture() { return aperture; }
    public Walk walk() { return walk; }

    /** {reserve calls, free calls} of one BO since the start. */
    public long[] callsOf(String bo) {
        long[] c = callsPerBo.get(bo);
        return c == null ? new long[2] : c.clone();
    }

    // ---- handle --------------------------------------------------------------------------------
    @Override
    public void handle(Address from, Message message, Ctx ctx) {
        if (message instanceof IoFree f) {
            ctx.emit(new FreeCalled(f.bo(), reserved.containsKey(f.bo())));
        } else if (message instanceof IoLruUpdate u) {
            if (reserved.containsKey(u.bo()) && aperture != null) ctx.emit(new LruTouched(u.bo(), u.onLru()));
        } else if (message instanceof FaultNotify n) {
            onFaultNotify(from, n, ctx);
        } else if (message instanceof IoEvictDone d) {
            onEvictDone(d, ctx);
        } else if (message instanceof IoReserve r) {
            if (walk != null) {
                ctx.emit(new Deferred(from, r));
            } else {
                onReserve(from, r, ctx);
            }
        } else {
            throw new IllegalArgumentException("io: unexpected " + message);
        }
    }

    private void onFaultNotify(Address from, FaultNotify n, Ctx ctx) {
        int inj = injections.next(Injection.Kind.FAULT_NOTIFY);
        String error = null;
        if (inj >= 0) {
            ctx.emit(new InjectionUsed(inj));
            error = injections.get(inj).errorName();
        }
        ctx.send(from, new HookDone(error, n.requestId()));
    }

    private void onReserve(Address from, IoReserve r, Ctx ctx) {
        int inj = injections.next(Injection.Kind.IO_RESERVE);
        if (inj >= 0) {
            ctx.emit(new InjectionUsed(inj));
            fail(from, r, injections.get(inj).errorName(), ctx);
            return;
        }
        if (aperture == null || r.aperturePages() == 0) {
            ctx.emit(new ReserveCalled(r.bo(), -1, 0, false));
            ctx.send(from, new IoReserved(r.requestId()));
            return;
        }
        if (tryAperture(from, r, ctx)) return;
        List<String> candidates = new ArrayList<>();
        for (String bo : lru) if (!bo.equals(r.bo())) candidates.add(bo);
        ctx.emit(new WalkChanged(new Walk(from, r, List.copyOf(candidates), 0, null)));
        continueWalk(ctx);
    }

    private boolean tryAperture(Address from, IoReserve r, Ctx ctx) {
        long start = aperture.findFit(r.aperturePages(), 0, aperture.sizePages(), false);
        if (start < 0) return false;
        ctx.emit(new ReserveCalled(r.bo(), start, r.aperturePages(), !r.pinned()));
        ctx.send(from, new IoReserved(r.requestId()));
        return true;
    }

    private void fail(Address from, IoReserve r, String error, Ctx ctx) {
        ctx.emit(new ReserveFailed(r.bo(), error));
        ctx.send(from, new IoFailed(error, r.requestId()));
    }

    /** io-lru: evict the least recently used mapping of another BO until the request fits. */
    private void continueWalk(Ctx ctx) {
        Walk w = walk;
        if (tryAperture(w.requester(), w.request(), ctx)) {
            endWalk(ctx);
            return;
        }
        int next = w.next();
        while (next < w.candidates().size()) {
            String victim = w.candidates().get(next++);
            if (!lru.contains(victim)) continue;
            ctx.emit(new WalkChanged(new Walk(w.requester(), w.request(), w.candidates(), next, victim)));
            ctx.send(new Address.Bo(victim), new BufferObject.IoEvict());
            return;
        }
        fail(w.requester(), w.request(), "ENOSPC", ctx);
        endWalk(ctx);
    }

    private void endWalk(Ctx ctx) {
        ctx.emit(new WalkChanged(null));
        while (walk == null && !deferred.isEmpty()) {
            Pending p = deferred.peekFirst();
            ctx.emit(new Resumed());
            onReserve(p.from(), (IoReserve) p.message(), ctx);
        }
    }

    private void onEvictDone(IoEvictDone d, Ctx ctx) {
        if (walk == null || !d.bo().equals(walk.victim()))
            throw new IllegalStateException("io: unexpected eviction answer " + d);
        if (d.evicted()) ctx.emit(new FreeCalled(d.bo(), reserved.containsKey(d.bo())));
        Walk w = walk;
        ctx.emit(new WalkChanged(new Walk(w.requester(), w.request(), w.candidates(), w.next(), null)));
        continueWalk(ctx);
    }

    // ---- apply ---------------------------------------------------------------------------------
    @Override
    public void apply(Event event) {
        if (event instanceof ReserveCalled r) {
            reserveCalls++;
            callsPerBo.computeIfAbsent(r.bo(), k -> new long[2])[0]++;
            if (aperture != null && r.aperturePage() >= 0) aperture.allocate(r.aperturePage(), r.pages());
            reserved.put(r.bo(), new long[] {r.aperturePage(), r.pages()});
            if (r.onLru()) lru.add(r.bo());
        } else if (event instanceof FreeCalled f) {
            freeCalls++;
            callsPerBo.computeIfAbsent(f.bo(), k -> new long[2])[1]++;
            long[] range = reserved.remove(f.bo());
            lru.remove(f.bo());
            if (range == null) {
                unbalancedFrees++;
            } else if (aperture != null && range[0] >= 0) {
                aperture.free(range[0], range[1]);
            }
        } else if (event instanceof ReserveFailed) {
            failedReserves++;
        } else if (event instanceof LruTouched t) {
            lru.remove(t.bo());
            if (t.onLru()) lru.add(t.bo());
        } else if (event instanceof WalkChanged w) {
            walk = w.walk();
        } else if (event instanceof Deferred d) {
            deferred.addLast(new Pending(d.from(), d.message()));
        } else if (event instanceof Resumed) {
            deferred.removeFirst();
        } else if (event instanceof InjectionUsed i) {
            injections.consume(i.index());
        } else {
            throw new IllegalArgumentException("io: unknown event " + event);
        }
    }
}
