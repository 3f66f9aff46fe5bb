package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The device every entity is built from: page size, driver, IO aperture, regions and injected faults.
 * Immutable; validated on construction (an eviction cycle or a dangling target is refused).
 */
public final class DeviceConfig {
    private final long pageBytes;
    private final Driver driver;
    private final long aperturePages;
    private final Map<String, RegionConfig> regions;
    private final List<Injection> injections;
    private final Placement mappable;
    /** Each region's {@link #evictionPlacement}, made once (every eviction asks for it). */
    private final Map<String, Placement> evictionPlacements = new java.util.HashMap<>();
    private final WalkMode walk;
    private final boolean multihop;

    public DeviceConfig(long pageBytes, Driver driver, long aperturePages, List<RegionConfig> regions,
                        List<Injection> injections) {
        this(pageBytes, driver, aperturePages, regions, injections, WalkMode.TICKET, false);
    }

    public DeviceConfig(long pageBytes, Driver driver, long aperturePages, List<RegionConfig> regions,
                        List<Injection> injections, WalkMode walk, boolean multihop) {
        this.walk = java.util.Objects.requireNonNull(walk);
        this.multihop = multihop;
        if (pageBytes <= 0 || Long.bitCount(pageBytes) != 1) throw new IllegalArgumentException("page size must be a power of two");
        this.pageBytes = pageBytes;
        this.driver = driver;
        Map<String, RegionConfig> m = new LinkedHashMap<>();
        for (RegionConfig r : regions) {
            if (m.put(r.name(), r) != null) throw new IllegalArgumentException("region " + r.name() + " declared twice");
        }
        m.putIfAbsent(RegionConfig.SYSTEM, new RegionConfig(RegionConfig.SYSTEM, RegionConfig.UNBOUNDED, 0, true, List.of(), false));
        this.regions = Collections.unmodifiableMap(m);
        this.aperturePages = aperturePages > 0 ? aperturePages : defaultAperture(m);
        this.injections = List.copyOf(injections);
        checkEvictionGraph();
        this.mappable = computeMappable();
        for (RegionConfig r : m.values()) {
            List<Place> places = new ArrayList<>();
            for (String t : r.evictTo()) places.add(Place.of(t));
            evictionPlacements.put(r.name(), new Placement(places));
        }
    }

    /** The io-lru aperture defaults to VRAM's visible window (or all of VRAM when it has none). */
    private static long defaultAperture(Map<String, RegionConfig> m) {
        RegionConfig vram = m.get(RegionConfig.VRAM);
        if (vram == null) return 0;
        return vram.visiblePages() > 0 ? vram.visiblePages() : vram.sizePages();
    }

    private void checkEvictionGraph() {
        for (RegionConfig r : regions.values()) {
            if (r.isSystem() && (!r.evictTo().isEmpty() || r.purge()))
                throw new IllegalArgumentException("SYSTEM never evicts");
            for (String t : r.evictTo())
                if (!regions.containsKey(t)) throw new IllegalArgumentException("region " + r.name() + " evicts to unknown region " + t);
        }
        Set<String> done = new HashSet<>();
        for (String start : regions.keySet()) {
            List<String> cycle = findCycle(start, done);
            if (cycle != null) throw new IllegalArgumentException("eviction targets form a cycle: " + String.join(" -> ", cycle));
        }
    }

    /**
     * Depth-first from {@code start}, skipping regions already proven acyclic ({@code done}); the first cycle
     * met, as {@code A -> B -> A}, or null. Iterative, with an explicit stack: an eviction chain is as long as
     * the scenario makes it, and recursion overflowed the thread's stack on a few thousand regions.
     */
    private List<String> findCycle(String start, Set<String> done) {
        if (done.contains(start)) return null;
        Deque<String> path = new ArrayDeque<>();
        Deque<Iterator<String>> untried = new ArrayDeque<>();   // each path region's targets not yet followed
        Set<String> onPath = new HashSet<>();
        path.addLast(start);
        onPath.add(start);
        untried.addLast(regions.get(start).evictTo().iterator());
        while (!path.isEmpty()) {
            Iterator<String> targets = untried.peekLast();
            if (!targets.hasNext()) {
                String finished = path.removeLast();
                untried.removeLast();
                onPath.remove(finished);
                done.add(finished);
                continue;
            }
            String t = targets.next();
            if (onPath.contains(t)) return cycle(path, t);
            if (done.contains(t)) continue;
            path.addLast(t);
            onPath.add(t);
            untried.addLast(regions.get(t).evictTo().iterator());
        }
        return null;
    }

    /** The part of {@code path} from {@code back} on, closed by {@code back} again. */
    private static List<String> cycle(Deque<String> path, String back) {
        List<String> cycle = new ArrayList<>();
        boolean in = false;
        for (String p : path) {
            if (p.equals(back)) in = true;
            if (in) cycle.add(p);
        }
        cycle.add(back);
        return cycle;
    }

    public long pageBytes() { return pageBytes; }
    public WalkMode walk() { return walk; }
    public boolean multihop() { return multihop; }

    /** This device with another eviction walk (tests run one workload under each). */
    public DeviceConfig withWalk(WalkMode w) {
        return new DeviceConfig(pageBytes, driver, aperturePages, List.copyOf(regions.values()), injections, w, multihop);
    }

    /**
     * The hop a move from {@code from} to {@code to} needs (multihop=yes, as amdgpu: VRAM <-> SYSTEM goes through TT),
     * or null for a direct move. The first placement of a BO never hops.
     */
    public String hopFor(Resource from, Resource to) {
        if (!multihop || from == null || !regions.containsKey(RegionConfig.TT)) return null;
        boolean vramSystem = from.region().equals(RegionConfig.VRAM) && to.region().equals(RegionConfig.SYSTEM);
        boolean systemVram = from.region().equals(RegionConfig.SYSTEM) && to.region().equals(RegionConfig.VRAM);
        return vramSystem || systemVram ? RegionConfig.TT : null;
    }

    /** Whether a BO in {@code region} is backed by system pages that must be populated (SYSTEM and TT, as ttm_tt). */
    public static boolean populated(String region) {
        return RegionConfig.SYSTEM.equals(region) || RegionConfig.TT.equals(region);
    }
    public Driver driver() { return driver; }
    public long aperturePages() { return aperturePages; }
    public Map<String, RegionConfig> regions() { return regions; }
    public List<Injection> injections() { return injections; }

    public RegionConfig region(String name) {
        return regions.get(name);
    }

    public List<Injection> injectionsFor(String target) {
        List<Injection> out = new ArrayList<>();
        for (Injection i : injections) if (i.target().equals(target)) out.add(i);
        return out;
    }

    /** The region that plays VRAM's role (the window, the io-lru aperture), or null. */
    public RegionConfig vram() {
        return regions.get(RegionConfig.VRAM);
    }

    /**
     * The page range a place allows in its region, or null when the place cannot host anything (an undeclared
     * region, or a window that is empty). {@code visible} clamps to the window.
     */
    public PageRange resolve(Place place) {
        RegionConfig r = regions.get(place.region());
        if (r == null) return null;
        long first = place.fpfn();
        long last = place.lpfn() == 0 ? r.sizePages() : Math.min(place.lpfn(), r.sizePages());
        if (place.visible() && !r.cpuVisible()) last = Math.min(last, r.visiblePages());
        if (first >= last) return null;
        return new PageRange(first, last);
    }

    /**
     * Whether the CPU can reach the whole resource: a CPU-visible region, or a resource entirely inside the
     * window. Under io-lru every VRAM page is reachable through the aperture.
     */
    public boolean cpuVisible(Resource res) {
        if (res == null) return false;
        RegionConfig r = regions.get(res.region());
        if (r.cpuVisible()) return true;
        if (apertureMaps(r)) return true;
        return res.endPage() <= r.visiblePages();
    }

    /** Whether the io-lru aperture maps this region's pages (VRAM's, under io-lru). */
    private boolean apertureMaps(RegionConfig r) {
        return driver == Driver.IO_LRU && r == vram();
    }

    /** How much of the io-lru aperture a mapping of {@code res} takes: VRAM pages go through it, others not. */
    public long aperturePagesFor(Resource res) {
        return apertureMaps(regions.get(res.region())) ? res.pages() : 0;
    }

    /**
     * Where a fault or kmap moves a BO the CPU cannot reach (the seed's make_mappable): VRAM's window, else TT
     * — only the places the CPU can reach, so the driver hook never chooses an invisible one. Empty when the
     * device has none.
     */
    public Placement mappablePlacement() {
        return mappable;
    }

    private Placement computeMappable() {
        List<Place> places = new ArrayList<>();
        RegionConfig vram = vram();
        if (vram != null && (vram.cpuVisible() || vram.visiblePages() > 0 || apertureMaps(vram))) places.add(Place.visible(vram.name()));
        RegionConfig tt = regions.get(RegionConfig.TT);
        if (tt != null && tt.cpuVisible()) places.add(Place.of(tt.name()));
        return new Placement(places);
    }

    /** The placement a victim of {@code region} is evicted to: its targets in order. */
    public Placement evictionPlacement(String region) {
        Placement p = evictionPlacements.get(region);
        if (p == null) throw new NullPointerException("no region " + region); // as regions.get(region).evictTo() did
        return p;
    }
}
