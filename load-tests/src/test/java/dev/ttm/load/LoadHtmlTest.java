package dev.ttm.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ttm.actors.TtmSystem;
import dev.ttm.tools.Chromium;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load reports' HTML: {@code report.html} of one run and the comparison page of several, built from two tiny real
 * runs (the simple and the io-lru driver on one seed) and from made-up results that a run could produce at its edges
 * (no sample, one sample, all warm-up, nothing measured, huge values). Structure is checked as text; with Chromium on
 * the machine (CI installs it and sets TTM_REQUIRE_CHROMIUM) both pages are rendered headless and their screenshots
 * checked not blank.
 */
class LoadHtmlTest {
    static final String TINY = """
            ttm.journal = none
            ttm.load { bos = 60, duration = 2s, warmup = 500ms, seed = 7, clients = 4, sample-every = 250ms,
                       sizes = "4KiB:4, 64KiB:3, 256KiB:2, 1MiB:1", scanouts = 1, scanout-size = 1MiB }
            ttm.regions = [{name = VRAM, size = 16MiB, visible = 4MiB}, {name = TT, size = 32MiB}]
            pekko.loglevel = WARNING
            """;

    @TempDir
    static Path tmp;
    static LoadResult simple;
    static LoadResult ioLru;

    @BeforeAll
    static void run() {
        simple = load("simple", TINY + "ttm.driver = simple\n");
        ioLru = load("io-lru", TINY + "ttm.driver = io-lru\n");
    }

    static LoadResult load(String label, String hocon) {
        LoadSettings settings = LoadSettings.of(hocon);
        TtmSystem ttm = TtmSystem.start(settings.config());
        try {
            LoadRun run = new LoadRun(settings, ttm, null, System.err);
            run.setUp();
            LoadResult r = run.run(label, null, tmp.resolve(label));
            run.tearDown();
            return r;
        } finally {
            ttm.close();
        }
    }

    @Test
    void theReportHasEveryChartAndTheFacts() throws IOException {
        List<Path> files = Reports.write(simple, tmp.resolve("simple"));
        Path page = tmp.resolve("simple").resolve(Reports.HTML);
        assertTrue(files.contains(page));
        String html = Files.readString(page);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        for (String chart : List.of("throughput", "latency", "kind-p99", "percentiles", "regions", "evictions", "bytes-moved"))
            assertTrue(html.contains("data-chart=\"" + chart + "\""), "the " + chart + " chart");
        assertTrue(html.contains("data-series=\"ops/s\""));
        assertTrue(html.contains("data-series=\"p99\""));
        assertTrue(html.contains("data-series=\"fault\""), "the fault kind's percentile plot");
        assertTrue(html.contains("data-series=\"VRAM used\"") && html.contains("data-series=\"TT used\""), "a series per region");
        assertTrue(html.contains("data-series=\"VRAM window used\""), "the CPU-visible window");
        assertTrue(html.contains("VRAM size 16 MiB") && html.contains("CPU-visible window 4 MiB"), "the regions' sizes as levels");
        assertTrue(html.contains("class=\"warm\""), "the warm-up shaded");
        assertTrue(html.contains(">99.9%<"), "the percentile axis in nines");
        assertTrue(html.contains("<th>seed</th><td>7</td>"));
        assertTrue(html.contains("<th>driver, walk</th><td>simple, ticket</td>"));
        assertTrue(html.contains("every invariant held"), "the verdict");
        assertTrue(html.contains("<td><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"" + LoadHtml.colour(OpKind.FAULT) + "\"/></svg> fault</td>"),
                "the kinds' table");
        wellFormed(html);
    }

    @Test
    void theComparisonOverlaysTheRuns() throws IOException {
        List<LoadResult> runs = List.of(simple, ioLru);
        Path dir = tmp.resolve("compare");
        List<Path> files = Reports.writeCompare(runs, dir);
        assertEquals(List.of(dir.resolve(Reports.COMPARE_HTML), dir.resolve(Reports.COMPARE_JSON)), files);
        String html = Files.readString(dir.resolve(Reports.COMPARE_HTML));
        for (String chart : List.of("compare-throughput", "compare-p99-fault", "compare-p99-execbuf", "compare-percentiles-fault", "compare-percentiles-execbuf"))
            assertTrue(html.contains("data-chart=\"" + chart + "\""), "the " + chart + " chart");
        assertEquals(Set.of("simple", "io-lru"), attributes(html, "data-series"), "a series per run");
        assertTrue(html.contains("2010 review") && html.contains("<code>io-lru</code>") && html.contains("<code>trylock</code>"), "the two questions");
        assertTrue(html.contains("<th>validate ENOMEM</th>"));
        wellFormed(html);

        JsonNode json = new ObjectMapper().readTree(dir.resolve(Reports.COMPARE_JSON).toFile());
        assertTrue(json.isArray());
        assertEquals(2, json.size());
        assertEquals("simple", json.get(0).get("label").asText());
        assertEquals("io-lru", json.get(1).get("driver").asText());

        List<String> text = Reports.compareText(runs);
        assertTrue(text.get(0).matches("figure +simple +io-lru"), text.get(0));
        assertTrue(text.stream().anyMatch(l -> l.matches("driver +simple +io-lru")), String.join("\n", text));
        assertTrue(text.stream().anyMatch(l -> l.startsWith("ops/s ")), String.join("\n", text));
        assertTrue(text.stream().anyMatch(l -> l.equals("fault")), "a kind's heading");
        int width = text.get(0).length();
        for (String l : text) assertTrue(l.length() <= width, "columns line up: " + l);
    }

    /** Results at a run's edges: the pages must still be whole, with no NaN or Infinity anywhere. */
    @Test
    void edgeCasesDoNotBreakTheSvg() {
        LoadResult none = synthetic("none", List.of(), false, false);
        LoadResult one = synthetic("one", List.of(sample(1, false, 100, 5_000, 1L << 20)), true, false);
        LoadResult warm = synthetic("warm", List.of(sample(1, true, 100, 5_000, 1L << 20), sample(2, true, 0, 0, 0), sample(2.01, false, 50, 9_000, 2L << 20)), true, false);
        List<LoadResult.Sample> wild = new ArrayList<>();
        wild.add(sample(0, true, Double.NaN, 0, Long.MAX_VALUE));
        wild.add(sample(1, false, Double.POSITIVE_INFINITY, Long.MAX_VALUE, Long.MAX_VALUE));
        wild.add(sample(2, false, 1e300, Metrics.HIGHEST_NS, -5));
        wild.add(sample(Double.NaN, false, 3, 7, 9));
        LoadResult huge = synthetic("huge", wild, true, true);
        for (LoadResult r : List.of(none, one, warm, huge)) {
            String html = LoadHtml.render(r);
            wellFormed(html);
            assertTrue(html.contains("data-chart=\"percentiles\"") || html.contains("No operation was measured"), r.label());
        }
        assertTrue(LoadHtml.render(none).contains("The timeline has no samples"));
        assertTrue(LoadHtml.render(one).contains("<circle"), "a single sample is a dot");
        String h = LoadHtml.render(huge);
        assertTrue(h.contains("<span class=\"bad\">1 violation(s)</span>"), "violations in red");
        assertTrue(h.contains("3 request(s) were never answered"));
        for (List<LoadResult> runs : List.of(List.<LoadResult>of(), List.of(none), List.of(one, warm, huge, none))) {
            wellFormed(LoadHtml.compare(runs));
            Reports.compareText(runs);
        }
    }

    @Test
    void nines() {
        assertEquals(List.of("0%", "90%", "99%", "99.9%", "99.99%"), List.of(LoadHtml.nines(0), LoadHtml.nines(1), LoadHtml.nines(2), LoadHtml.nines(3), LoadHtml.nines(4)));
        Histogram h = Metrics.newHistogram();
        for (int i = 1; i <= 1000; i++) h.recordValue(i * 1_000L);
        double[][] p = LoadHtml.percentiles(h, 4);
        assertEquals(0, p[0][0], 1e-9);
        assertEquals(3, p[0][p[0].length - 1], 1e-9, "the maximum sits at 1 in count");
        assertEquals(h.getMaxValue(), p[1][p[1].length - 1], 1e-9);
        for (int i = 1; i < p[0].length; i++) assertTrue(p[0][i] >= p[0][i - 1] && p[1][i] >= p[1][i - 1], "monotone");
    }

    /** Headless Chromium renders both pages; the screenshots must show pictures, not blank pages. CI makes this run. */
    @Test
    void chromiumRendersBothPages() throws Exception {
        String chromium = Chromium.requireOrSkip();
        Path report = tmp.resolve("shot-report.html");
        Files.writeString(report, LoadHtml.render(ioLru));
        Path compare = tmp.resolve("shot-compare.html");
        Files.writeString(compare, LoadHtml.compare(List.of(simple, ioLru)));
        for (Path page : List.of(report, compare)) Chromium.assertNotBlank(Chromium.screenshot(chromium, page, 1280, 2400), 1280);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    /** Whole enough: one document, balanced svg/section/table tags, no NaN or Infinity, self-contained. */
    static void wellFormed(String html) {
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.strip().endsWith("</body></html>"));
        for (String tag : List.of("svg", "section", "table", "g", "text", "div"))
            assertEquals(count(html, "<" + tag + "[ >]"), count(html, "</" + tag + ">"), "<" + tag + "> opened and closed alike");
        assertFalse(html.contains("NaN"), "NaN in the page");
        assertFalse(html.contains("Infinity"), "Infinity in the page");
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.contains("http://") || html.contains("https://"), "no URL at all");
        Matcher m = Pattern.compile("(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        while (m.find()) assertFalse(m.group(2).startsWith("//"), "an external reference: " + m.group());
        Matcher num = Pattern.compile(" (?:x|y|x1|x2|y1|y2|cx|cy|width|height)=\"(-?[0-9.]+)\"").matcher(html);
        while (num.find()) assertTrue(Math.abs(Double.parseDouble(num.group(1))) < 100_000, "a coordinate out of the page: " + num.group());
    }

    static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    static Set<String> attributes(String html, String name) {
        Set<String> out = new HashSet<>();
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(html);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    static LoadResult.Sample sample(double t, boolean warmup, double opsPerS, long latencyNs, long used) {
        Map<OpKind, Long> p99 = new EnumMap<>(OpKind.class);
        Map<OpKind, Long> counts = new EnumMap<>(OpKind.class);
        if (latencyNs > 0) {
            p99.put(OpKind.FAULT, latencyNs);
            counts.put(OpKind.FAULT, 1L);
        }
        Map<String, Long> usedBytes = new LinkedHashMap<>();
        usedBytes.put("VRAM", used);
        usedBytes.put("TT", used / 2);
        return new LoadResult.Sample(t, warmup, opsPerS, latencyNs, latencyNs, latencyNs, p99, counts, usedBytes, used, opsPerS, opsPerS * 1e6);
    }

    static LoadResult synthetic(String label, List<LoadResult.Sample> timeline, boolean measured, boolean broken) {
        LoadSettings s = LoadSettings.of(TINY + (broken ? "ttm.journal = leveldb\nttm.data-dir = \"/tmp/x<&>\"\n" : ""));
        Map<OpKind, LoadResult.KindStats> kinds = new EnumMap<>(OpKind.class);
        for (OpKind k : OpKind.values()) {
            Histogram h = Metrics.newHistogram();
            Map<String, Long> outcomes = new LinkedHashMap<>();
            if (measured && k == OpKind.FAULT) {
                h.recordValue(1_000);
                h.recordValue(Metrics.HIGHEST_NS);
                outcomes.put("MAPPED", 1L);
                outcomes.put("SIGBUS", 1L);
            }
            if (measured && k == OpKind.VALIDATE) {
                h.recordValue(5_000);
                outcomes.put("ENOMEM", 1L);
            }
            kinds.put(k, new LoadResult.KindStats(k, h.getTotalCount(), outcomes, h));
        }
        LoadResult.Counters c = new LoadResult.Counters(Long.MAX_VALUE, 1, Long.MAX_VALUE, 2, 1, 3, 3, 1, 0, 1, 0, 0, 0, 0, 0);
        List<dev.ttm.protocol.invariants.Violation> violations = broken
                ? List.of(new dev.ttm.protocol.invariants.Violation("INV-8", "io", 12, "io_mem_free <without> a reservation"))
                : List.of();
        return new LoadResult(s, 7, label, measured ? 1.0 : 1e-9, measured ? 3 : 0, measured ? 3 : 0, kinds, c, timeline, violations, broken ? 3 : 0,
                broken ? Path.of("/tmp/x<&>") : null, null, null);
    }
}
