package dev.ttm.protocol.model;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * A canonical digest of an entity's state: a stable text rendering of every field (one {@code name=value} line per
 * field of the state class, in declaration order; collections in their order, maps sorted by key, records by their
 * components, strings quoted) hashed with SHA-256. Two states with equal digests are equal as far as any decision can
 * tell; replay compares the digest of a folded state with the live one's. The rendering never relies on
 * {@code toString} (several records abbreviate theirs): a value of a type it does not know is refused.
 */
public final class StateDigest {
    private StateDigest() {}

    /**
     * A record type's name with its brace ({@link ModelTypes#nameOf}, which is slow: it asks the JVM for the enclosing
     * class), how each component is written ({@link RecordParts}: read without reflection, numbers and flags without
     * boxing), and whether those names are all ASCII (as Java names nearly always are: written without a check).
     */
    private record Shape(Class<?> type, String open, byte[] openBytes, RecordParts.Part[] parts, boolean ascii) {}

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            RecordComponent[] cs = type.getRecordComponents();
            RecordParts.Part[] parts = new RecordParts.Part[cs.length];
            String open = ModelTypes.nameOf(type) + "{";
            boolean ascii = isAscii(open);
            for (int i = 0; i < cs.length; i++) {
                parts[i] = RecordParts.of(cs[i], (i > 0 ? "," : "") + cs[i].getName() + "=");
                ascii &= parts[i].prefixBytes != null;
            }
            return new Shape(type, open, asciiBytes(open), parts, ascii);
        }
    };

    /**
     * The shapes of the model's own records in front of {@link #SHAPES}: an open-addressed table by identity, read
     * without a lock ({@code ClassValue.get} was a tenth of writing a journal line), replaced whole when one is added.
     * Only classes of this class's loader, which live as long as it does: others (a test's) stay in the class value.
     */
    private static volatile Shape[] shapeTable = new Shape[256];

    private static Shape shape(Class<?> type) {
        Shape[] t = shapeTable;
        for (int i = System.identityHashCode(type) & (t.length - 1); ; i = (i + 1) & (t.length - 1)) {
            Shape s = t[i];
            if (s == null) return addShape(type);
            if (s.type() == type) return s;
        }
    }

    private static synchronized Shape addShape(Class<?> type) {
        Shape s = SHAPES.get(type);
        if (type.getClassLoader() != StateDigest.class.getClassLoader()) return s;
        Shape[] t = shapeTable;
        int count = 1;
        for (Shape x : t) {
            if (x == null) continue;
            if (x.type() == type) return s; // added by another thread meanwhile
            count++;
        }
        Shape[] next = new Shape[count * 2 > t.length ? t.length * 2 : t.length]; // at most half full: probes end soon
        for (Shape x : t) if (x != null) put(next, x);
        put(next, s);
        shapeTable = next;
        return s;
    }

    private static void put(Shape[] t, Shape s) {
        int i = System.identityHashCode(s.type()) & (t.length - 1);
        while (t[i] != null) i = (i + 1) & (t.length - 1);
        t[i] = s;
    }

    /** The SHA-256 (hex) of {@link #render(Object)}. */
    public static String digest(Object state) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(render(state).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The digest of every BO's, region's and the IO manager's state in {@code view}, keyed {@code bo:NAME},
     * {@code region:NAME} and {@code io} and sorted: two models are in the same state when these maps are equal.
     */
    public static SortedMap<String, String> perEntity(ModelView view) {
        SortedMap<String, String> out = new TreeMap<>();
        for (BoState b : view.bos()) out.put("bo:" + b.name(), digest(b));
        for (RegionState r : view.regions()) out.put("region:" + r.name(), digest(r));
        out.put("io", digest(view.io()));
        return out;
    }

    /** The canonical text of a {@link BoState}, {@link RegionState}, {@link IoState} or {@link Execbuf.ExecState}. */
    public static String render(Object state) {
        if (state instanceof BoState s) return render(s);
        if (state instanceof RegionState s) return render(s);
        if (state instanceof IoState s) return render(s);
        if (state instanceof Execbuf.ExecState s) return render(s);
        throw new IllegalArgumentException("not an entity state: " + (state == null ? "null" : state.getClass().getName()));
    }

    public static String render(BoState s) {
        return new Lines("BoState")
                .field("name", s.name)
                .field("created", s.created)
                .field("sizePages", s.sizePages)
                .field("priority", s.priority)
                .field("resource", s.resource)
                .field("pinCount", s.pinCount)
                .field("holder", s.holder)
                .field("waiters", s.waiters)
                .field("deferred", s.deferred)
                .field("op", s.op)
                .field("looseOp", s.looseOp)
                .field("mapped", s.mapped)
                .field("kmaps", s.kmaps)
                .field("ioRefs", s.ioRefs)
                .field("fenceSeq", s.fenceSeq)
                .field("signaledSeq", s.signaledSeq)
                .field("moveFence", s.moveFence)
                .field("ghosts", s.ghosts)
                .field("destroyed", s.destroyed)
                .field("movedPages", s.movedPages)
                .field("evictions", s.evictions)
                .field("warnings", s.warnings)
                .toString();
    }

    public static String render(RegionState s) {
        return new Lines("RegionState")
                .field("config", s.config)
                .field("allocator", s.allocator)
                .field("allocations", s.allocationsByStart())
                .field("startsByBo", s.startPagesByBo())
                .field("lru", s.lru)
                .field("windowLru", s.windowLru)
                .field("walks", s.walks)
                .field("injections", s.injections)
                .field("usedPages", s.usedPages)
                .field("moveFence", s.moveFence)
                .field("ghosts", s.ghosts)
                .field("carriers", s.carriers)
                .field("parked", s.parked)
                .field("signaled", s.signaled)
                .toString();
    }

    public static String render(IoState s) {
        return new Lines("IoState")
                .field("driver", s.driver)
                .field("aperture", s.aperture)
                .field("injections", s.injections)
                .field("reserved", s.reserved)
                .field("lru", s.lru)
                .field("callsPerBo", s.callsPerBo())
                .field("walks", s.walks)
                .field("reserveCalls", s.reserveCalls)
                .field("freeCalls", s.freeCalls)
                .field("unbalancedFrees", s.unbalancedFrees)
                .field("failedReserves", s.failedReserves)
                .toString();
    }

    public static String render(Execbuf.ExecState s) {
        return new Lines("ExecState")
                .field("submit", s.submit)
                .field("held", s.held)
                .field("order", s.order)
                .field("reserving", s.reserving)
                .field("contended", s.contended)
                .field("backoffs", s.backoffs)
                .field("stage", s.stage)
                .field("index", s.index)
                .field("awaiting", s.awaiting)
                .field("outcome", s.outcome)
                .field("reason", s.reason)
                .field("afterRelease", s.afterRelease)
                .toString();
    }

    /** One line per field. */
    private static final class Lines {
        private final StringBuilder b = new StringBuilder();
        private final CanonicalSink out = new CanonicalSink.Chars(b);

        Lines(String type) {
            b.append(type).append('\n');
        }

        Lines field(String name, Object value) {
            b.append(name).append('=');
            write(out, value);
            b.append('\n');
            return this;
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }

    /**
     * The canonical text of one value (a message, an event, a record of them, a collection): what a journal's digest
     * hashes, and how replay compares a recorded decision with today's.
     */
    public static String canonical(Object v) {
        // Sized for a typical journal entry's events (a few hundred characters): growing from 16 copied them 5 times.
        StringBuilder b = new StringBuilder(256);
        write(new CanonicalSink.Chars(b), v);
        return b.toString();
    }

    /** The canonical text of one value (package-private for tests). */
    static String value(Object v) {
        StringBuilder b = new StringBuilder();
        write(new CanonicalSink.Chars(b), v);
        return b.toString();
    }

    /** Writes the canonical text of {@code v} to {@code b}: the one definition of that text, whatever it is written into. */
    static void write(CanonicalSink b, Object v) {
        if (v instanceof Record r) { // most values: first (no record is a string, a number, a flag or an enum)
            record(b, r);
        } else if (v == null) {
            b.ascii("null");
        } else if (v instanceof String s) {
            quote(b, s);
        } else if (v instanceof Boolean x) {
            b.bool(x); // the text of toString, without making the string first
        } else if (v instanceof Integer x) {
            b.num(x);
        } else if (v instanceof Long x) {
            b.num(x);
        } else if (v instanceof Enum<?> e) {
            b.text(e.name());
        } else if (v instanceof Map<?, ?> m) {
            map(b, m);
        } else if (v instanceof Collection<?> c) {
            collection(b, c);
        } else {
            other(b, v);
        }
    }

    /** The model's few classes that are not records, and the allocator's ranges. */
    private static void other(CanonicalSink b, Object v) {
        if (v instanceof long[] xs) { // a free range of the allocator: {start, length}
            b.ch('[');
            for (int i = 0; i < xs.length; i++) {
                if (i > 0) b.ch(',');
                b.num(xs[i]);
            }
            b.ch(']');
        } else if (v instanceof RangeAllocator a) {
            b.ascii("RangeAllocator{sizePages=");
            b.num(a.sizePages());
            b.ascii(",freePages=");
            b.num(a.freePages());
            b.ascii(",free=");
            collection(b, a.freeRanges());
            b.ch('}');
        } else if (v instanceof Injections i) {
            b.ascii("Injections{armed=");
            collection(b, i.armed());
            b.ascii(",used=");
            collection(b, i.used());
            b.ch('}');
        } else if (v instanceof Lru l) {
            b.ascii("Lru{nextSeq=");
            b.num(l.nextSeq());
            b.ascii(",entries=");
            collection(b, l.positions());
            b.ascii(",cursor=");
            write(b, l.cursor());
            b.ch('}');
        } else if (v instanceof EvictionWalk.Host h) {
            b.ascii("Host{walk=");
            write(b, h.walk);
            b.ascii(",deferred=");
            collection(b, h.deferred);
            b.ch('}');
        } else {
            throw new IllegalArgumentException("no canonical form for " + v.getClass().getName());
        }
    }

    private static void quote(CanonicalSink b, String s) {
        b.ch('"');
        if (plain(s)) b.ascii(s); // nearly every string (names): copied whole, not a character at a time
        else escape(b, s);
        b.ch('"');
    }

    /** Whether {@code s} is ASCII with nothing {@link #escape} changes. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return false;
        }
        return true;
    }

    private static void escape(CanonicalSink b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.ascii("\\\"");
                case '\\' -> b.ascii("\\\\");
                case '\n' -> b.ascii("\\n");
                case '\r' -> b.ascii("\\r");
                default -> {
                    if (c < 0x20) b.ascii(String.format("\\u%04x", (int) c));
                    else b.ch(c);
                }
            }
        }
    }

    private static void record(CanonicalSink b, Record r) {
        Shape shape = shape(r.getClass());
        if (shape.ascii()) b.ascii(shape.open(), shape.openBytes());
        else b.text(shape.open());
        for (RecordParts.Part p : shape.parts()) {
            if (shape.ascii()) b.ascii(p.prefix, p.prefixBytes);
            else b.text(p.prefix);
            p.write(b, r);
        }
        b.ch('}');
    }

    /** Appends a string component's canonical text (for {@link RecordParts}). */
    static void string(CanonicalSink b, String s) {
        if (s == null) b.ascii("null");
        else quote(b, s);
    }

    private static void map(CanonicalSink b, Map<?, ?> m) {
        if (m.isEmpty()) { // most fence sets: nothing to sort
            b.ascii("{}");
            return;
        }
        List<String[]> entries = new ArrayList<>(m.size());
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = value(e.getKey());
            entries.add(new String[] {key, value(e.getValue()), sortKey(e.getKey(), key)});
        }
        entries.sort(Comparator.comparing((String[] e) -> e[2]));
        b.ch('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) b.ch(',');
            b.text(entries.get(i)[0]);
            b.ch('=');
            b.text(entries.get(i)[1]);
        }
        b.ch('}');
    }

    /** Keys sort by their natural order: numbers numerically (zero-padded, sign first), anything else by its text ({@code text}). */
    private static String sortKey(Object k, String text) {
        if (k instanceof Long || k instanceof Integer) {
            long x = ((Number) k).longValue();
            String digits = Long.toString(x < 0 ? Long.MAX_VALUE + x + 1 : x);
            return (x < 0 ? "0" : "1") + "0".repeat(19 - digits.length()) + digits;
        }
        return text;
    }

    private static void collection(CanonicalSink b, Collection<?> c) {
        if (!(c instanceof Set<?>) || c instanceof LinkedHashSet<?> || c instanceof SortedSet<?>) {
            // In its own order: written straight out, the same text as below without the strings in between.
            b.ch('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) b.ch(',');
                first = false;
                write(b, o);
            }
            b.ch(']');
            return;
        }
        List<String> items = new ArrayList<>(c.size());
        for (Object o : c) items.add(value(o));
        // An unordered set (none is used today) is rendered sorted, so that its digest does not depend on hashing.
        if (c instanceof Set<?> && !(c instanceof LinkedHashSet<?>) && !(c instanceof SortedSet<?>)) items.sort(null);
        b.ch('[');
        b.text(String.join(",", items));
        b.ch(']');
    }

    /** Whether {@code s} is all ASCII. */
    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    /** {@code s}'s bytes when it is all ASCII, else null. */
    static byte[] asciiBytes(String s) {
        return isAscii(s) ? s.getBytes(java.nio.charset.StandardCharsets.US_ASCII) : null;
    }
}
