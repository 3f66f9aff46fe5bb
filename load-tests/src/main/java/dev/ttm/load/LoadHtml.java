package dev.ttm.load;

import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.RegionConfig;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The load reports' self-contained HTML pages (inline CSS and SVG; no script, nothing fetched), in the look of
 * {@code ttm replay --html}: {@link #render} one run (its facts and invariant verdict, throughput, latency over time,
 * the latency distribution per operation kind, region usage and eviction traffic over time), {@link #compare} several
 * runs of one seeded workload side by side.
 */
public final class LoadHtml {
    static final int MAX_LISTED = 4;
    /** The kinds whose p99 is drawn over time (the client operations that are not halves of another). */
    static final List<OpKind> MAIN_KINDS = List.of(OpKind.EXECBUF, OpKind.FAULT, OpKind.VALIDATE, OpKind.KMAP, OpKind.UNMAP, OpKind.PIN);
    /** The kinds the comparison overlays. */
    static final List<OpKind> COMPARED_KINDS = List.of(OpKind.FAULT, OpKind.EXECBUF);

    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#ff9da7", "#9c755f",
        "#8cd17d", "#bab0ac", "#499894", "#edc948"};
    private static final String WINDOW = "#c9a400";
    private static final String GREY = "#777";

    private LoadHtml() {}

    /** One colour per kind, the same on every chart and page. */
    static String colour(OpKind k) {
        return switch (k) {
            case EXECBUF -> "#4e79a7";
            case FAULT -> "#f28e2b";
            case VALIDATE -> "#59a14f";
            case KMAP -> "#b07aa1";
            case UNMAP -> "#499894";
            case PIN -> "#e15759";
            case UNPIN -> "#ff9da7";
            case DESTROY -> "#9c755f";
            case CREATE -> "#8cd17d";
            case SIGNAL -> "#bab0ac";
        };
    }

    static String runColour(int i) {
        return i < PALETTE.length ? PALETTE[i] : String.format(Locale.ROOT, "hsl(%d,55%%,50%%)", (int) ((i * 137.508) % 360));
    }

    // ---- one run ---------------------------------------------------------------------------------------------------

    public static String render(LoadResult r) {
        StringBuilder h = new StringBuilder(128 * 1024);
        String title = "ttm load: seed " + r.seed() + (r.label() == null ? "" : " (" + r.label() + ")");
        head(h, title);
        h.append("<h1>ttm load <span class=\"dim\">seed ").append(r.seed()).append(", driver ").append(esc(r.settings().driver())).append(", walk ")
                .append(esc(r.settings().walk())).append(r.label() == null ? "" : ", " + esc(r.label())).append("</span></h1>\n");
        header(h, r);
        List<LoadResult.Sample> tl = r.timeline();
        double[] t = times(tl);
        double tEnd = tEnd(tl);
        Chart.Band warm = warmBand(tl);

        h.append("<section><h2>Throughput</h2>\n<p class=\"sub\">Client operations finished per second in each interval of the timeline (")
                .append(esc(interval(r))).append(").</p>\n");
        if (tl.isEmpty()) noSamples(h);
        else {
            Chart c = timeChart("throughput", "ops/s", Chart.Scale.LINEAR, Chart::number, tEnd, warm)
                    .add(new Chart.Series("ops/s", PALETTE[0], t, values(tl, LoadResult.Sample::opsPerS)));
            if (r.opsPerS() > 0) c.level(new Chart.Level(r.opsPerS(), GREY, String.format(Locale.ROOT, "measured mean %,.0f ops/s", r.opsPerS())));
            h.append(c.render());
        }
        h.append("</section>\n");

        h.append("<section><h2>Latency over time</h2>\n<p class=\"sub\">Per interval, over every client operation: p50, p99 and the maximum")
                .append(r.settings().openModel() ? " (open model: from each operation's intended start)" : "").append(".</p>\n");
        if (tl.isEmpty()) noSamples(h);
        else {
            h.append(timeChart("latency", "latency", Chart.Scale.LOG, Chart::latency, tEnd, warm)
                    .add(new Chart.Series("p50", PALETTE[0], t, values(tl, s -> s.p50Ns())))
                    .add(new Chart.Series("p99", PALETTE[1], t, values(tl, s -> s.p99Ns())))
                    .add(new Chart.Series("max", PALETTE[7], t, values(tl, s -> s.maxNs()), true, 1.5)).render());
            Chart k = timeChart("kind-p99", "p99 latency", Chart.Scale.LOG, Chart::latency, tEnd, warm);
            for (OpKind kind : MAIN_KINDS) {
                if (!ranInTimeline(tl, kind)) continue;
                k.add(new Chart.Series(kind.key() + " p99", colour(kind), t, values(tl, s -> s.kindP99Ns().getOrDefault(kind, 0L))));
            }
            h.append("<h3>p99 per operation kind</h3>\n").append(k.render());
        }
        h.append("</section>\n");

        h.append("<section><h2>Latency distribution</h2>\n<p class=\"sub\">Per operation kind over the measured part of the run: the latency at each percentile"
                + " (x: percentile on a log scale of nines; y: latency, log scale), from each kind's HdrHistogram (also in KIND.hgrm).</p>\n");
        Map<OpKind, Histogram> hist = new EnumMap<>(OpKind.class);
        for (LoadResult.KindStats k : r.kinds().values()) if (k.count() > 0 && k.latencyNs() != null) hist.put(k.kind(), k.latencyNs());
        Map<String, Histogram> byName = new LinkedHashMap<>();
        Map<String, String> colours = new LinkedHashMap<>();
        hist.forEach((k, v) -> {
            byName.put(k.key(), v);
            colours.put(k.key(), colour(k));
        });
        if (byName.isEmpty()) h.append("<p class=\"note\">No operation was measured.</p>\n");
        else h.append(percentileChart("percentiles", byName, colours, Chart.FULL));
        kindTable(h, r);
        h.append("</section>\n");

        h.append("<section><h2>Memory</h2>\n<p class=\"sub\">Bytes in use per region at the end of each interval, against the region's size (dashed)")
                .append(windowBytes(r) > 0 ? "; VRAM's CPU-visible window: the bytes of VRAM BOs inside it, against its size" : "").append(".</p>\n");
        if (tl.isEmpty()) noSamples(h);
        else h.append(regionChart(r, t, tEnd, warm));
        h.append("</section>\n");

        h.append("<section><h2>Eviction traffic</h2>\n<p class=\"sub\">Evictions and bytes moved (evictions and other moves) per second in each interval.</p>\n");
        if (tl.isEmpty()) noSamples(h);
        else {
            h.append("<div class=\"row\"><div>");
            h.append(timeChart("evictions", "evictions/s", Chart.Scale.LINEAR, Chart::number, tEnd, warm).width(Chart.HALF)
                    .add(new Chart.Series("evictions/s", PALETTE[4], t, values(tl, LoadResult.Sample::evictionsPerS))).render());
            h.append("</div><div>");
            h.append(timeChart("bytes-moved", "bytes moved/s", Chart.Scale.LINEAR, b -> Chart.bytes(b) + "/s", tEnd, warm).width(Chart.HALF).binary()
                    .add(new Chart.Series("bytes moved/s", PALETTE[7], t, values(tl, LoadResult.Sample::bytesMovedPerS))).render());
            h.append("</div></div>\n");
        }
        h.append("</section>\n");
        if (r.reportDir() != null)
            h.append("<p class=\"dim foot\">Reports in ").append(esc(r.reportDir().toString())).append(": summary.json, KIND.hgrm (HdrHistogram percentiles, µs), report.html.</p>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void head(StringBuilder h, String title) {
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n<style>").append(CSS)
                .append("</style></head>\n<body>\n");
    }

    private static void header(StringBuilder h, LoadResult r) {
        LoadSettings s = r.settings();
        LoadResult.Counters c = r.counters();
        h.append("<div class=\"facts-row\"><table class=\"facts\"><caption>workload</caption>");
        if (r.label() != null) fact(h, "run", r.label());
        fact(h, "seed", String.valueOf(r.seed()));
        fact(h, "device", device(s));
        fact(h, "driver, walk", s.driver() + ", " + s.walk());
        fact(h, "journal", s.journal() + (r.dataDir() != null && s.journal().equals("leveldb") ? " in " + r.dataDir() : ""));
        fact(h, "checker", s.ttm().check() ? "on (incremental, during the run)" : "off");
        fact(h, "model", s.openModel() ? String.format(Locale.ROOT, "open, %,.0f ops/s arriving over all clients", s.rate())
                : "closed, think time " + s.thinkTime().toMillis() + " ms");
        fact(h, "clients", s.clients() + ", " + s.outstanding() + (s.openModel() ? " at most" : "") + " in progress each");
        fact(h, "BOs", String.format(Locale.ROOT, "%,d, sizes %s (mean %s)", s.bos(), s.sizes(), Reports.bytes((long) s.meanBoBytes()))
                + (s.scanouts() > 0 ? "; " + s.scanouts() + " pinned scanouts of " + Reports.bytes(s.scanoutBytes()) : ""));
        fact(h, "operation mix", String.valueOf(s.mix()));
        fact(h, "duration", (s.operations() > 0 ? String.format(Locale.ROOT, "%,d operations; ", s.operations()) : "")
                + String.format(Locale.ROOT, "%.1f s measured, warm-up %.1f s not counted", r.durationS(), s.warmup().toMillis() / 1000.0));
        h.append("</table><table class=\"facts\"><caption>results (warm-up excluded)</caption>");
        fact(h, "operations", String.format(Locale.ROOT, "%,d: %,.0f ops/s", r.ops(), r.opsPerS()));
        if (s.openModel())
            fact(h, "start delay", "intended start to a session beginning the operation: p50 " + Reports.latency(r.startDelayPercentileNs(50))
                    + ", p99 " + Reports.latency(r.startDelayPercentileNs(99)) + ", p99.9 " + Reports.latency(r.startDelayPercentileNs(99.9))
                    + ", max " + Reports.latency(r.startDelayPercentileNs(100)));
        fact(h, "evictions", String.format(Locale.ROOT, "%,d: %,.1f/s; moves %,d, %s moved; ghosts %,d", c.evictions(), r.evictionsPerS(), c.moves(),
                Reports.bytes(c.bytesMoved()), c.ghosts()));
        fact(h, "EDEADLK back-offs", String.format(Locale.ROOT, "%,d", c.edeadlkBackoffs()));
        fact(h, "ENOMEM", String.format(Locale.ROOT, "%,d", c.enomem()) + enomemDetail(r));
        fact(h, "IO reservations", String.format(Locale.ROOT, "io_mem_reserve %,d, io_mem_free %,d", c.ioReserves(), c.ioFrees()));
        fact(h, "fault outcomes", String.format(Locale.ROOT, "MAPPED %,d, RETRY %,d, SIGBUS %,d, OOM %,d", c.faultMapped(), c.faultRetry(), c.faultSigbus(), c.faultOom()));
        fact(h, "fences signalled", String.format(Locale.ROOT, "%,d", c.fencesSignaled()));
        h.append("<tr><th>invariants</th><td>");
        verdict(h, r);
        h.append("</td></tr>");
        if (r.unanswered() > 0)
            h.append("<tr><th>unanswered</th><td><span class=\"bad\">").append(r.unanswered()).append(" request(s) were never answered</span></td></tr>");
        h.append("</table></div>\n");
    }

    private static String enomemDetail(LoadResult r) {
        List<String> parts = new ArrayList<>();
        for (LoadResult.KindStats k : r.kinds().values()) {
            long n = k.outcomes().getOrDefault("ENOMEM", 0L);
            if (n > 0) parts.add(String.format(Locale.ROOT, "%s %,d of %,d (%s)", k.kind().key(), n, k.count(), percent(n, k.count())));
        }
        return parts.isEmpty() ? "" : ": " + String.join(", ", parts);
    }

    private static void verdict(StringBuilder h, LoadResult r) {
        if (!r.settings().ttm().check()) {
            h.append("<span class=\"dim\">not checked during the run (checker off)</span>");
            return;
        }
        List<Violation> vs = r.violations();
        if (vs.isEmpty()) {
            h.append("<span class=\"ok\">ok</span>: every invariant held");
            return;
        }
        h.append("<span class=\"bad\">").append(vs.size()).append(" violation(s)</span><ul class=\"viols\">");
        for (int i = 0; i < vs.size(); i++) {
            if (i == MAX_LISTED) {
                h.append("<li class=\"dim\">and ").append(vs.size() - MAX_LISTED).append(" more (summary.json lists them)</li>");
                break;
            }
            h.append("<li").append(i == 0 ? " class=\"first\"" : "").append(">").append(esc(String.valueOf(vs.get(i)))).append("</li>");
        }
        h.append("</ul>");
        if (r.dataDir() != null && r.settings().journal().equals("leveldb"))
            h.append("explain the first: <code class=\"cmd\">ttm replay ").append(esc(r.dataDir().toString())).append(" --why</code>");
    }

    static String device(LoadSettings s) {
        long page = s.ttm().device().pageBytes();
        List<String> parts = new ArrayList<>();
        for (RegionConfig rc : s.ttm().device().regions().values()) {
            String p = rc.name() + " " + (rc.bounded() ? Chart.bytes(rc.sizePages() * (double) page) : "unbounded");
            if (rc.visiblePages() > 0) p += " (CPU-visible window " + Chart.bytes(rc.visiblePages() * (double) page) + ")";
            parts.add(p);
        }
        return String.join(", ", parts) + "; pages of " + Chart.bytes(page);
    }

    private static void fact(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    private static void kindTable(StringBuilder h, LoadResult r) {
        h.append("<table class=\"kinds\"><thead><tr><th>operation</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th><th title=\"from a session beginning the operation to its reply\">service p50</th><th title=\"from a session beginning the operation to its reply\">service p99</th><th>outcomes</th></tr></thead><tbody>\n");
        boolean any = false;
        for (LoadResult.KindStats k : r.kinds().values()) {
            if (k.count() == 0) continue;
            any = true;
            h.append("<tr><td><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"").append(colour(k.kind())).append("\"/></svg> ").append(k.kind().key())
                    .append("</td><td>").append(String.format(Locale.ROOT, "%,d", k.count())).append("</td>");
            for (double p : new double[] {50, 90, 99, 99.9}) h.append("<td>").append(esc(Reports.latency(k.percentileNs(p)))).append("</td>");
            h.append("<td>").append(esc(Reports.latency(k.maxNs()))).append("</td><td>").append(esc(Reports.latency(Math.round(k.meanNs())))).append("</td>");
            for (double p : new double[] {50, 99}) h.append("<td>").append(esc(Reports.latency(k.servicePercentileNs(p)))).append("</td>");
            h.append("<td class=\"outcomes\">");
            outcomes(h, k.outcomes());
            h.append("</td></tr>\n");
        }
        if (!any) h.append("<tr><td colspan=\"11\" class=\"dim\">no operation was measured</td></tr>\n");
        h.append("</tbody></table>\n");
    }

    private static void outcomes(StringBuilder h, Map<String, Long> o) {
        boolean first = true;
        for (Map.Entry<String, Long> e : o.entrySet()) {
            if (!first) h.append(", ");
            first = false;
            String name = e.getKey();
            boolean fine = name.equals("OK") || name.equals("MAPPED");
            boolean bad = name.endsWith("ENOMEM") || name.endsWith("SIGBUS") || name.endsWith("OOM");
            h.append("<span class=\"").append(fine ? "oc" : bad ? "oc badoc" : "oc other").append("\">").append(esc(name)).append("</span> ")
                    .append(String.format(Locale.ROOT, "%,d", e.getValue()));
        }
    }

    private static String regionChart(LoadResult r, double[] t, double tEnd, Chart.Band warm) {
        List<LoadResult.Sample> tl = r.timeline();
        long page = r.settings().ttm().device().pageBytes();
        Map<String, RegionConfig> regions = r.settings().ttm().device().regions();
        Set<String> names = new LinkedHashSet<>(regions.keySet());
        for (LoadResult.Sample s : tl) names.addAll(s.usedBytes().keySet());
        Chart c = timeChart("regions", "bytes in use", Chart.Scale.LINEAR, Chart::bytes, tEnd, warm).binary().plotHeight(280);
        int i = 0;
        for (String name : names) {
            String colour = PALETTE[i++ % PALETTE.length];
            RegionConfig rc = regions.get(name);
            boolean used = false;
            for (LoadResult.Sample s : tl) used |= s.usedBytes().getOrDefault(name, 0L) > 0;
            if (!used && (rc == null || !rc.bounded())) continue; // an unbounded SYSTEM never used: nothing to say
            c.add(new Chart.Series(name + " used", colour, t, values(tl, s -> s.usedBytes().getOrDefault(name, 0L))));
            if (rc != null && rc.bounded()) c.level(new Chart.Level(rc.sizePages() * (double) page, colour, name + " size " + Chart.bytes(rc.sizePages() * (double) page)));
        }
        long window = windowBytes(r);
        if (window > 0) {
            c.add(new Chart.Series("VRAM window used", WINDOW, t, values(tl, LoadResult.Sample::windowUsedBytes)));
            c.level(new Chart.Level(window, WINDOW, "CPU-visible window " + Chart.bytes(window)));
        }
        return c.render();
    }

    private static long windowBytes(LoadResult r) {
        RegionConfig vram = r.settings().ttm().device().regions().get(RegionConfig.VRAM);
        return vram == null ? 0 : vram.visiblePages() * r.settings().ttm().device().pageBytes();
    }

    // ---- several runs ------------------------------------------------------------------------------------------------

    /** Several runs of the same seeded workload side by side; each run is named by its label (else "run N"). */
    public static String compare(List<LoadResult> runs) {
        StringBuilder h = new StringBuilder(128 * 1024);
        List<String> names = Reports.runNames(runs);
        Set<Long> seeds = new LinkedHashSet<>();
        for (LoadResult r : runs) seeds.add(r.seed());
        head(h, "ttm load: " + String.join(" vs ", names));
        h.append("<h1>ttm load: compare <span class=\"dim\">").append(runs.size()).append(" run(s)").append(esc(seeds.size() == 1 ? ", seed " + seeds.iterator().next()
                : seeds.isEmpty() ? "" : ", seeds " + seeds)).append("</span></h1>\n");
        h.append("<div class=\"intro\"><p>The same seeded workload (the same BOs, sizes and operation streams) run once per setting, so the differences are the setting's."
                + " It answers two questions:</p><ol>"
                + "<li><b>The 2010 review's open question:</b> is a simple IO manager, VRAM BOs CPU-reachable only inside a sub-region of VRAM (the CPU-visible window;"
                + " driver <code>simple</code>), enough, or does the IO manager need its own LRU of mappings over an aperture (driver <code>io-lru</code>)?"
                + " Compare throughput, the fault latency and outcomes (RETRY, SIGBUS), the IO reservations and the bytes moved.</li>"
                + "<li><b>ENOMEM under contention:</b> how many validates end in <code>ENOMEM</code> with each eviction walk: <code>ticket</code> (Linux 6.x: try-lock, then"
                + " ticketed walks; ENOMEM when the ticket would die), <code>trylock</code> (kernels before 5.3: reserved victims are skipped) and <code>exec</code>"
                + " (the drm_exec proposal: the EDEADLK reaches the execbuf, which backs off and retries)? Compare the ENOMEM and EDEADLK back-off rows and the execbuf latency.</li>"
                + "</ol></div>\n");
        if (seeds.size() > 1) h.append("<p class=\"note\">These runs have different seeds: their workloads differ, not only their settings.</p>\n");
        if (runs.isEmpty()) {
            h.append("<p class=\"note\">No run to compare.</p>\n</body></html>\n");
            return h.toString();
        }

        h.append("<section><h2>Figures</h2>\n<p class=\"sub\">Over the measured part of each run (warm-up excluded); latencies per operation kind on the right.</p>\n<div class=\"row tables\">");
        List<Reports.CompareRow> rows = Reports.compareRows(runs);
        int split = 0;
        while (split < rows.size() && !rows.get(split).group()) split++;
        compareTable(h, runs, names, "figure", rows.subList(0, split));
        latencyTable(h, runs, names);
        h.append("</div></section>\n");

        double tEnd = 0;
        for (LoadResult r : runs) tEnd = Math.max(tEnd, tEnd(r.timeline()));
        h.append("<section><h2>Throughput over time</h2>\n<p class=\"sub\">Client operations per second per interval; each run's warm-up is the stretch before its first"
                + " measured interval (shaded: the longest).</p>\n");
        Chart.Band warm = null;
        for (LoadResult r : runs) {
            Chart.Band b = warmBand(r.timeline());
            if (b != null && (warm == null || b.to() > warm.to())) warm = b;
        }
        Chart thr = timeChart("compare-throughput", "ops/s", Chart.Scale.LINEAR, Chart::number, tEnd, warm);
        for (int i = 0; i < runs.size(); i++)
            thr.add(new Chart.Series(names.get(i), runColour(i), times(runs.get(i).timeline()), values(runs.get(i).timeline(), LoadResult.Sample::opsPerS)));
        h.append(thr.render()).append("</section>\n");

        h.append("<section><h2>p99 latency over time</h2>\n");
        for (OpKind kind : COMPARED_KINDS) {
            Chart c = timeChart("compare-p99-" + kind.key(), kind.key() + " p99", Chart.Scale.LOG, Chart::latency, tEnd, warm);
            for (int i = 0; i < runs.size(); i++) {
                List<LoadResult.Sample> tl = runs.get(i).timeline();
                c.add(new Chart.Series(names.get(i), runColour(i), times(tl), values(tl, s -> s.kindP99Ns().getOrDefault(kind, 0L))));
            }
            h.append("<h3>").append(kind.key()).append("</h3>\n").append(c.render());
        }
        h.append("</section>\n");

        h.append("<section><h2>Latency distribution</h2>\n<p class=\"sub\">Latency at each percentile over the measured part of each run (log scales).</p>\n<div class=\"row\">");
        for (OpKind kind : COMPARED_KINDS) {
            Map<String, Histogram> byName = new LinkedHashMap<>();
            Map<String, String> colours = new LinkedHashMap<>();
            for (int i = 0; i < runs.size(); i++) {
                LoadResult.KindStats k = runs.get(i).kinds().get(kind);
                if (k == null || k.count() == 0 || k.latencyNs() == null) continue;
                byName.put(names.get(i), k.latencyNs());
                colours.put(names.get(i), runColour(i));
            }
            h.append("<div><h3>").append(kind.key()).append("</h3>\n");
            if (byName.isEmpty()) h.append("<p class=\"note\">No ").append(kind.key()).append(" was measured in any run.</p>\n");
            else h.append(percentileChart("compare-percentiles-" + kind.key(), byName, colours, Chart.HALF));
            h.append("</div>");
        }
        h.append("</div></section>\n</body></html>\n");
        return h.toString();
    }

    private static void compareTable(StringBuilder h, List<LoadResult> runs, List<String> names, String first, List<Reports.CompareRow> rows) {
        h.append("<table class=\"compare\"><thead><tr><th>").append(first).append("</th>");
        for (int i = 0; i < runs.size(); i++)
            h.append("<th><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"").append(runColour(i)).append("\"/></svg> ").append(esc(names.get(i))).append("</th>");
        h.append("</tr></thead><tbody>\n");
        for (Reports.CompareRow row : rows) {
            h.append("<tr><th>").append(esc(row.figure().strip())).append("</th>");
            for (int i = 0; i < row.values().size(); i++) {
                boolean bad = row.bad() != null && row.bad().get(i);
                h.append("<td").append(bad ? " class=\"bad\"" : "").append(">").append(esc(row.values().get(i))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    /** One row per kind that ran; per run its p50, p99 and p99.9. */
    private static void latencyTable(StringBuilder h, List<LoadResult> runs, List<String> names) {
        h.append("<table class=\"compare lat\"><thead><tr><th rowspan=\"2\">latency</th>");
        for (int i = 0; i < runs.size(); i++)
            h.append("<th colspan=\"3\" class=\"run runname\"><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"").append(runColour(i)).append("\"/></svg> ")
                    .append(esc(names.get(i))).append("</th>");
        h.append("</tr><tr>");
        for (int i = 0; i < runs.size(); i++) h.append("<th class=\"run\">p50</th><th>p99</th><th>p99.9</th>");
        h.append("</tr></thead><tbody>\n");
        for (OpKind k : OpKind.values()) {
            boolean ran = false;
            for (LoadResult r : runs) ran |= r.kinds().get(k) != null && r.kinds().get(k).count() > 0;
            if (!ran) continue;
            h.append("<tr><th><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"").append(colour(k)).append("\"/></svg> ").append(k.key()).append("</th>");
            for (LoadResult r : runs) {
                LoadResult.KindStats st = r.kinds().get(k);
                boolean none = st == null || st.count() == 0;
                for (double p : new double[] {50, 99, 99.9})
                    h.append("<td").append(p == 50 ? " class=\"run\"" : "").append(">").append(none ? "-" : esc(Reports.latency(st.percentileNs(p)))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    // ---- charts ------------------------------------------------------------------------------------------------------

    private static Chart timeChart(String id, String yLabel, Chart.Scale scale, java.util.function.DoubleFunction<String> yFormat, double tEnd, Chart.Band warm) {
        Chart c = new Chart(id, "time since the clients started (s)", yLabel, scale, yFormat).x(0, tEnd > 0 && Double.isFinite(tEnd) ? tEnd : 1);
        if (warm != null) c.band(warm);
        return c;
    }

    /**
     * Latency against percentile, one series per histogram: x is {@code log10(1 / (1 - p))} (0 at p0, 1 at p90, 2 at
     * p99, ...), capped at {@code log10(count)} where the maximum sits; y is the latency, log scale.
     */
    static String percentileChart(String id, Map<String, Histogram> hists, Map<String, String> colours, int width) {
        double xMax = 2;
        for (Histogram hg : hists.values()) xMax = Math.max(xMax, Math.ceil(Math.log10(Math.max(1, hg.getTotalCount()))));
        xMax = Math.min(xMax, 9);
        List<Chart.Tick> ticks = new ArrayList<>();
        for (int n = 0; n <= (int) xMax; n++) ticks.add(new Chart.Tick(n, nines(n)));
        Chart c = new Chart(id, "percentile (log scale of nines)", "latency", Chart.Scale.LOG, Chart::latency).width(width).x(0, xMax).xTicks(ticks).plotHeight(width < Chart.FULL ? 260 : 280);
        for (Map.Entry<String, Histogram> e : hists.entrySet()) {
            double[][] pts = percentiles(e.getValue(), xMax);
            c.add(new Chart.Series(e.getKey(), colours.getOrDefault(e.getKey(), GREY), pts[0], pts[1]));
        }
        return c.render();
    }

    /** 0 → "0%", 1 → "90%", 2 → "99%", 3 → "99.9%". */
    static String nines(int n) {
        if (n == 0) return "0%";
        if (n == 1) return "90%";
        return "99" + (n == 2 ? "" : "." + "9".repeat(n - 2)) + "%";
    }

    /** The histogram's percentile points, x on the nines scale (capped), y in ns; the last point is the maximum. */
    static double[][] percentiles(Histogram hg, double xMax) {
        long count = hg.getTotalCount();
        if (count == 0) return new double[][] {new double[0], new double[0]};
        double cap = Math.min(xMax, Math.log10(count));
        List<double[]> pts = new ArrayList<>();
        for (HistogramIterationValue v : hg.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo();
            if (p >= 100) break;
            double x = Math.min(cap, Math.log10(100.0 / (100.0 - p)));
            if (!Double.isFinite(x)) break;
            pts.add(new double[] {x, hg.highestEquivalentValue(v.getValueIteratedTo())});
            if (x >= cap) break;
        }
        pts.add(new double[] {cap, hg.getMaxValue()});
        double[] xs = new double[pts.size()];
        double[] ys = new double[pts.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = pts.get(i)[0];
            ys[i] = pts.get(i)[1];
        }
        return new double[][] {xs, ys};
    }

    private static double[] times(List<LoadResult.Sample> tl) {
        double[] t = new double[tl.size()];
        for (int i = 0; i < t.length; i++) t[i] = tl.get(i).tS();
        return t;
    }

    private static double tEnd(List<LoadResult.Sample> tl) {
        double e = 0;
        for (LoadResult.Sample s : tl) if (Double.isFinite(s.tS())) e = Math.max(e, s.tS());
        return e;
    }

    private static double[] values(List<LoadResult.Sample> tl, java.util.function.ToDoubleFunction<LoadResult.Sample> f) {
        double[] v = new double[tl.size()];
        for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(tl.get(i));
        return v;
    }

    /** The warm-up: from 0 to the end of the last warm-up interval; null when there was none. */
    private static Chart.Band warmBand(List<LoadResult.Sample> tl) {
        double end = -1;
        for (LoadResult.Sample s : tl) if (s.warmup() && Double.isFinite(s.tS())) end = Math.max(end, s.tS());
        return end > 0 ? new Chart.Band(0, end, "warm-up (not counted)") : null;
    }

    private static boolean ranInTimeline(List<LoadResult.Sample> tl, OpKind k) {
        for (LoadResult.Sample s : tl) if (s.kindP99Ns().containsKey(k)) return true;
        return false;
    }

    private static String interval(LoadResult r) {
        long ms = r.settings().sampleEvery().toMillis();
        return "every " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms") + "; the last interval ends when the run has drained";
    }

    private static void noSamples(StringBuilder h) {
        h.append("<p class=\"note\">The timeline has no samples (the run ended before its first interval).</p>\n");
    }

    static String percent(long n, long of) {
        return of <= 0 ? "0%" : String.format(Locale.ROOT, "%.2f%%", 100.0 * n / of);
    }

    /** HTML-escapes text (both pages use it: ttm replay's and ttm load's). */
    public static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** ttm replay --html's style, with the charts' and tables' additions. */
    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px 28px;color:#222;background:#fff}
            h1{font-size:22px;margin:0 0 10px} h2{font-size:18px;margin:26px 0 8px} h3{font-size:15px;margin:18px 0 4px}
            .dim{color:#777;font-weight:normal} .ok{color:#1a7f37;font-weight:600} .bad{color:#c62828;font-weight:600}
            .facts-row{display:flex;flex-wrap:wrap;gap:8px 36px;align-items:flex-start}
            table.facts caption{text-align:left;font-weight:700;color:#333;padding-bottom:2px}
            table.facts th{text-align:left;padding:2px 14px 2px 0;vertical-align:top;color:#555;font-weight:600;white-space:nowrap} table.facts td{padding:2px 0;max-width:410px}
            ul.viols{margin:4px 0;padding-left:20px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
            ul.viols li.first{color:#c62828;font-weight:700}
            code,.cmd{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px} .cmd{background:#f3f3f3;padding:1px 5px;border-radius:3px}
            .legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:6px 0 4px;font-size:13px} .legend .key{display:inline-flex;align-items:center;gap:5px}
            .note{color:#8a5a00;background:#fff8e1;padding:4px 8px;display:inline-block;margin:4px 0}
            .sub{color:#555;margin:2px 0 6px;max-width:1200px}
            .row{display:flex;flex-wrap:wrap;gap:0 20px}
            svg.chart{display:block;font:11px system-ui,sans-serif}
            .plot{fill:#fafafa;stroke:#bbb} .grid{stroke:#e6e6e6} .tick{fill:#555} .axis{fill:#333;font-weight:600}
            .warm{fill:#e9e9e9;fill-opacity:.8} .bandtext{fill:#777;font-style:italic}
            .level{stroke-width:1.5;stroke-dasharray:6 3} .leveltext{font-weight:700;paint-order:stroke;stroke:#fff;stroke-width:3px}
            .empty{fill:#999;font-size:14px}
            table.kinds,table.compare{border-collapse:collapse;font-size:13px;margin:10px 0}
            table.kinds th,table.compare thead th{background:#eee;text-align:left}
            table.kinds td,table.kinds th,table.compare td,table.compare th{border-bottom:1px solid #e4e4e4;padding:3px 10px;vertical-align:top}
            table.kinds td:nth-child(n+2):nth-child(-n+10){font-family:ui-monospace,Menlo,Consolas,monospace;text-align:right;white-space:nowrap}
            table.compare td{font-family:ui-monospace,Menlo,Consolas,monospace;text-align:right;white-space:nowrap}
            table.compare tbody th{text-align:left;font-weight:600;color:#555;white-space:nowrap} table.compare tr.group th{color:#222;padding-top:8px;font-weight:700}
            .row.tables{gap:0 40px;align-items:flex-start}
            table.lat thead th{text-align:right} table.lat thead th.runname{text-align:center} table.lat thead th:first-child{text-align:left}
            table.lat td.run,table.lat th.run{border-left:2px solid #ddd} table.lat td{padding:3px 8px}
            table.compare td.bad{background:#fde2e2}
            .oc{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px} .badoc{color:#c62828;font-weight:700} .other{color:#8a5a00}
            .intro{max-width:1200px;background:#f6f8fa;border-left:5px solid #4e79a7;padding:6px 16px;margin:10px 0} .intro ol{margin:4px 0;padding-left:22px} .intro li{margin:4px 0}
            .foot{margin-top:24px;font-size:12px}
            """;
}
