package dev.ttm.protocol.model;

import java.lang.reflect.InvocationTargetException;
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
import java.util.SortedSet;

/**
 * A canonical digest of an entity's state: a stable text rendering of every field (one {@code name=value} line per
 * field of the state class, in declaration order; collections in their order, maps sorted by key, records by their
 * components, strings quoted) hashed with SHA-256. Two states with equal digests are equal as far as any decision can
 * tell; replay compares the digest of a folded state with the live one's. The rendering never relies on
 * {@code toString} (several records abbreviate theirs): a value of a type it does not know is refused.
 */
public final class StateDigest {
    private StateDigest() {}

    /** A record type's name ({@link ModelTypes#nameOf}, which is slow: it asks the JVM for the enclosing class) and components. */
    private record Shape(String name, RecordComponent[] components, String[] prefixes, java.lang.invoke.MethodHandle[] accessors) {}

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            RecordComponent[] cs = type.getRecordComponents();
            String[] prefixes = new String[cs.length];
            java.lang.invoke.MethodHandle[] accessors = new java.lang.invoke.MethodHandle[cs.length];
            for (int i = 0; i < cs.length; i++) {
                prefixes[i] = (i > 0 ? "," : "") + cs[i].getName() + "=";
                try {
                    accessors[i] = java.lang.invoke.MethodHandles.publicLookup().unreflect(cs[i].getAccessor())
                            .asType(java.lang.invoke.MethodType.methodType(Object.class, Object.class));
                } catch (IllegalAccessException e) {
                    accessors[i] = null; // read through reflection, as before
                }
            }
            return new Shape(ModelTypes.nameOf(type), cs, prefixes, accessors);
        }
    };

    /** The SHA-256 (hex) of {@link #render(Object)}. */
    public static String digest(Object state) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(render(state).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

        Lines(String type) {
            b.append(type).append('\n');
        }

        Lines field(String name, Object value) {
            b.append(name).append('=');
            value(b, value);
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
        value(b, v);
        return b.toString();
    }

    /** Appends {@link #canonical(Object)} of {@code v} to {@code b} (the journal digest writes its line in one piece). */
    public static StringBuilder canonical(StringBuilder b, Object v) {
        value(b, v);
        return b;
    }

    /** The canonical text of one value (package-private for tests). */
    static String value(Object v) {
        StringBuilder b = new StringBuilder();
        value(b, v);
        return b.toString();
    }

    private static void value(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            quote(b, s);
        } else if (v instanceof Boolean x) {
            b.append(x.booleanValue()); // the text of toString, without making the string first
        } else if (v instanceof Integer x) {
            b.append(x.intValue());
        } else if (v instanceof Long x) {
            b.append(x.longValue());
        } else if (v instanceof Enum<?> e) {
            b.append(e.name());
        } else if (v instanceof Record r) {
            record(b, r);
        } else if (v instanceof Map<?, ?> m) {
            map(b, m);
        } else if (v instanceof Collection<?> c) {
            collection(b, c);
        } else if (v instanceof long[] xs) { // a free range of the allocator: {start, length}
            b.append('[');
            for (int i = 0; i < xs.length; i++) b.append(i == 0 ? "" : ",").append(xs[i]);
            b.append(']');
        } else if (v instanceof RangeAllocator a) {
            b.append("RangeAllocator{sizePages=").append(a.sizePages()).append(",freePages=").append(a.freePages()).append(",free=");
            collection(b, a.freeRanges());
            b.append('}');
        } else if (v instanceof Injections i) {
            b.append("Injections{armed=");
            collection(b, i.armed());
            b.append(",used=");
            collection(b, i.used());
            b.append('}');
        } else if (v instanceof Lru l) {
            b.append("Lru{nextSeq=").append(l.nextSeq()).append(",entries=");
            collection(b, l.positions());
            b.append(",cursor=");
            value(b, l.cursor());
            b.append('}');
        } else if (v instanceof EvictionWalk.Host h) {
            b.append("Host{walk=");
            value(b, h.walk);
            b.append(",deferred=");
            collection(b, h.deferred);
            b.append('}');
        } else {
            throw new IllegalArgumentException("no canonical form for " + v.getClass().getName());
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        if (plain(s)) b.append(s); // nearly every string (names): copied whole, not a character at a time
        else escape(b, s);
        b.append('"');
    }

    /** Whether {@code s} has nothing {@link #escape} changes. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') return false;
        }
        return true;
    }

    private static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
    }

    private static void record(StringBuilder b, Record r) {
        Shape shape = SHAPES.get(r.getClass());
        b.append(shape.name()).append('{');
        RecordComponent[] cs = shape.components();
        for (int i = 0; i < cs.length; i++) {
            b.append(shape.prefixes()[i]);
            Object v;
            try {
                java.lang.invoke.MethodHandle h = shape.accessors()[i];
                v = h != null ? (Object) h.invokeExact((Object) r) : cs[i].getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + cs[i], e);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read " + cs[i], e);
            }
            value(b, v);
        }
        b.append('}');
    }

    private static void map(StringBuilder b, Map<?, ?> m) {
        if (m.isEmpty()) { // most fence sets: nothing to sort
            b.append("{}");
            return;
        }
        List<String[]> entries = new ArrayList<>(m.size());
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = value(e.getKey());
            entries.add(new String[] {key, value(e.getValue()), sortKey(e.getKey(), key)});
        }
        entries.sort(Comparator.comparing((String[] e) -> e[2]));
        b.append('{');
        for (int i = 0; i < entries.size(); i++) b.append(i == 0 ? "" : ",").append(entries.get(i)[0]).append('=').append(entries.get(i)[1]);
        b.append('}');
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

    private static void collection(StringBuilder b, Collection<?> c) {
        if (!(c instanceof Set<?>) || c instanceof LinkedHashSet<?> || c instanceof SortedSet<?>) {
            // In its own order: written straight out, the same text as below without the strings in between.
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) b.append(',');
                first = false;
                value(b, o);
            }
            b.append(']');
            return;
        }
        List<String> items = new ArrayList<>(c.size());
        for (Object o : c) items.add(value(o));
        // An unordered set (none is used today) is rendered sorted, so that its digest does not depend on hashing.
        if (c instanceof Set<?> && !(c instanceof LinkedHashSet<?>) && !(c instanceof SortedSet<?>)) items.sort(null);
        b.append('[').append(String.join(",", items)).append(']');
    }
}
