package dev.ttm.protocol.scenario;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Parses {@code device}, {@code region} and {@code inject} lines. Line syntax is checked at once; sizes
 * (which may be in pages, and {@code device page=} may come later) and cross-references are resolved by
 * {@link #finish} when the set-up block ends.
 */
final class SetupParser {
    static final Set<String> KEYWORDS = Set.of("device", "region", "inject");
    private static final long DEFAULT_PAGE = 4096;
    private static final Set<String> DRIVERS = Set.of("simple", "io-lru", "v3-atomic");
    private static final Set<String> REGION_KEYS = Set.of("size", "visible", "cpu-visible", "evict-to");
    private static final Set<String> ALLOC_KINDS = Set.of("nospace", "busy");
    private static final Set<String> IO_RESERVE_ERRORS = Set.of("EBUSY", "ENOSPC", "EIO");
    /** Region names shown in a cycle message before it is shortened. */
    private static final int MAX_CYCLE_SHOWN = 10;
    private static final Set<String> FAULT_NOTIFY_ERRORS = Set.of("EBUSY", "ERESTARTSYS", "EIO");

    private record RawRegion(Ast.Pos pos, Token name, Attrs attrs) {}

    private record RawInjection(Token target, Ast.Injection injection) {}

    private final String file;
    private final Set<String> declared = new LinkedHashSet<>();
    private final Map<String, RawRegion> regions = new LinkedHashMap<>();
    private final List<RawInjection> injections = new ArrayList<>();
    private boolean deviceSeen;
    private Ast.DeviceDecl device = new Ast.DeviceDecl(DEFAULT_PAGE, "simple", null, "ticket", false);

    SetupParser(String file) {
        this.file = file;
    }

    void statement(List<Token> t) {
        switch (t.get(0).text()) {
            case "device" -> device(t);
            case "region" -> region(t);
            default -> inject(t);
        }
    }

    // ---- device ----

    private void device(List<Token> t) {
        if (deviceSeen) {
            throw Syntax.fail(t.get(0).pos(), "'device' given twice");
        }
        deviceSeen = true;
        Attrs a = Attrs.read(t.subList(1, t.size()), Set.of("page", "driver", "aperture", "walk", "multihop"), Set.of());
        long page = a.has("page") ? pageSize(a) : DEFAULT_PAGE;
        String driver = a.has("driver") ? driver(a) : "simple";
        Long aperture = a.has("aperture") ? aperture(a, page, driver) : null;
        String walk = a.has("walk") ? oneOf(a, "walk", List.of("ticket", "trylock", "exec")) : "ticket";
        boolean multihop = a.has("multihop") && oneOf(a, "multihop", List.of("yes", "no")).equals("yes");
        device = new Ast.DeviceDecl(page, driver, aperture, walk, multihop);
    }

    private static String oneOf(Attrs a, String key, List<String> allowed) {
        String v = a.value(key);
        if (!allowed.contains(v)) {
            throw Syntax.fail(a.valuePos(key), "unknown " + key + " " + Syntax.quote(v) + " (expected " + String.join(", ", allowed) + ")");
        }
        return v;
    }

    /** Only io-lru has an IO aperture: under the other drivers the size would be silently ignored. */
    private static long aperture(Attrs a, long page, String driver) {
        long bytes = a.size("aperture").bytes(page, false);
        if (!driver.equals("io-lru")) {
            throw Syntax.fail(a.valuePos("aperture"), "aperture applies only to driver=io-lru (the driver is "
                    + driver + ")");
        }
        return bytes;
    }

    private static long pageSize(Attrs a) {
        SizeLit lit = a.size("page");
        if (lit.unit() == 0) {
            throw Syntax.fail(lit.pos(), "the page size cannot be given in pages");
        }
        long bytes = lit.count() * lit.unit();
        if (bytes < 512 || bytes > (1L << 30) || Long.bitCount(bytes) != 1) {
            throw Syntax.fail(lit.pos(), "page size must be a power of two between 512 bytes and 1GiB");
        }
        return bytes;
    }

    private static String driver(Attrs a) {
        String d = a.value("driver");
        if (!DRIVERS.contains(d)) {
            throw Syntax.fail(a.valuePos("driver"), "unknown driver " + Syntax.quote(d)
                    + " (expected simple, io-lru or v3-atomic)");
        }
        return d;
    }

    // ---- region ----

    private void region(List<Token> t) {
        Token kw = t.get(0);
        if (t.size() < 2) {
            throw Syntax.fail(kw.pos(), "missing region name");
        }
        Token nameTok = t.get(1);
        String name = Syntax.regionName(nameTok.text(), nameTok.pos());
        if (regions.containsKey(name) || declared.contains(name)) {
            throw Syntax.fail(nameTok.pos(), "region " + Syntax.quote(name) + " declared twice");
        }
        declared.add(name);
        Attrs a = Attrs.read(t.subList(2, t.size()), REGION_KEYS, Set.of());
        if (name.equals(Syntax.SYSTEM)) {
            checkSystem(a);
        } else {
            a.require("size", kw);
        }
        regions.put(name, new RawRegion(kw.pos(), nameTok, a));
    }

    private static void checkSystem(Attrs a) {
        if (a.has("visible")) {
            throw Syntax.fail(a.token("visible").pos(), "SYSTEM has no CPU-visible window: 'visible' not allowed");
        }
        if (a.has("evict-to")) {
            throw Syntax.fail(a.token("evict-to").pos(), "SYSTEM never evicts: 'evict-to' not allowed");
        }
        if (a.has("cpu-visible") && !Syntax.yesNo(a.value("cpu-visible"), a.valuePos("cpu-visible"), "cpu-visible")) {
            throw Syntax.fail(a.valuePos("cpu-visible"), "SYSTEM is always CPU-visible");
        }
    }

    // ---- inject ----

    private void inject(List<Token> t) {
        injections.add(rawInjection(t));
    }

    private static RawInjection rawInjection(List<Token> t) {
        Token kw = t.get(0);
        if (t.size() < 2) {
            throw Syntax.fail(kw.pos(), "missing injection target (a region or 'driver')");
        }
        Token target = t.get(1);
        List<Token> rest = t.subList(2, t.size());
        Ast.Injection inj = target.is("driver") ? driverInjection(kw, rest) : regionInjection(kw, target, rest);
        return new RawInjection(target, inj);
    }

    /** An {@code inject} line between operations, its target checked against the declared regions. */
    static Ast.Injection injectionAfterSetup(List<Token> t, Set<String> declared) {
        return checkTarget(rawInjection(t), declared);
    }

    private static Ast.Injection regionInjection(Token kw, Token target, List<Token> rest) {
        String region = Syntax.regionName(target.text(), target.pos());
        Attrs a = Attrs.read(rest, Set.of("alloc", "count"), Set.of());
        a.require("alloc", kw);
        String kind = oneOf(a, "alloc", ALLOC_KINDS, "nospace or busy");
        return new Ast.Injection(kw.pos(), region, kind, null, count(a));
    }

    private static Ast.Injection driverInjection(Token kw, List<Token> rest) {
        Attrs a = Attrs.read(rest, Set.of("io-reserve", "fault-notify", "count"), Set.of());
        if (a.has("io-reserve") == a.has("fault-notify")) {
            Ast.Pos at = a.has("fault-notify") ? a.token("fault-notify").pos() : kw.pos();
            throw Syntax.fail(at, "inject driver needs exactly one of io-reserve= or fault-notify=");
        }
        String kind = a.has("io-reserve") ? "io-reserve" : "fault-notify";
        String error = kind.equals("io-reserve")
                ? oneOf(a, kind, IO_RESERVE_ERRORS, "EBUSY, ENOSPC or EIO")
                : oneOf(a, kind, FAULT_NOTIFY_ERRORS, "EBUSY, ERESTARTSYS or EIO");
        return new Ast.Injection(kw.pos(), "driver", kind, error, count(a));
    }

    private static String oneOf(Attrs a, String key, Set<String> allowed, String expected) {
        String v = a.value(key);
        if (!allowed.contains(v)) {
            throw Syntax.fail(a.valuePos(key), "invalid value " + Syntax.quote(v) + " for " + key
                    + " (expected " + expected + ")");
        }
        return v;
    }

    private static Integer count(Attrs a) {
        if (!a.has("count")) {
            return null;
        }
        long n = a.number("count", Integer.MAX_VALUE);
        if (n < 1) {
            throw Syntax.fail(a.valuePos("count"), "count must be at least 1");
        }
        return (int) n;
    }

    // ---- resolution ----

    /** Resolves the block; errors go to {@code errors}. Call once, when the first other statement comes. */
    Setup finish(Consumer<ParseFailure> errors) {
        Set<String> all = new LinkedHashSet<>(declared);
        all.add(Syntax.SYSTEM);
        Map<String, Ast.RegionDecl> byName = new LinkedHashMap<>();
        if (!regions.containsKey(Syntax.SYSTEM)) {
            byName.put(Syntax.SYSTEM, implicitSystem());
        }
        for (RawRegion r : regions.values()) {
            guard(errors, () -> byName.put(r.name().text(), resolve(r, all)));
        }
        checkCycles(byName, errors);
        List<Ast.Injection> injs = new ArrayList<>();
        for (RawInjection i : injections) {
            guard(errors, () -> injs.add(checkTarget(i, all)));
        }
        return new Setup(device, List.copyOf(byName.values()), List.copyOf(injs),
                Collections.unmodifiableSet(all), Collections.unmodifiableMap(byName));
    }

    private static void guard(Consumer<ParseFailure> errors, Runnable step) {
        try {
            step.run();
        } catch (ParseFailure f) {
            errors.accept(f);
        }
    }

    private Ast.RegionDecl implicitSystem() {
        return new Ast.RegionDecl(new Ast.Pos(file, 0, 0), Syntax.SYSTEM, null, 0, true, List.of(), false);
    }

    private Ast.RegionDecl resolve(RawRegion r, Set<String> all) {
        Attrs a = r.attrs();
        String name = r.name().text();
        long page = device.pageBytes();
        Long size = a.has("size") ? (Long) a.size("size").bytes(page, false) : null;
        long visible = a.has("visible") ? a.size("visible").bytes(page, false) : 0;
        if (size != null && visible > size) {
            throw Syntax.fail(a.valuePos("visible"), "visible window (" + visible + " bytes) is larger than region "
                    + Syntax.quote(name) + " (" + size + " bytes)");
        }
        boolean cpu = a.has("cpu-visible")
                ? Syntax.yesNo(a.value("cpu-visible"), a.valuePos("cpu-visible"), "cpu-visible")
                : name.equals("TT") || name.equals(Syntax.SYSTEM);
        if (name.equals(Syntax.SYSTEM)) {
            return new Ast.RegionDecl(r.pos(), name, size, 0, true, List.of(), false);
        }
        if (a.has("evict-to") && a.value("evict-to").equals("purge")) {
            return new Ast.RegionDecl(r.pos(), name, size, visible, cpu, List.of(), true);
        }
        List<String> targets = a.has("evict-to") ? explicitTargets(a, name, all) : defaultTargets(name, all);
        return new Ast.RegionDecl(r.pos(), name, size, visible, cpu, targets, false);
    }

    private static List<String> defaultTargets(String name, Set<String> all) {
        List<String> wanted = name.equals("VRAM") ? List.of("TT", Syntax.SYSTEM) : List.of(Syntax.SYSTEM);
        return wanted.stream().filter(all::contains).toList();
    }

    private static List<String> explicitTargets(Attrs a, String self, Set<String> all) {
        Token tok = a.token("evict-to");
        String text = tok.text();
        List<String> out = new ArrayList<>();
        int start = "evict-to=".length();
        while (true) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? text.length() : comma;
            out.add(target(text.substring(start, end), tok.atIndex(start), self, all, out));
            if (comma < 0) {
                return List.copyOf(out);
            }
            start = comma + 1;
        }
    }

    private static String target(String name, Ast.Pos pos, String self, Set<String> all, List<String> sofar) {
        if (name.equals("purge")) {
            throw Syntax.fail(pos, "'purge' must be the whole evict-to value");
        }
        Syntax.regionName(name, pos);
        if (name.equals(self)) {
            throw Syntax.fail(pos, "region " + Syntax.quote(self) + " cannot evict to itself");
        }
        if (!all.contains(name)) {
            throw Syntax.fail(pos, "unknown region " + Syntax.quote(name) + " in evict-to (not declared)");
        }
        if (sofar.contains(name)) {
            throw Syntax.fail(pos, "region " + Syntax.quote(name) + " listed twice in evict-to");
        }
        return name;
    }

    private static Ast.Injection checkTarget(RawInjection i, Set<String> all) {
        String target = i.injection().target();
        if (!target.equals("driver") && !all.contains(target)) {
            throw Syntax.fail(i.target().pos(), "unknown region " + Syntax.quote(target) + " (not declared)");
        }
        return i.injection();
    }

    // ---- eviction cycles ----

    /** Adds each region's edges in declaration order; the region whose edges close a cycle is reported. */
    private void checkCycles(Map<String, Ast.RegionDecl> byName, Consumer<ParseFailure> errors) {
        Map<String, List<String>> edges = new HashMap<>();
        Set<String> targeted = new HashSet<>();
        for (Ast.RegionDecl d : byName.values()) {
            edges.put(d.name(), d.evictTo());
            // A new cycle must enter d by an earlier edge. Skipping the search otherwise keeps a long chain
            // declared from its end linear instead of quadratic.
            boolean entered = targeted.contains(d.name());
            targeted.addAll(d.evictTo());
            List<String> cycle = entered ? findCycle(d.name(), edges) : null;
            if (cycle != null) {
                errors.accept(Syntax.fail(cyclePos(d.name()), "eviction targets form a cycle: " + describe(cycle)));
                edges.put(d.name(), List.of());
            }
        }
    }

    /** {@code A -> B -> A}; a long cycle shortened, as one through generated regions can be thousands long. */
    private static String describe(List<String> cycle) {
        if (cycle.size() <= MAX_CYCLE_SHOWN) {
            return String.join(" -> ", cycle);
        }
        return String.join(" -> ", cycle.subList(0, 4)) + " -> ... -> "
                + String.join(" -> ", cycle.subList(cycle.size() - 3, cycle.size()))
                + " (" + (cycle.size() - 1) + " regions)";
    }

    private Ast.Pos cyclePos(String name) {
        RawRegion r = regions.get(name);
        return r.attrs().has("evict-to") ? r.attrs().token("evict-to").pos() : r.name().pos();
    }

    /** A shortest path start -> ... -> start, or null. Breadth-first, so no recursion. */
    private static List<String> findCycle(String start, Map<String, List<String>> edges) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            String n = queue.poll();
            for (String m : edges.getOrDefault(n, List.of())) {
                if (m.equals(start)) {
                    return path(start, n, parent);
                }
                if (seen.add(m)) {
                    parent.put(m, n);
                    queue.add(m);
                }
            }
        }
        return null;
    }

    private static List<String> path(String start, String last, Map<String, String> parent) {
        List<String> p = new ArrayList<>();
        p.add(start);
        for (String n = last; !n.equals(start); n = parent.get(n)) {
            p.add(1, n);
        }
        p.add(start);
        return p;
    }
}
