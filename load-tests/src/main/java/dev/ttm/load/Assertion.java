package dev.ttm.load;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A threshold a run must meet ({@code --assert}): {@code METRIC OP VALUE}, e.g. {@code p99.fault<2ms},
 * {@code violations=0}, {@code ops_per_s>=50000}. Metrics: {@code p50|p90|p99|p999|max|mean.KIND} (a latency; the value
 * takes ns, us, µs, ms or s, nanoseconds without a unit) and the summary's numbers ({@code ops}, {@code ops_per_s},
 * {@code violations}, {@code unanswered}, {@code evictions}, {@code evictions_per_s}, {@code bytes_moved},
 * {@code enomem}, {@code edeadlk_backoffs}, {@code io_reserves}, {@code io_frees}, {@code ghosts}); operators
 * {@code < <= > >= = == !=}.
 */
public record Assertion(String text, String metric, String op, double value) {
    private static final Pattern FORM = Pattern.compile("\\s*([a-z0-9_.]+)\\s*(<=|>=|==|!=|<|>|=)\\s*([0-9.]+(?:e[0-9]+)?)\\s*([a-zµ]*)\\s*");
    private static final Pattern LATENCY = Pattern.compile("(p50|p90|p99|p999|max|mean)\\.([a-z]+)");

    /** Parses {@code text}; IllegalArgumentException says what is wrong with it. */
    public static Assertion parse(String text) {
        Matcher m = FORM.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not METRIC<VALUE (e.g. p99.fault<2ms, violations=0)");
        String metric = m.group(1);
        double v;
        try {
            v = Double.parseDouble(m.group(3));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': '" + m.group(3) + "' is not a number");
        }
        String unit = m.group(4);
        Matcher lat = LATENCY.matcher(metric);
        if (lat.matches()) {
            kind(lat.group(2), text);
            v *= switch (unit) {
                case "", "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                default -> throw new IllegalArgumentException("'" + text + "': '" + unit + "' is not a time unit (ns, us, ms, s)");
            };
        } else {
            if (!SUMMARY.containsKey(metric)) throw new IllegalArgumentException("'" + text + "': no metric '" + metric + "' (p99.KIND, ops_per_s, violations, ...)");
            if (!unit.isEmpty()) throw new IllegalArgumentException("'" + text + "': " + metric + " takes no unit");
        }
        return new Assertion(text.trim(), metric, m.group(2), v);
    }

    private static OpKind kind(String key, String text) {
        for (OpKind k : OpKind.values()) if (k.key().equals(key)) return k;
        throw new IllegalArgumentException("'" + text + "': no operation kind '" + key + "' (execbuf, fault, validate, kmap, unmap, pin, unpin, destroy, create, signal)");
    }

    private interface Metric {
        double of(LoadResult r);
    }

    private static final Map<String, Metric> SUMMARY = Map.ofEntries(
            Map.entry("ops", r -> r.ops()),
            Map.entry("ops_per_s", LoadResult::opsPerS),
            Map.entry("violations", r -> r.violations().size()),
            Map.entry("unanswered", r -> r.unanswered()),
            Map.entry("evictions", r -> r.counters().evictions()),
            Map.entry("evictions_per_s", LoadResult::evictionsPerS),
            Map.entry("bytes_moved", r -> r.counters().bytesMoved()),
            Map.entry("enomem", r -> r.counters().enomem()),
            Map.entry("edeadlk_backoffs", r -> r.counters().edeadlkBackoffs()),
            Map.entry("io_reserves", r -> r.counters().ioReserves()),
            Map.entry("io_frees", r -> r.counters().ioFrees()),
            Map.entry("ghosts", r -> r.counters().ghosts()));

    /** The metric's value in {@code r} (latencies in ns). */
    public double actual(LoadResult r) {
        Matcher lat = LATENCY.matcher(metric);
        if (!lat.matches()) return SUMMARY.get(metric).of(r);
        LoadResult.KindStats k = r.kinds().get(kind(lat.group(2), text));
        return switch (lat.group(1)) {
            case "p50" -> k.percentileNs(50);
            case "p90" -> k.percentileNs(90);
            case "p99" -> k.percentileNs(99);
            case "p999" -> k.percentileNs(99.9);
            case "max" -> k.maxNs();
            default -> k.meanNs();
        };
    }

    public boolean holds(LoadResult r) {
        double a = actual(r);
        return switch (op) {
            case "<" -> a < value;
            case "<=" -> a <= value;
            case ">" -> a > value;
            case ">=" -> a >= value;
            case "!=" -> a != value;
            default -> a == value;
        };
    }

    /** {@code p99.fault<2ms: 1.31 ms} — the assertion and what the run measured. */
    public String describe(LoadResult r) {
        double a = actual(r);
        String shown = LATENCY.matcher(metric).matches() ? Reports.latency((long) a) : (a == Math.rint(a) ? String.format("%,d", (long) a) : String.format("%,.1f", a));
        return text + ": " + shown;
    }
}
