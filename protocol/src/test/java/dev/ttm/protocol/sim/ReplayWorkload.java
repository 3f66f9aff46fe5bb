package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Injection;
import dev.ttm.protocol.model.KernelError;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.WalkMode;
import dev.ttm.protocol.model.RegionManager;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A compact random workload for the replay tests: a small device under memory pressure (any of the three drivers,
 * sometimes a purging region, a small io-lru aperture, injected faults), a few BOs and a stream of random requests
 * from a few owners in overlapping batches: create, reserve (with and without tickets, nowait), unreserve, validate,
 * fault, kmap, kunmap, pin, unpin, unmap, fence, signal, destroy, execbuf, evict-all and fault injections, with random
 * placements. Unlike {@link RandomizedModelTest} it keeps no lock discipline and checks no reply: clients may deadlock
 * themselves, requests may stay parked; all that matters here is the events the entities go through.
 *
 * <p>The seed's two lowest bits pick the driver (0 simple, 1 io-lru, 2 and 3 v3-atomic).
 */
final class ReplayWorkload {
    static final String[] OWNERS = {"A", "B", "C"};
    static final int MAX_BOS = 8;
    static final long MAX_STEPS = 200_000;

    final long seed;
    final SplittableRandom rnd;
    final Driver driver;
    final DeviceConfig device;
    final Simulator sim;
    final List<String> regions = new ArrayList<>();
    final List<String> bos = new ArrayList<>();
    /** What the model threw, if it did (the run stops there; what was applied before still counts). */
    Throwable thrown;

    ReplayWorkload(long seed) {
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.driver = switch ((int) (seed & 3)) {
            case 0 -> Driver.SIMPLE;
            case 1 -> Driver.IO_LRU;
            default -> Driver.V3_ATOMIC;
        };
        this.device = buildDevice();
        this.sim = new Simulator(device);
    }

    /** The seed of run {@code i}: drawn from {@code seeds}, its low bits cycling over the drivers. */
    static long runSeed(SplittableRandom seeds, int i) {
        return (seeds.nextLong() & ~3L) | (i % 3);
    }

    private DeviceConfig buildDevice() {
        long vram = pick(16L, 24L, 32L);
        long visible = vram / pick(2L, 4L);
        long tt = pick(8L, 12L, 16L);
        List<RegionConfig> rs = new ArrayList<>();
        rs.add(new RegionConfig("VRAM", vram, visible, false, List.of("TT", RegionConfig.SYSTEM), false));
        rs.add(new RegionConfig("TT", tt, 0, true, List.of(RegionConfig.SYSTEM), false));
        regions.add("VRAM");
        regions.add("TT");
        if (rnd.nextInt(3) == 0) {
            rs.add(new RegionConfig("PRIV", 8, 0, false, List.of(), true));
            regions.add("PRIV");
        }
        long aperture = driver == Driver.IO_LRU && rnd.nextBoolean() ? 4 + rnd.nextInt(8) : 0;
        List<Injection> injections = new ArrayList<>();
        if (rnd.nextInt(3) == 0) injections.add(randomInjection());
        // Every eviction walk and multihop: their events (ticketed victim locks, hops, ghosts) must fold too.
        WalkMode walk = WalkMode.values()[rnd.nextInt(WalkMode.values().length)];
        return new DeviceConfig(4096, driver, aperture, rs, injections, walk, rnd.nextInt(3) == 0);
    }

    private Injection randomInjection() {
        int count = rnd.nextInt(6) == 0 ? -1 : 1 + rnd.nextInt(3);
        return switch (rnd.nextInt(4)) {
            case 0 -> new Injection(pick("VRAM", "TT", RegionConfig.SYSTEM), Injection.Kind.ALLOC_NOSPACE, null, count);
            case 1 -> new Injection(pick("VRAM", "TT"), Injection.Kind.ALLOC_BUSY, null, count);
            case 2 -> new Injection(Injection.DRIVER, Injection.Kind.IO_RESERVE, pick(KernelError.EBUSY, KernelError.ENOSPC, KernelError.EIO), count);
            default -> new Injection(Injection.DRIVER, Injection.Kind.FAULT_NOTIFY, pick(KernelError.EBUSY, KernelError.ERESTARTSYS, KernelError.EIO), count);
        };
    }

    @SafeVarargs
    private <T> T pick(T... xs) {
        return xs[rnd.nextInt(xs.length)];
    }

    private Placement placement() {
        if (rnd.nextInt(15) == 0) return Placement.NONE;
        int n = 1 + rnd.nextInt(3);
        List<Place> places = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String region = rnd.nextInt(10) < 8 ? pick(regions.toArray(new String[0])) : RegionConfig.SYSTEM;
            int flag = rnd.nextInt(8);
            long fpfn = 0;
            long lpfn = 0;
            if (rnd.nextInt(5) == 0) {
                fpfn = rnd.nextInt(4);
                lpfn = fpfn + 1 + rnd.nextInt(12);
            }
            places.add(new Place(region, fpfn, lpfn, region.equals("VRAM") && rnd.nextInt(3) == 0, flag == 0, flag == 1, rnd.nextInt(4) == 0));
        }
        return new Placement(places);
    }

    private Address.Client client(String owner) {
        return new Address.Client(owner == null ? "plain" : owner);
    }

    private String owner() {
        return OWNERS[rnd.nextInt(OWNERS.length)];
    }

    private String ownerOrNull() {
        return rnd.nextInt(3) == 0 ? null : owner();
    }

    /** The owner that holds {@code bo} explicitly (mostly), else a random one. */
    private String holderOr(String bo) {
        BoState s = sim.bo(bo);
        BufferObject.Holder h = s == null ? null : s.holder();
        if (h != null && h.kind() == BufferObject.HolderKind.EXPLICIT && !h.owner().contains(":") && rnd.nextInt(4) != 0) return h.owner();
        return owner();
    }

    /** How many BOs a holder with ticket {@code t} has reserved now. */
    private int ticketHolds(Long t) {
        if (t == null) return 0;
        int n = 0;
        for (String b : bos) {
            BoState s = sim.bo(b);
            if (s != null && s.holder() != null && t.equals(s.holder().ticket())) n++;
        }
        return n;
    }

    private Long ticket() {
        return rnd.nextBoolean() ? null : (long) (1 + rnd.nextInt(40));
    }

    private void create() {
        String name = "bo" + bos.size();
        bos.add(name);
        long size = rnd.nextInt(4) == 0 ? 8 + rnd.nextInt(9) : 1 + rnd.nextInt(6);
        Placement pl = rnd.nextInt(4) == 0 ? null : placement();
        sim.submit(client(null), new Address.Bo(name), new BufferObject.Create(size, rnd.nextInt(4), pl, sim.newRequestId(), client(null)));
    }

    private void randomOp() {
        if (bos.isEmpty() || (bos.size() < MAX_BOS && rnd.nextInt(12) == 0)) {
            create();
            return;
        }
        String name = bos.get(rnd.nextInt(bos.size()));
        Address.Bo to = new Address.Bo(name);
        long id = sim.newRequestId();
        int w = rnd.nextInt(100);
        Message m;
        String by;
        if (w < 14) {
            by = owner();
            Long t = ticket();
            // ww_ctx->acquired as a client would say it, or now and then a wrong zero (no discipline here)
            int acquired = t != null && rnd.nextInt(6) == 0 ? 0 : ticketHolds(t);
            m = new BufferObject.Reserve(by, t, t == null && rnd.nextInt(3) == 0, acquired, id, client(by));
        } else if (w < 24) {
            by = holderOr(name);
            m = new BufferObject.Unreserve(by, id, client(by));
        } else if (w < 36) {
            by = rnd.nextBoolean() ? holderOr(name) : ownerOrNull();
            m = new BufferObject.Validate(placement(), by, rnd.nextInt(4) == 0, id, client(by));
        } else if (w < 46) {
            by = null;
            BoState s = sim.bo(name);
            m = new BufferObject.Fault(rnd.nextLong(0, Math.max(1, s.sizePages()) + 1), id, client(null));
        } else if (w < 53) {
            by = holderOr(name);
            m = new BufferObject.Kmap(by, id, client(by));
        } else if (w < 59) {
            by = holderOr(name);
            m = new BufferObject.Kunmap(by, id, client(by));
        } else if (w < 64) {
            by = rnd.nextBoolean() ? holderOr(name) : null;
            m = new BufferObject.Pin(rnd.nextBoolean() ? null : placement(), by, id, client(by));
        } else if (w < 69) {
            by = rnd.nextBoolean() ? holderOr(name) : null;
            m = new BufferObject.Unpin(by, id, client(by));
        } else if (w < 72) {
            by = ownerOrNull();
            m = new BufferObject.Unmap(by, id, client(by));
        } else if (w < 76) {
            by = rnd.nextBoolean() ? holderOr(name) : null;
            m = new BufferObject.Fence(by, id, client(by));
        } else if (w < 82) {
            by = null;
            m = new BufferObject.Signal(id, client(null));
        } else if (w < 84 && rnd.nextInt(3) == 0) {
            by = ownerOrNull();
            m = new BufferObject.Destroy(by, id, client(by));
        } else if (w < 94) {
            execbuf(id);
            return;
        } else if (w < 97) {
            sim.submit(client(null), new Address.Region(pick(regions.toArray(new String[0]))), new RegionManager.EvictAll(id, client(null)));
            return;
        } else {
            Injection inj = randomInjection();
            Address target = inj.target().equals(Injection.DRIVER) ? Address.IO : new Address.Region(inj.target());
            sim.submit(client(null), target, inj.target().equals(Injection.DRIVER) ? new IoManager.Inject(inj) : new RegionManager.Inject(inj));
            return;
        }
        sim.submit(client(by), to, m);
    }

    private void execbuf(long id) {
        int n = 1 + rnd.nextInt(3);
        List<Execbuf.Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) entries.add(new Execbuf.Entry(bos.get(rnd.nextInt(bos.size())), placement()));
        Address.Exec ex = sim.newExec();
        sim.submit(client(null), ex, new Execbuf.Submit(entries, 1 + rnd.nextInt(40), rnd.nextBoolean(), id, client(null)));
    }

    /** Runs the workload; the listeners see everything. Stops at the first exception the model throws. */
    void run() {
        if (rnd.nextBoolean()) sim.randomize(rnd.nextLong());
        int initial = 3 + rnd.nextInt(3);
        for (int i = 0; i < initial; i++) create();
        if (!steps(MAX_STEPS)) return;
        int ops = 60 + rnd.nextInt(60);
        for (int issued = 0; issued < ops; ) {
            int batch = 1 + rnd.nextInt(6);
            for (int i = 0; i < batch; i++, issued++) randomOp();
            if (!steps(rnd.nextInt(4) == 0 ? rnd.nextInt(30) : MAX_STEPS)) return;
            if (rnd.nextInt(3) == 0) release();
        }
        // Signal every fence, so that delayed destroys complete, and settle.
        for (String b : bos) sim.submit(client(null), new Address.Bo(b), new BufferObject.Signal(sim.newRequestId(), client(null)));
        steps(MAX_STEPS);
    }

    /**
     * Clients finishing their work: each owner that holds a BO explicitly drops its kmaps of it and unreserves it,
     * mostly, so that queued requests run (and deadlocks the workload made dissolve) instead of staying parked.
     */
    private void release() {
        for (String b : bos) {
            BoState s = sim.bo(b);
            if (s == null) continue;
            BufferObject.Holder h = s.holder();
            if (h == null || h.kind() != BufferObject.HolderKind.EXPLICIT || h.owner().contains(":") || rnd.nextInt(4) == 0) continue;
            for (int i = 0; i < s.kmapsOf(h.owner()); i++)
                sim.submit(client(h.owner()), new Address.Bo(b), new BufferObject.Kunmap(h.owner(), sim.newRequestId(), client(h.owner())));
            sim.submit(client(h.owner()), new Address.Bo(b), new BufferObject.Unreserve(h.owner(), sim.newRequestId(), client(h.owner())));
        }
    }

    /** Delivers up to {@code n} messages; false when the model threw. */
    private boolean steps(long n) {
        try {
            for (long i = 0; i < n && sim.step(); i++) { /* deliver */ }
            return true;
        } catch (RuntimeException | AssertionError e) {
            thrown = e;
            return false;
        }
    }

    /** A decider built afresh from the device for the entity at {@code a}, as a replaying runtime would build it. */
    static Decider<?, ?, ?> freshDecider(Address a, DeviceConfig device) {
        if (a instanceof Address.Bo b) return new BufferObject(b.name(), device);
        if (a instanceof Address.Region r) return new RegionManager(device.region(r.name()), device.injectionsFor(r.name()));
        if (a instanceof Address.Io) return new IoManager(device.driver(), device.aperturePages(), device.injectionsFor(Injection.DRIVER));
        if (a instanceof Address.Exec x) return new Execbuf(x.id());
        throw new IllegalArgumentException("no entity at " + a);
    }

    String describe() {
        return "seed=" + seed + " driver=" + driver + " regions=" + regions + " aperture=" + device.aperturePages()
                + " injections=" + device.injections();
    }
}
