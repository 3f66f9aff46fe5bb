package dev.ttm.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ttm.protocol.invariants.Violation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a load run leaves behind: the summary on stdout ({@link #text}), {@code summary.json}, one {@code KIND.hgrm}
 * percentile file per operation kind that ran (HdrHistogram's percentile distribution, in microseconds), and
 * {@code report.html} ({@link LoadHtml}).
 */
public final class Reports {
    public static final String SUMMARY = "summary.json";
    public static final String HTML = "report.html";
    public static final String COMPARE_HTML = "compare.html";
    public static final String COMPARE_JSON = "compare.json";

    private Reports() {}

    /** Writes every report of {@code r} into {@code dir} (created if missing); returns the files written. */
    public static List<Path> write(LoadResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path summary = dir.resolve(SUMMARY);
        Files.writeString(summary, json(r), StandardCharsets.UTF_8);
        written.add(summary);
        for (LoadResult.KindStats k : r.kinds().values()) {
            if (k.count() == 0) continue;
            Path h = dir.resolve(k.kind().key() + ".hgrm");
            Files.writeString(h, hgrm(k), StandardCharsets.UTF_8);
            written.add(h);
        }
        Path html = dir.resolve(HTML);
        Files.writeString(html, LoadHtml.render(r), StandardCharsets.UTF_8);
        written.add(html);
        return written;
    }

    /**
     * Several runs of one seeded workload compared: {@code compare.html} ({@link LoadHtml#compare}) and
     * {@code compare.json} (an array of each run's {@link #jsonTree}) in {@code dir} (created if missing); returns the files.
     */
    public static List<Path> writeCompare(List<LoadResult> runs, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Object> trees = new ArrayList<>();
        for (LoadResult r : runs) trees.add(jsonTree(r));
        Path json = dir.resolve(COMPARE_JSON);
        Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(trees) + "\n", StandardCharsets.UTF_8);
        Path html = dir.resolve(COMPARE_HTML);
        Files.writeString(html, LoadHtml.compare(runs), StandardCharsets.UTF_8);
        return List.of(html, json);
    }

    /** Each run's name in a comparison: its label, else "run N" (1-based); a repeated name gets " (N)". */
    public static List<String> runNames(List<LoadResult> runs) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String l = runs.get(i).label();
            String n = l == null || l.isBlank() ? "run " + (i + 1) : l.strip();
            if (names.contains(n)) n = n + " (" + (i + 1) + ")";
            names.add(n);
        }
        return names;
    }

    /**
     * One row of the comparison table: a figure and its value per run. {@code group}: a heading row (a kind's name);
     * {@code bad}: per run, whether the value is a problem (violations, unanswered requests), or null.
     */
    public record CompareRow(String figure, List<String> values, boolean group, List<Boolean> bad) {}

    /** The comparison's rows, shared by {@link #compareText} and the compare page. */
    public static List<CompareRow> compareRows(List<LoadResult> runs) {
        List<CompareRow> rows = new ArrayList<>();
        row(rows, runs, "driver", r -> r.settings().driver());
        row(rows, runs, "walk", r -> r.settings().walk());
        row(rows, runs, "seed", r -> String.valueOf(r.seed()));
        row(rows, runs, "journal, checker", r -> r.settings().journal() + ", " + (r.settings().ttm().check() ? "on" : "off"));
        row(rows, runs, "measured", r -> String.format("%.1f s", r.durationS()));
        row(rows, runs, "ops/s", r -> String.format("%,.0f", r.opsPerS()));
        row(rows, runs, "operations", r -> String.format("%,d", r.ops()));
        row(rows, runs, "evictions/s", r -> String.format("%,.1f", r.evictionsPerS()));
        row(rows, runs, "bytes moved", r -> bytes(r.counters().bytesMoved()));
        row(rows, runs, "ENOMEM", r -> String.format("%,d", r.counters().enomem()));
        row(rows, runs, "validate ENOMEM", r -> share(r, OpKind.VALIDATE, "ENOMEM"));
        row(rows, runs, "execbuf ENOMEM", r -> share(r, OpKind.EXECBUF, "ENOMEM"));
        row(rows, runs, "EDEADLK back-offs", r -> String.format("%,d", r.counters().edeadlkBackoffs()));
        row(rows, runs, "faults MAPPED", r -> String.format("%,d", r.counters().faultMapped()));
        row(rows, runs, "faults RETRY", r -> String.format("%,d", r.counters().faultRetry()));
        row(rows, runs, "faults SIGBUS", r -> String.format("%,d", r.counters().faultSigbus()));
        row(rows, runs, "faults OOM", r -> String.format("%,d", r.counters().faultOom()));
        row(rows, runs, "io_mem_reserve", r -> String.format("%,d", r.counters().ioReserves()));
        row(rows, runs, "io_mem_free", r -> String.format("%,d", r.counters().ioFrees()));
        List<Boolean> badV = new ArrayList<>();
        List<String> v = new ArrayList<>();
        for (LoadResult r : runs) {
            boolean checked = r.settings().ttm().check();
            v.add(checked ? String.valueOf(r.violations().size()) : "not checked");
            badV.add(!r.violations().isEmpty());
        }
        rows.add(new CompareRow("violations", v, false, badV));
        if (runs.stream().anyMatch(r -> r.unanswered() > 0)) {
            List<Boolean> badU = new ArrayList<>();
            List<String> u = new ArrayList<>();
            for (LoadResult r : runs) {
                u.add(String.format("%,d", r.unanswered()));
                badU.add(r.unanswered() > 0);
            }
            rows.add(new CompareRow("unanswered", u, false, badU));
        }
        for (OpKind k : OpKind.values()) {
            boolean ran = false;
            for (LoadResult r : runs) ran |= count(r, k) > 0;
            if (!ran) continue;
            rows.add(new CompareRow(k.key(), java.util.Collections.nCopies(runs.size(), ""), true, null));
            row(rows, runs, "  count", r -> String.format("%,d", count(r, k)));
            row(rows, runs, "  p50", r -> count(r, k) == 0 ? "-" : latency(r.kinds().get(k).percentileNs(50)));
            row(rows, runs, "  p99", r -> count(r, k) == 0 ? "-" : latency(r.kinds().get(k).percentileNs(99)));
            row(rows, runs, "  p99.9", r -> count(r, k) == 0 ? "-" : latency(r.kinds().get(k).percentileNs(99.9)));
        }
        return rows;
    }

    private static long count(LoadResult r, OpKind k) {
        LoadResult.KindStats s = r.kinds().get(k);
        return s == null ? 0 : s.count();
    }

    /** "12 of 1,771 (0.68%)": how many of a kind's operations ended with {@code outcome}. */
    private static String share(LoadResult r, OpKind k, String outcome) {
        long of = count(r, k);
        long n = of == 0 ? 0 : r.kinds().get(k).outcomes().getOrDefault(outcome, 0L);
        return String.format("%,d of %,d (%s)", n, of, LoadHtml.percent(n, of));
    }

    private static void row(List<CompareRow> rows, List<LoadResult> runs, String figure, java.util.function.Function<LoadResult, String> f) {
        List<String> v = new ArrayList<>();
        for (LoadResult r : runs) v.add(f.apply(r));
        rows.add(new CompareRow(figure, v, false, null));
    }

    /** The comparison as a text table for stdout: a column per run, a row per figure. */
    public static List<String> compareText(List<LoadResult> runs) {
        List<String> names = runNames(runs);
        List<CompareRow> rows = compareRows(runs);
        int first = "figure".length();
        for (CompareRow r : rows) first = Math.max(first, r.figure().length());
        int[] w = new int[runs.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = names.get(i).length();
            for (CompareRow r : rows) w[i] = Math.max(w[i], r.values().get(i).length());
        }
        List<String> out = new ArrayList<>();
        StringBuilder head = new StringBuilder(pad("figure", first, false));
        for (int i = 0; i < w.length; i++) head.append("  ").append(pad(names.get(i), w[i], true));
        out.add(head.toString());
        for (CompareRow r : rows) {
            StringBuilder b = new StringBuilder(pad(r.figure(), first, false));
            if (!r.group()) for (int i = 0; i < w.length; i++) b.append("  ").append(pad(r.values().get(i), w[i], true));
            out.add(b.toString().stripTrailing());
        }
        return out;
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    /** HdrHistogram's percentile distribution, values in microseconds. */
    static String hgrm(LoadResult.KindStats k) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            k.latencyNs().outputPercentileDistribution(p, 5, 1000.0);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** summary.json: the run's settings, totals and per-kind latencies (ns). */
    public static String json(LoadResult r) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(jsonTree(r)) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> jsonTree(LoadResult r) {
        LoadSettings s = r.settings();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", r.seed());
        if (r.label() != null) m.put("label", r.label());
        m.put("driver", s.driver());
        m.put("walk", s.walk());
        m.put("journal", s.journal());
        m.put("check", s.ttm().check());
        m.put("model", s.openModel() ? "open" : "closed");
        if (s.openModel()) m.put("rate", s.rate());
        m.put("clients", s.clients());
        m.put("outstanding", s.outstanding());
        m.put("bos", s.bos());
        m.put("mix", s.mix().toString());
        m.put("sizes", s.sizes().toString());
        m.put("warmup_s", s.warmup().toMillis() / 1000.0);
        m.put("duration_s", r.durationS());
        m.put("ops", r.ops());
        m.put("ops_per_s", r.opsPerS());
        m.put("violations", r.violations().size());
        m.put("unanswered", r.unanswered());
        LoadResult.Counters c = r.counters();
        m.put("evictions", c.evictions());
        m.put("evictions_per_s", r.evictionsPerS());
        m.put("moves", c.moves());
        m.put("bytes_moved", c.bytesMoved());
        m.put("edeadlk_backoffs", c.edeadlkBackoffs());
        m.put("enomem", c.enomem());
        m.put("io_reserves", c.ioReserves());
        m.put("io_frees", c.ioFrees());
        m.put("ghosts", c.ghosts());
        m.put("fences_signaled", c.fencesSignaled());
        m.put("injected", c.injected());
        m.put("actor_crashes", c.crashes());
        Map<String, Object> fault = new LinkedHashMap<>();
        fault.put("MAPPED", c.faultMapped());
        fault.put("RETRY", c.faultRetry());
        fault.put("SIGBUS", c.faultSigbus());
        fault.put("OOM", c.faultOom());
        m.put("fault_outcomes", fault);
        Map<String, Object> lat = new LinkedHashMap<>();
        Map<String, Object> service = new LinkedHashMap<>();
        Map<String, Object> counts = new LinkedHashMap<>();
        Map<String, Object> outcomes = new LinkedHashMap<>();
        for (LoadResult.KindStats k : r.kinds().values()) {
            if (k.count() == 0) continue;
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("p50", k.percentileNs(50));
            l.put("p90", k.percentileNs(90));
            l.put("p99", k.percentileNs(99));
            l.put("p999", k.percentileNs(99.9));
            l.put("max", k.maxNs());
            l.put("mean", Math.round(k.meanNs()));
            lat.put(k.kind().key(), l);
            Map<String, Object> sv = new LinkedHashMap<>();
            sv.put("p50", k.servicePercentileNs(50));
            sv.put("p99", k.servicePercentileNs(99));
            sv.put("p999", k.servicePercentileNs(99.9));
            sv.put("max", k.serviceNs().getTotalCount() == 0 ? 0 : k.serviceNs().getMaxValue());
            service.put(k.kind().key(), sv);
            counts.put(k.kind().key(), k.count());
            outcomes.put(k.kind().key(), k.outcomes());
        }
        m.put("latency_ns", lat);
        m.put("service_ns", service);
        Map<String, Object> delay = new LinkedHashMap<>();
        delay.put("p50", r.startDelayPercentileNs(50));
        delay.put("p99", r.startDelayPercentileNs(99));
        delay.put("p999", r.startDelayPercentileNs(99.9));
        delay.put("max", r.startDelayPercentileNs(100));
        m.put("start_delay_ns", delay);
        m.put("count", counts);
        m.put("outcomes", outcomes);
        List<String> v = new ArrayList<>();
        for (Violation x : r.violations()) v.add(x.toString());
        m.put("violation_list", v.size() > 100 ? v.subList(0, 100) : v);
        if (r.dataDir() != null) m.put("data_dir", r.dataDir().toString());
        if (r.reportDir() != null) m.put("report_dir", r.reportDir().toString());
        return m;
    }

    /** The summary printed on stdout at the end of a run. */
    public static List<String> text(LoadResult r) {
        List<String> out = new ArrayList<>();
        LoadResult.Counters c = r.counters();
        out.add(String.format("%,d operations in %.1f s: %,.0f ops/s (warm-up excluded)", r.ops(), r.durationS(), r.opsPerS()));
        out.add(String.format("%-9s %10s %10s %10s %10s %10s %12s  %s", "operation", "count", "p50", "p99", "p99.9", "max", "service p99", "outcomes"));
        for (LoadResult.KindStats k : r.kinds().values()) {
            if (k.count() == 0) continue;
            out.add(String.format("%-9s %,10d %10s %10s %10s %10s %12s  %s", k.kind().key(), k.count(), latency(k.percentileNs(50)),
                    latency(k.percentileNs(99)), latency(k.percentileNs(99.9)), latency(k.maxNs()), latency(k.servicePercentileNs(99)),
                    outcomes(k.outcomes())));
        }
        if (r.settings().openModel())
            out.add(String.format("start delay (intended start to a session beginning the operation): p50 %s, p99 %s, p99.9 %s, max %s",
                    latency(r.startDelayPercentileNs(50)), latency(r.startDelayPercentileNs(99)), latency(r.startDelayPercentileNs(99.9)),
                    latency(r.startDelayPercentileNs(100))));
        out.add(String.format("evictions %,d (%,.0f/s), moves %,d, %s moved, ghosts %,d", c.evictions(), r.evictionsPerS(), c.moves(), bytes(c.bytesMoved()), c.ghosts()));
        out.add(String.format("faults: MAPPED %,d, RETRY %,d, SIGBUS %,d, OOM %,d; ENOMEM %,d; EDEADLK back-offs %,d", c.faultMapped(), c.faultRetry(),
                c.faultSigbus(), c.faultOom(), c.enomem(), c.edeadlkBackoffs()));
        out.add(String.format("io_mem_reserve %,d, io_mem_free %,d; fences signalled %,d", c.ioReserves(), c.ioFrees(), c.fencesSignaled()));
        if (!r.settings().inject().isEmpty())
            out.add(String.format("injected: %,d driver or allocator failures armed, %,d actor crashes", c.injected(), c.crashes()));
        if (!r.settings().ttm().check()) out.add("invariants: not checked during the run (check off)");
        else if (r.violations().isEmpty()) out.add("invariants: every invariant held");
        else {
            out.add(r.violations().size() + " invariant violation(s); the first: " + r.violations().get(0));
            if (r.dataDir() != null && r.settings().journal().equals("leveldb"))
                out.add("explain it: ttm replay " + r.dataDir() + " --why");
        }
        if (r.unanswered() > 0) out.add(r.unanswered() + " request(s) were never answered");
        return out;
    }

    static String outcomes(Map<String, Long> o) {
        StringBuilder b = new StringBuilder();
        o.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append(' ').append(String.format("%,d", v)));
        return b.toString();
    }

    /** A latency for people: 850 ns, 12.3 µs, 1.25 ms, 2.0 s. */
    public static String latency(long ns) {
        if (ns < 1_000) return ns + " ns";
        if (ns < 1_000_000) return String.format("%.1f µs", ns / 1e3);
        if (ns < 1_000_000_000) return String.format("%.2f ms", ns / 1e6);
        return String.format("%.2f s", ns / 1e9);
    }

    public static String bytes(long b) {
        if (b < 1L << 20) return String.format("%.1f KiB", b / 1024.0);
        if (b < 1L << 30) return String.format("%.1f MiB", b / (double) (1L << 20));
        return String.format("%.2f GiB", b / (double) (1L << 30));
    }
}
