package dev.ttm.tools;

import dev.ttm.protocol.invariants.Invariant;
import dev.ttm.protocol.journal.EntryLog;
import dev.ttm.protocol.journal.FoldResult;
import dev.ttm.protocol.journal.MemoryMap;
import dev.ttm.protocol.journal.StampedViolation;
import dev.ttm.protocol.journal.TtmWords;
import dev.ttm.protocol.journal.WhyChain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ttm replay --html FILE}: one self-contained page (inline CSS and SVG; no script, nothing fetched) with, per
 * region, the memory map over time (x: stamp, y: page, one colour per BO, ghosts hatched in their BO's colour, the
 * CPU-visible window as a band, evictions and faults marked, the first violation as a red line), the first violation
 * explained, and the entries as a table with the violations highlighted. Large journals are sampled: the map draws at
 * most {@link #MAX_SPANS} allocations (the longest-lived, and every one of the BOs the violation names) and the table
 * at most {@link #MAX_ROWS} entries (the first, those around the first violation, the last), each with a note.
 */
final class ReplayHtml {
    static final int MAX_SPANS = 6000;
    static final int MAX_MARKERS = 3000;
    static final int MAX_ROWS = 300;
    static final int MAX_LEGEND = 48;
    static final int MAX_LISTED = 4;

    private static final int WIDTH = 1320;
    private static final int LEFT = 64;
    private static final int RIGHT = 24;
    private static final int TOP = 30;
    private static final int BOTTOM = 36;
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f",
        "#8cd17d", "#a0cbe8", "#ffbe7d", "#d4a6c8", "#86bcb6", "#f1ce63", "#bab0ac", "#499894"};

    private ReplayHtml() {}

    /** The stamps a map spans: {@code [first, end)}, end one past the last entry so the last entry has a width. */
    private record Frame(long first, long end) {
        double x(long stamp) {
            return LEFT + (double) (stamp - first) / Math.max(1, end - first) * (WIDTH - LEFT - RIGHT);
        }
    }

    static String render(Replay.Report rep) {
        FoldResult r = rep.result();
        Map<String, String> colours = colours(rep.memory());
        StampedViolation first = r.violations().isEmpty() ? null : r.violations().get(0);
        WhyChain.Why why = rep.whys().isEmpty() ? null : rep.whys().get(0);
        StringBuilder h = new StringBuilder(256 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ttm replay: ").append(esc(rep.contents().dataDir().toString()))
                .append("</title>\n<style>").append(CSS).append("</style></head>\n<body>\n");
        header(h, rep, first);
        maps(h, rep, colours, first);
        if (why != null) why(h, why);
        table(h, rep, first, why);
        h.append("</body></html>\n");
        return h.toString();
    }

    // ---- header and the explanation --------------------------------------------------------------------------------

    private static void header(StringBuilder h, Replay.Report rep, StampedViolation first) {
        FoldResult r = rep.result();
        h.append("<h1>ttm replay <span class=\"dim\">").append(esc(rep.contents().dataDir().toString())).append("</span></h1>\n<table class=\"facts\">");
        fact(h, "device", Replay.device(rep.device()));
        fact(h, "entries", r.entries() + " (" + r.events() + " events), stamps " + (r.entries() == 0 ? "none" : r.firstStamp() + " .. " + r.lastStamp()));
        fact(h, "digest", r.digest());
        h.append("<tr><th>invariants</th><td>");
        if (first == null) h.append("<span class=\"ok\">ok</span>: every invariant held after every entry");
        else {
            h.append("<span class=\"bad\">").append(r.violations().size()).append(" violation(s)</span><ul class=\"viols\">");
            int shown = 0;
            for (StampedViolation v : r.violations()) {
                if (shown++ == MAX_LISTED) {
                    h.append("<li class=\"dim\">and ").append(r.violations().size() - MAX_LISTED).append(" more (ttm replay lists them all)</li>");
                    break;
                }
                h.append("<li").append(v == first ? " class=\"first\"" : "").append(">").append(esc(v.toString())).append("</li>");
            }
            h.append("</ul>");
        }
        h.append("</td></tr></table>\n");
    }

    private static void fact(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    private static void why(StringBuilder h, WhyChain.Why w) {
        h.append("<section class=\"why\"><h2>Why: the first violation</h2>\n<p>").append(esc(w.summary())).append("</p>\n<ol class=\"chain\">");
        for (WhyChain.Step s : w.steps())
            h.append("<li").append(s.breaking() ? " class=\"breaking\"" : "").append("><b>stamp ").append(s.stamp()).append("</b> <code>").append(esc(s.entity()))
                    .append("</code> ").append(esc(s.text())).append("</li>");
        h.append("</ol>");
        for (String f : w.inFlight()) h.append("<p class=\"dim\">in flight then: ").append(esc(f)).append("</p>");
        h.append("</section>\n");
    }

    // ---- the memory maps -----------------------------------------------------------------------------------------

    private static void maps(StringBuilder h, Replay.Report rep, Map<String, String> colours, StampedViolation first) {
        MemoryMap mem = rep.memory();
        FoldResult r = rep.result();
        Frame f = new Frame(r.entries() == 0 ? 0 : r.firstStamp(), r.entries() == 0 ? 1 : r.lastStamp() + 1);
        Set<String> involved = first == null ? Set.of() : new HashSet<>(WhyChain.bosOf(first.violation().entities()));
        List<MemoryMap.Span> spans = sampleSpans(mem.spans(), f, involved);
        List<MemoryMap.Marker> markers = sample(mem.markers(), MAX_MARKERS);
        h.append("<section><h2>Memory over time</h2>\n");
        legend(h, colours, first != null);
        if (spans.size() < mem.spans().size())
            h.append("<p class=\"note\">").append(mem.spans().size() - spans.size()).append(" of ").append(mem.spans().size())
                    .append(" allocations are not drawn (the shortest-lived; every allocation of the BOs the violation names is).</p>\n");
        if (markers.size() < mem.markers().size())
            h.append("<p class=\"note\">").append(markers.size()).append(" of ").append(mem.markers().size()).append(" eviction and fault markers drawn (evenly sampled).</p>\n");
        for (MemoryMap.RegionInfo region : mem.regions()) region(h, region, spans, markers, f, colours, r.violations(), involved, mem);
        h.append("</section>\n");
    }

    private static void legend(StringBuilder h, Map<String, String> colours, boolean violated) {
        h.append("<div class=\"legend\">");
        int n = 0;
        for (Map.Entry<String, String> c : colours.entrySet()) {
            if (n++ == MAX_LEGEND) {
                h.append("<span class=\"dim\">and ").append(colours.size() - MAX_LEGEND).append(" more BOs</span>");
                break;
            }
            h.append("<span class=\"key\"><svg width=\"16\" height=\"12\"><rect width=\"16\" height=\"12\" fill=\"").append(c.getValue())
                    .append("\"/></svg>").append(esc(c.getKey())).append("</span>");
        }
        h.append("<span class=\"key\"><svg width=\"16\" height=\"12\"><defs>").append(hatch("lg", "#777")).append("</defs><rect width=\"16\" height=\"12\" fill=\"url(#ghost-lg)\" stroke=\"#777\"/></svg>ghost (hatched, its BO's colour)</span>");
        h.append("<span class=\"key\"><svg width=\"16\" height=\"12\"><rect width=\"16\" height=\"12\" class=\"window\"/></svg>CPU-visible window</span>");
        h.append("<span class=\"key\"><svg width=\"14\" height=\"14\">").append(cross(7, 7)).append("</svg>eviction</span>");
        h.append("<span class=\"key\"><svg width=\"14\" height=\"14\">").append(triangle(7, 7)).append("</svg>CPU fault</span>");
        if (violated)
            h.append("<span class=\"key\"><svg width=\"16\" height=\"14\"><line x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\" class=\"vline\"/></svg>first violation (other violations: ")
                    .append("<svg width=\"10\" height=\"8\"><path class=\"vtick\" d=\"M1 0L9 0L5 7Z\"/></svg>)</span>");
        h.append("</div>\n");
    }

    private static void region(StringBuilder h, MemoryMap.RegionInfo region, List<MemoryMap.Span> all, List<MemoryMap.Marker> markers, Frame f,
                               Map<String, String> colours, List<StampedViolation> violations, Set<String> involved, MemoryMap mem) {
        StampedViolation first = violations.isEmpty() ? null : violations.get(0);
        List<MemoryMap.Span> spans = new ArrayList<>();
        long top = Math.max(region.sizePages(), region.windowPages());
        for (MemoryMap.Span s : all) {
            if (!s.region().equals(region.name())) continue;
            spans.add(s);
            top = Math.max(top, s.startPage() + s.pages());
        }
        if (top <= 0) top = 1;
        int plot = spans.isEmpty() ? 70 : region.sizePages() < 0 ? 150 : 240; // an unused region takes little room
        int height = TOP + plot + BOTTOM;
        double perPage = (double) plot / top;
        h.append("<h3>").append(esc(region.name())).append(" <span class=\"dim\">").append(region.sizePages() < 0 ? "unbounded" : region.sizePages() + " pages")
                .append(region.windowPages() > 0 ? ", CPU-visible window [0.." + region.windowPages() + ")" : region.cpuVisible() ? ", CPU-visible" : "")
                .append(", ").append(spans.isEmpty() ? "never used" : spans.size() + " allocation(s) drawn").append("</span></h3>\n");
        h.append("<svg class=\"map\" data-region=\"").append(esc(region.name())).append("\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\">\n<defs>");
        for (Map.Entry<String, String> c : colours.entrySet()) h.append(hatch(id(c.getKey()), c.getValue()));
        h.append("</defs>\n<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(WIDTH - LEFT - RIGHT).append("\" height=\"").append(plot)
                .append("\" class=\"plot\"/>\n");
        if (region.windowPages() > 0) window(h, region, perPage);
        axes(h, f, top, plot, perPage, region.windowPages());
        bos(h, region, spans, f, colours, perPage, first, involved, mem);
        if (region.windowPages() > 0) windowEdge(h, region, perPage);
        for (MemoryMap.Marker m : markers) if (m.region().equals(region.name())) marker(h, m, f, perPage);
        violationTicks(h, violations, f);
        if (first != null) violationLine(h, first, f, plot);
        h.append("</svg>\n");
    }

    /** The band under the allocations, so free pages of the window show yellow. */
    private static void window(StringBuilder h, MemoryMap.RegionInfo region, double perPage) {
        h.append("<rect class=\"window\" x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(WIDTH - LEFT - RIGHT).append("\" height=\"")
                .append(fmt(region.windowPages() * perPage)).append("\"><title>CPU-visible window [0..").append(region.windowPages()).append(")</title></rect>\n");
    }

    /** The window's edge over the allocations, so it shows even when the window is full; its page on the axis. */
    private static void windowEdge(StringBuilder h, MemoryMap.RegionInfo region, double perPage) {
        double y = TOP + region.windowPages() * perPage;
        h.append("<line class=\"winedge\" x1=\"").append(LEFT - 4).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>\n")
                .append("<text class=\"wintext\" x=\"").append(WIDTH - RIGHT - 4).append("\" y=\"").append(fmt(y - 4)).append("\" text-anchor=\"end\">CPU-visible window [0..")
                .append(region.windowPages()).append(")</text>\n")
                .append("<text class=\"wintick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\">").append(region.windowPages()).append("</text>\n");
    }

    /** Stamps along the bottom, pages (0 at the top, as a memory map reads) along the left, with faint grid lines. */
    private static void axes(StringBuilder h, Frame f, long top, int plot, double perPage, long window) {
        int base = TOP + plot;
        for (long s : ticks(f.first(), f.end() - 1, 12)) {
            double x = f.x(s);
            h.append("<line class=\"grid\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(TOP).append("\" y2=\"").append(base).append("\"/>")
                    .append("<text class=\"tick\" x=\"").append(fmt(x)).append("\" y=\"").append(base + 14).append("\" text-anchor=\"middle\">").append(s).append("</text>\n");
        }
        h.append("<text class=\"axis\" x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(base + 30).append("\" text-anchor=\"end\">stamp →</text>\n");
        for (long p : ticks(0, top, 6)) {
            if (window > 0 && p != 0 && Math.abs(p - window) * perPage < 12) continue; // the window's edge has its own label
            double y = TOP + p * perPage;
            h.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>")
                    .append("<text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\">").append(p).append("</text>\n");
        }
        h.append("<text class=\"axis\" x=\"").append(LEFT - 6).append("\" y=\"").append(TOP - 10).append("\" text-anchor=\"end\">page ↓</text>\n");
    }

    /** One group per BO (its own pages and its ghosts'), so a reader, or a test, finds each BO's series. */
    private static void bos(StringBuilder h, MemoryMap.RegionInfo region, List<MemoryMap.Span> spans, Frame f, Map<String, String> colours, double perPage,
                            StampedViolation first, Set<String> involved, MemoryMap mem) {
        Map<String, List<MemoryMap.Span>> byBo = new LinkedHashMap<>();
        for (MemoryMap.Span s : spans) byBo.computeIfAbsent(s.bo(), k -> new ArrayList<>()).add(s);
        for (Map.Entry<String, List<MemoryMap.Span>> e : byBo.entrySet()) {
            String colour = colours.getOrDefault(e.getKey(), "#999");
            h.append("<g class=\"bo\" data-bo=\"").append(esc(e.getKey())).append("\">");
            for (MemoryMap.Span s : e.getValue()) span(h, s, f, colour, perPage, hit(s, first, involved, f));
            h.append("</g>\n");
        }
    }

    private static boolean hit(MemoryMap.Span s, StampedViolation first, Set<String> involved, Frame f) {
        if (first == null || !involved.contains(s.bo())) return false;
        long to = s.to() < 0 ? f.end() : s.to();
        return s.from() <= first.stamp() && first.stamp() < to;
    }

    private static void span(StringBuilder h, MemoryMap.Span s, Frame f, String colour, double perPage, boolean hit) {
        long to = s.to() < 0 ? f.end() : s.to();
        double x = f.x(s.from());
        double w = Math.max(1.5, f.x(to) - x);
        double y = TOP + s.startPage() * perPage;
        double ht = Math.max(1.5, s.pages() * perPage);
        h.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" width=\"").append(fmt(w)).append("\" height=\"").append(fmt(ht)).append('"');
        if (s.ghost()) h.append(" fill=\"url(#ghost-").append(id(s.bo())).append(")\" stroke=\"").append(colour).append('"').append(" class=\"ghost").append(hit ? " hit" : "").append('"');
        else h.append(" fill=\"").append(colour).append('"').append(hit ? " class=\"hit\"" : "");
        h.append("><title>").append(esc((s.ghost() ? s.holder() + " (ghost of " + s.bo() + ")" : s.holder()) + " " + s.region() + "[" + s.startPage() + ".."
                + (s.startPage() + s.pages()) + ") from stamp " + s.from() + (s.to() < 0 ? " to the end" : " to " + s.to()))).append("</title></rect>");
        if (w > 26 && ht > 11 && !s.ghost())
            h.append("<text class=\"label\" x=\"").append(fmt(x + 3)).append("\" y=\"").append(fmt(y + Math.min(ht, 24) / 2 + 4)).append("\">").append(esc(s.holder())).append("</text>");
    }

    private static void marker(StringBuilder h, MemoryMap.Marker m, Frame f, double perPage) {
        double x = f.x(m.stamp());
        double y = TOP + (m.startPage() + m.pages() / 2.0) * perPage;
        h.append("<g class=\"").append(m.kind() == MemoryMap.Kind.EVICTION ? "evict" : "fault").append("\"><title>stamp ").append(m.stamp()).append(": ").append(esc(m.text()))
                .append("</title>").append(m.kind() == MemoryMap.Kind.EVICTION ? cross(x, y) : triangle(x, y)).append("</g>\n");
    }

    private static void violationLine(StringBuilder h, StampedViolation v, Frame f, int plot) {
        double x = f.x(v.stamp()) + 0.5;
        h.append("<g class=\"violation\"><title>").append(esc(v.toString())).append("</title><line class=\"vline\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x))
                .append("\" y1=\"").append(TOP - 6).append("\" y2=\"").append(TOP + plot).append("\"/><text class=\"vtext\" x=\"").append(fmt(x + 4)).append("\" y=\"").append(TOP - 8)
                .append("\">").append(esc(v.violation().invariant() + " " + Invariant.title(v.violation().invariant()) + " at stamp " + v.stamp())).append("</text></g>\n");
    }

    /** Every stamp where an invariant broke, as a small red tick above the plot; the first gets the line. */
    private static void violationTicks(StringBuilder h, List<StampedViolation> vs, Frame f) {
        Map<Long, List<String>> at = new LinkedHashMap<>();
        for (StampedViolation v : vs) at.computeIfAbsent(v.stamp(), k -> new ArrayList<>()).add(v.violation().invariant());
        for (Map.Entry<Long, List<String>> e : at.entrySet()) {
            double x = f.x(e.getKey()) + 0.5;
            h.append("<path class=\"vtick\" d=\"M").append(fmt(x - 4)).append(' ').append(TOP - 7).append('L').append(fmt(x + 4)).append(' ').append(TOP - 7).append('L')
                    .append(fmt(x)).append(' ').append(TOP).append("Z\"><title>stamp ").append(e.getKey()).append(": ").append(esc(String.join(", ", e.getValue()))).append("</title></path>");
        }
    }

    private static String cross(double x, double y) {
        return "<path class=\"evictmark\" d=\"M" + fmt(x - 5) + " " + fmt(y - 5) + "L" + fmt(x + 5) + " " + fmt(y + 5) + "M" + fmt(x - 5) + " " + fmt(y + 5) + "L" + fmt(x + 5) + " " + fmt(y - 5) + "\"/>";
    }

    private static String triangle(double x, double y) {
        return "<path class=\"faultmark\" d=\"M" + fmt(x) + " " + fmt(y - 6) + "L" + fmt(x + 5) + " " + fmt(y + 4) + "L" + fmt(x - 5) + " " + fmt(y + 4) + "Z\"/>";
    }

    private static String hatch(String id, String colour) {
        return "<pattern id=\"ghost-" + id + "\" class=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
                + "<rect width=\"6\" height=\"6\" fill=\"#fff\"/><rect width=\"3\" height=\"6\" fill=\"" + colour + "\"/></pattern>";
    }

    // ---- the entries -----------------------------------------------------------------------------------------------

    private static void table(StringBuilder h, Replay.Report rep, StampedViolation first, WhyChain.Why why) {
        EntryLog log = rep.log();
        List<EntryLog.Logged> all = log.entries();
        Set<Long> chain = new HashSet<>();
        if (why != null) for (WhyChain.Step s : why.steps()) chain.add(s.stamp());
        boolean[] shown = rowsShown(all, first);
        int count = 0;
        for (boolean b : shown) if (b) count++;
        h.append("<section><h2>Entries</h2>\n");
        if (count < all.size())
            h.append("<p class=\"note\">").append(count).append(" of ").append(all.size()).append(" entries shown: the first, those around the first violation and the last"
                    + " (ttm replay --bo NAME and --json give them all).</p>\n");
        h.append("<table class=\"entries\"><thead><tr><th>stamp</th><th>entity</th><th>input</th><th>from</th><th>what happened</th><th>sent</th></tr></thead><tbody>\n");
        boolean gap = false;
        for (int i = 0; i < all.size(); i++) {
            if (!shown[i]) {
                gap = true;
                continue;
            }
            if (gap) h.append("<tr class=\"gap\"><td colspan=\"6\">…</td></tr>\n");
            gap = false;
            row(h, all.get(i), first, chain);
        }
        if (gap) h.append("<tr class=\"gap\"><td colspan=\"6\">…</td></tr>\n");
        h.append("</tbody></table></section>\n");
    }

    /** Which rows to show: all of a small journal; else the first, a window around the first violation, the last. */
    private static boolean[] rowsShown(List<EntryLog.Logged> all, StampedViolation first) {
        boolean[] shown = new boolean[all.size()];
        if (all.size() <= MAX_ROWS) {
            java.util.Arrays.fill(shown, true);
            return shown;
        }
        int edge = MAX_ROWS / 5;
        for (int i = 0; i < edge; i++) {
            shown[i] = true;
            shown[all.size() - 1 - i] = true;
        }
        int centre = all.size() / 2;
        if (first != null) for (EntryLog.Logged l : all) if (l.stamp() >= first.stamp()) {
            centre = l.index();
            break;
        }
        int half = (MAX_ROWS - 2 * edge) / 2;
        for (int i = Math.max(0, centre - half); i < Math.min(all.size(), centre + half); i++) shown[i] = true;
        return shown;
    }

    private static void row(StringBuilder h, EntryLog.Logged l, StampedViolation first, Set<Long> chain) {
        boolean broke = !l.broke().isEmpty();
        boolean isFirst = first != null && first.stamp() == l.stamp() && l.entity().equals(first.entity());
        String cls = (isFirst ? "first " : "") + (broke ? "viol " : "") + (chain.contains(l.stamp()) ? "chain" : "");
        h.append("<tr").append(cls.isBlank() ? "" : " class=\"" + cls.trim() + "\"").append(isFirst ? " id=\"first-violation\"" : "").append("><td>").append(l.stamp())
                .append("</td><td>").append(esc(l.entity().toString())).append("</td><td>").append(esc(TtmWords.input(l.entry().recorded().input())))
                .append("</td><td>").append(esc(l.cause().toString())).append("</td><td>").append(esc(TtmWords.events(l.entry().recorded().events())));
        for (StampedViolation v : l.broke())
            h.append("<div class=\"vmsg\">").append(esc(v.violation().invariant() + " " + Invariant.title(v.violation().invariant()) + ": " + v.violation().detail())).append("</div>");
        h.append("</td><td>").append(esc(TtmWords.sends(l.sends()))).append("</td></tr>\n");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** One colour per BO, in the order they first hold pages: a qualitative palette, then golden-angle hues. */
    private static Map<String, String> colours(MemoryMap mem) {
        List<MemoryMap.Span> spans = new ArrayList<>(mem.spans());
        spans.sort(Comparator.comparingLong(MemoryMap.Span::from));
        Map<String, String> out = new LinkedHashMap<>();
        for (MemoryMap.Span s : spans) {
            if (out.containsKey(s.bo())) continue;
            int i = out.size();
            out.put(s.bo(), i < PALETTE.length ? PALETTE[i] : String.format(Locale.ROOT, "hsl(%d,55%%,55%%)", (int) ((i * 137.508) % 360)));
        }
        return out;
    }

    private static List<MemoryMap.Span> sampleSpans(List<MemoryMap.Span> spans, Frame f, Set<String> involved) {
        if (spans.size() <= MAX_SPANS) return spans;
        List<MemoryMap.Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong((MemoryMap.Span s) -> involved.contains(s.bo()) ? Long.MIN_VALUE : -((s.to() < 0 ? f.end() : s.to()) - s.from())));
        return sorted.subList(0, MAX_SPANS);
    }

    private static <T> List<T> sample(List<T> xs, int max) {
        if (xs.size() <= max) return xs;
        List<T> out = new ArrayList<>(max);
        for (int i = 0; i < max; i++) out.add(xs.get((int) ((long) i * xs.size() / max)));
        return out;
    }

    /** About {@code n} round ticks from {@code lo} to {@code hi} (1, 2 or 5 times a power of ten apart). */
    static List<Long> ticks(long lo, long hi, int n) {
        long span = Math.max(1, hi - lo);
        double raw = (double) span / n;
        long step = 1;
        while (step * 5 < raw) step *= 10;
        if (step < raw) step = step * 2 >= raw ? step * 2 : step * 5;
        List<Long> out = new ArrayList<>();
        for (long t = (lo + step - 1) / step * step; t <= hi; t += step) out.add(t);
        if (out.isEmpty() || out.get(0) != lo) out.add(0, lo);
        return out;
    }

    private static String id(String bo) {
        StringBuilder b = new StringBuilder();
        for (char c : bo.toCharArray()) b.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : "_" + (int) c);
        return b.toString();
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static String esc(String s) {
        return dev.ttm.load.LoadHtml.esc(s);
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px 28px;color:#222;background:#fff}
            h1{font-size:22px;margin:0 0 10px} h2{font-size:18px;margin:26px 0 8px} h3{font-size:15px;margin:18px 0 4px}
            .dim{color:#777;font-weight:normal} .ok{color:#1a7f37;font-weight:600} .bad{color:#c62828;font-weight:600}
            table.facts th{text-align:left;padding:2px 14px 2px 0;vertical-align:top;color:#555;font-weight:600} table.facts td{padding:2px 0}
            ul.viols{margin:4px 0;padding-left:20px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
            ul.viols li.first{color:#c62828;font-weight:700}
            section.why{border-left:5px solid #c62828;background:#fdf1f1;padding:8px 16px;margin:18px 0}
            section.why p{margin:6px 0} ol.chain{margin:6px 0;padding-left:22px;font-size:13px} ol.chain li{margin:2px 0}
            ol.chain li.breaking{color:#c62828;font-weight:700}
            .legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:6px 0 4px;font-size:13px} .legend .key{display:inline-flex;align-items:center;gap:5px}
            .note{color:#8a5a00;background:#fff8e1;padding:4px 8px;display:inline-block;margin:4px 0}
            svg.map{display:block;font:11px system-ui,sans-serif}
            .plot{fill:#fafafa;stroke:#bbb} .grid{stroke:#e6e6e6} .tick{fill:#555} .axis{fill:#333;font-weight:600}
            .window{fill:#fff3b0;fill-opacity:.75;stroke:none} .winedge{stroke:#c9a400;stroke-dasharray:6 3;stroke-width:1.5} .wintext{fill:#6b5500;font-weight:700;paint-order:stroke;stroke:#fff;stroke-width:3px} .wintick{fill:#8a6d00;font-weight:700}
            g.bo rect{stroke:#fff;stroke-width:.6} g.bo rect.ghost{stroke-width:1} g.bo rect.hit{stroke:#c62828;stroke-width:3}
            .label{fill:#fff;font-weight:700;paint-order:stroke;stroke:#0005;stroke-width:2px;pointer-events:none}
            .evictmark{stroke:#c62828;stroke-width:2.5;fill:none} .faultmark{fill:#111;stroke:#fff;stroke-width:1}
            .vline{stroke:#c62828;stroke-width:2.5} .vtick{fill:#e57373} .vtext{fill:#c62828;font-weight:700}
            table.entries{border-collapse:collapse;font-size:12px;width:100%} table.entries th{position:sticky;top:0;background:#eee;text-align:left}
            table.entries td,table.entries th{border-bottom:1px solid #e4e4e4;padding:3px 6px;vertical-align:top}
            table.entries td:first-child{font-family:ui-monospace,Menlo,Consolas,monospace;text-align:right}
            tr.chain td{background:#fff7e0} tr.viol td{background:#fde2e2} tr.first td{background:#f8b4b4;font-weight:600}
            tr.first td:first-child{border-left:5px solid #c62828} .vmsg{color:#b71c1c;font-weight:700} tr.gap td{text-align:center;color:#999}
            """;
}
