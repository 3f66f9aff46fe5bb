package dev.ttm.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * One line chart of the load reports as inline SVG (no script) with its legend: x linear (time) or given ticks (the
 * percentile plot's "nines"), y linear or log10. Robust to what a run can produce: no series, no points, one point,
 * zeros on a log axis (left out: a gap), non-finite or huge values; every coordinate written is finite and clamped.
 */
final class Chart {
    static final int FULL = 1200;
    static final int HALF = 590;
    private static final int LEFT = 76;
    private static final int RIGHT = 18;
    private static final int TOP = 26;
    private static final int BOTTOM = 40;
    /** Coordinates are clamped this far outside the plot, so a wild value cannot make a wild attribute. */
    private static final double SLACK = 40;

    enum Scale { LINEAR, LOG }

    /** A series: points {@code (xs[i], ys[i])}; non-finite ys, and ys ≤ 0 on a log axis, are gaps. */
    record Series(String name, String colour, double[] xs, double[] ys, boolean dashed, double width) {
        Series(String name, String colour, double[] xs, double[] ys) {
            this(name, colour, xs, ys, false, 2);
        }
    }

    /** A shaded stretch of x (the warm-up). */
    record Band(double from, double to, String label) {}

    /** A horizontal reference line (a region's size, a mean). */
    record Level(double y, String colour, String label) {}

    record Tick(double at, String label) {}

    private final String id;
    private final String xLabel;
    private final String yLabel;
    private final Scale scale;
    private final DoubleFunction<String> yFormat;
    private int width = FULL;
    private int plotHeight = 240;
    private double xLo = Double.NaN;
    private double xHi = Double.NaN;
    private List<Tick> xTicks;
    private DoubleFunction<String> xFormat = Chart::number;
    private boolean binary;
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Level> levels = new ArrayList<>();

    Chart(String id, String xLabel, String yLabel, Scale scale, DoubleFunction<String> yFormat) {
        this.id = id;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.scale = scale;
        this.yFormat = yFormat;
    }

    Chart width(int w) {
        width = w;
        return this;
    }

    Chart plotHeight(int h) {
        plotHeight = h;
        return this;
    }

    Chart x(double lo, double hi) {
        xLo = lo;
        xHi = hi;
        return this;
    }

    Chart xTicks(List<Tick> ticks) {
        xTicks = ticks;
        return this;
    }

    /** A linear y axis of bytes: ticks a power of two apart (64 MiB, not 50,000,000 bytes). */
    Chart binary() {
        binary = true;
        return this;
    }

    Chart xFormat(DoubleFunction<String> f) {
        xFormat = f;
        return this;
    }

    Chart add(Series s) {
        series.add(s);
        return this;
    }

    Chart band(Band b) {
        bands.add(b);
        return this;
    }

    Chart level(Level l) {
        levels.add(l);
        return this;
    }

    boolean hasPoints() {
        for (Series s : series) for (int i = 0; i < s.ys().length; i++) if (drawable(s.ys()[i])) return true;
        return false;
    }

    private boolean drawable(double y) {
        return Double.isFinite(y) && (scale == Scale.LINEAR || y > 0);
    }

    /** The legend (HTML) and the SVG. */
    String render() {
        StringBuilder h = new StringBuilder(8192);
        legend(h);
        int height = TOP + plotHeight + BOTTOM;
        int plotW = width - LEFT - RIGHT;
        double[] xr = xRange();
        double[] yr = yRange();
        Frame f = new Frame(xr[0], xr[1], yr[0], yr[1], plotW);
        h.append("<svg class=\"chart\" data-chart=\"").append(LoadHtml.esc(id)).append("\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\">\n");
        h.append("<rect class=\"plot\" x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotW).append("\" height=\"").append(plotHeight).append("\"/>\n");
        for (Band b : bands) band(h, b, f);
        yAxis(h, f);
        xAxis(h, f);
        for (Level l : levels) level(h, l, f);
        for (Series s : series) line(h, s, f);
        if (!hasPoints())
            h.append("<text class=\"empty\" x=\"").append(LEFT + plotW / 2).append("\" y=\"").append(TOP + plotHeight / 2).append("\" text-anchor=\"middle\">no data</text>\n");
        h.append("</svg>\n");
        return h.toString();
    }

    private void legend(StringBuilder h) {
        h.append("<div class=\"legend\">");
        for (Series s : series) {
            h.append("<span class=\"key\"><svg width=\"22\" height=\"12\"><line x1=\"1\" y1=\"6\" x2=\"21\" y2=\"6\" stroke=\"").append(s.colour())
                    .append("\" stroke-width=\"").append(fmt(Math.max(2, s.width()))).append('"').append(s.dashed() ? " stroke-dasharray=\"5 3\"" : "")
                    .append("/></svg>").append(LoadHtml.esc(s.name())).append("</span>");
        }
        for (Level l : levels)
            h.append("<span class=\"key\"><svg width=\"22\" height=\"12\"><line x1=\"1\" y1=\"6\" x2=\"21\" y2=\"6\" class=\"level\" stroke=\"").append(l.colour())
                    .append("\"/></svg>").append(LoadHtml.esc(l.label())).append("</span>");
        for (Band b : bands)
            h.append("<span class=\"key\"><svg width=\"16\" height=\"12\"><rect width=\"16\" height=\"12\" class=\"warm\"/></svg>").append(LoadHtml.esc(b.label())).append("</span>");
        h.append("</div>\n");
    }

    private record Frame(double xLo, double xHi, double yLo, double yHi, int plotW) {}

    private double[] xRange() {
        if (Double.isFinite(xLo) && Double.isFinite(xHi) && xHi > xLo) return new double[] {xLo, xHi};
        double hi = 0;
        for (Series s : series) for (double x : s.xs()) if (Double.isFinite(x)) hi = Math.max(hi, x);
        for (Band b : bands) if (Double.isFinite(b.to())) hi = Math.max(hi, b.to());
        return new double[] {0, hi > 0 ? hi : 1};
    }

    /** The y range: from 0 (linear) or the decade below the smallest value (log), to a round value above the largest. */
    private double[] yRange() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) for (double y : s.ys()) if (drawable(y)) {
            lo = Math.min(lo, y);
            hi = Math.max(hi, y);
        }
        for (Level l : levels) if (drawable(l.y())) {
            lo = Math.min(lo, l.y());
            hi = Math.max(hi, l.y());
        }
        if (scale == Scale.LOG) {
            if (!(hi > 0)) return new double[] {3, 6}; // 1 µs .. 1 ms when there is nothing to show
            double a = Math.floor(Math.log10(lo));
            double b = Math.ceil(Math.log10(hi));
            if (b <= a) b = a + 1;
            return new double[] {a, b}; // exponents
        }
        if (!(hi > 0)) hi = 1;
        double step = yStep(hi);
        double top = Math.ceil(hi / step) * step;
        if (!Double.isFinite(top) || top <= 0) top = hi;
        return new double[] {0, top};
    }

    private double px(Frame f, double x) {
        double v = LEFT + (x - f.xLo()) / (f.xHi() - f.xLo()) * f.plotW();
        return clamp(v, LEFT - SLACK, LEFT + f.plotW() + SLACK);
    }

    /** NaN when the value is not drawable. */
    private double py(Frame f, double y) {
        if (!drawable(y)) return Double.NaN;
        double v = scale == Scale.LOG ? Math.log10(y) : y;
        double p = TOP + plotHeight - (v - f.yLo()) / (f.yHi() - f.yLo()) * plotHeight;
        return clamp(p, TOP - SLACK, TOP + plotHeight + SLACK);
    }

    private static double clamp(double v, double lo, double hi) {
        if (Double.isNaN(v)) return lo;
        return Math.max(lo, Math.min(hi, v));
    }

    private void band(StringBuilder h, Band b, Frame f) {
        double x1 = clamp(px(f, b.from()), LEFT, LEFT + f.plotW());
        double x2 = clamp(px(f, b.to()), LEFT, LEFT + f.plotW());
        if (x2 - x1 < 0.5) return;
        h.append("<g class=\"band\"><title>").append(LoadHtml.esc(b.label())).append("</title><rect class=\"warm\" x=\"").append(fmt(x1)).append("\" y=\"").append(TOP)
                .append("\" width=\"").append(fmt(x2 - x1)).append("\" height=\"").append(plotHeight).append("\"/>");
        if (x2 - x1 > 50)
            h.append("<text class=\"bandtext\" x=\"").append(fmt(x1 + 5)).append("\" y=\"").append(TOP + 14).append("\">").append(LoadHtml.esc(b.label())).append("</text>");
        h.append("</g>\n");
    }

    private void yAxis(StringBuilder h, Frame f) {
        List<Double> ticks = new ArrayList<>();
        if (scale == Scale.LOG) {
            int decades = (int) Math.round(f.yHi() - f.yLo());
            int every = Math.max(1, (int) Math.ceil(decades / 8.0));
            for (int e = 0; e <= decades; e += every) {
                double exp = f.yLo() + e;
                ticks.add(Math.pow(10, exp));
                if (decades <= 3 && e < decades) {
                    ticks.add(2 * Math.pow(10, exp));
                    ticks.add(5 * Math.pow(10, exp));
                }
            }
        } else {
            double step = yStep(f.yHi());
            for (int i = 0; i <= 12; i++) {
                double v = i * step;
                if (v > f.yHi() * 1.0000001) break;
                ticks.add(v);
            }
        }
        for (double v : ticks) {
            double y = py(f, v);
            if (Double.isNaN(y)) continue;
            h.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + f.plotW()).append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>")
                    .append("<text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\">").append(LoadHtml.esc(yFormat.apply(v))).append("</text>\n");
        }
        h.append("<text class=\"axis\" x=\"4\" y=\"").append(TOP - 10).append("\">").append(LoadHtml.esc(yLabel)).append(scale == Scale.LOG ? " (log scale)" : "").append(" ↑</text>\n");
    }

    private void xAxis(StringBuilder h, Frame f) {
        int base = TOP + plotHeight;
        List<Tick> ticks = xTicks;
        if (ticks == null) {
            ticks = new ArrayList<>();
            double span = f.xHi() - f.xLo();
            int n = Math.max(4, f.plotW() / 90);
            double step = niceStep(span / n);
            double first = Math.ceil(f.xLo() / step) * step;
            for (int i = 0; i <= 2 * n + 2; i++) {
                double v = first + i * step;
                if (v > f.xHi() + step * 1e-6) break;
                ticks.add(new Tick(v, xFormat.apply(v)));
            }
        }
        for (Tick t : ticks) {
            double x = px(f, t.at());
            if (x < LEFT - 0.5 || x > LEFT + f.plotW() + 0.5) continue;
            double half = t.label().length() * 3.3; // about half the label's width at 11px
            String anchor = x + half > width - 2 ? "end" : "middle";
            double tx = anchor.equals("end") ? Math.min(x + 4, width - 2) : x;
            h.append("<line class=\"grid\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(TOP).append("\" y2=\"").append(base).append("\"/>")
                    .append("<text class=\"tick\" x=\"").append(fmt(tx)).append("\" y=\"").append(base + 14).append("\" text-anchor=\"").append(anchor).append("\">")
                    .append(LoadHtml.esc(t.label())).append("</text>\n");
        }
        h.append("<text class=\"axis\" x=\"").append(width - RIGHT).append("\" y=\"").append(base + 32).append("\" text-anchor=\"end\">").append(LoadHtml.esc(xLabel)).append(" →</text>\n");
    }

    private void level(StringBuilder h, Level l, Frame f) {
        double y = py(f, l.y());
        if (Double.isNaN(y)) return;
        h.append("<g class=\"lvl\"><title>").append(LoadHtml.esc(l.label())).append("</title><line class=\"level\" stroke=\"").append(l.colour()).append("\" x1=\"").append(LEFT)
                .append("\" x2=\"").append(LEFT + f.plotW()).append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/><text class=\"leveltext\" fill=\"")
                .append(l.colour()).append("\" x=\"").append(LEFT + f.plotW() - 4).append("\" y=\"").append(fmt(y - 4)).append("\" text-anchor=\"end\">").append(LoadHtml.esc(l.label()))
                .append("</text></g>\n");
    }

    /** The series as one path (gaps where a value is missing); a point with no neighbour is a dot. */
    private void line(StringBuilder h, Series s, Frame f) {
        int n = Math.min(s.xs().length, s.ys().length);
        StringBuilder d = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double y = py(f, s.ys()[i]);
            if (Double.isNaN(y) || !Double.isFinite(s.xs()[i])) continue;
            double x = px(f, s.xs()[i]);
            boolean prev = i > 0 && !Double.isNaN(py(f, s.ys()[i - 1])) && Double.isFinite(s.xs()[i - 1]);
            boolean next = i + 1 < n && !Double.isNaN(py(f, s.ys()[i + 1])) && Double.isFinite(s.xs()[i + 1]);
            d.append(prev ? 'L' : 'M').append(fmt(x)).append(' ').append(fmt(y));
            if (!prev && !next)
                dots.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"3\" fill=\"").append(s.colour()).append("\"/>");
        }
        h.append("<g class=\"series\" data-series=\"").append(LoadHtml.esc(s.name())).append("\"><title>").append(LoadHtml.esc(s.name())).append("</title>");
        if (d.length() > 0)
            h.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(s.colour()).append("\" stroke-width=\"").append(fmt(s.width()))
                    .append("\" stroke-linejoin=\"round\"").append(s.dashed() ? " stroke-dasharray=\"6 4\"" : "").append("/>");
        h.append(dots).append("</g>\n");
    }

    private double yStep(double hi) {
        if (!binary || !(hi >= 4)) return niceStep(hi / 5);
        double raw = hi / 6;
        double step = 1;
        while (step < raw && Double.isFinite(step * 2)) step *= 2;
        return step;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        if (!(p > 0) || !Double.isFinite(p)) return raw;
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw * (1 - 1e-9)) return m * p;
        return 10 * p;
    }

    static String fmt(double d) {
        if (!Double.isFinite(d)) d = 0;
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** A plain number for a tick: 0, 2.5, 40, 1,200, 3.5M. */
    static String number(double v) {
        if (!Double.isFinite(v)) return "";
        double a = Math.abs(v);
        if (a >= 1e12) return String.format(Locale.ROOT, "%.3g", v);
        if (a >= 1e7) return trim(String.format(Locale.ROOT, "%.1f", v / 1e6)) + "M";
        if (a >= 1e4) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100 || v == Math.rint(v)) return String.format(Locale.ROOT, "%.0f", v);
        return trim(String.format(Locale.ROOT, "%.2f", v));
    }

    private static String trim(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** A latency tick: 500 ns, 20 µs, 1 ms, 2 s. */
    static String latency(double ns) {
        if (!Double.isFinite(ns)) return "";
        if (ns < 1e3) return number(ns) + " ns";
        if (ns < 1e6) return number(ns / 1e3) + " µs";
        if (ns < 1e9) return number(ns / 1e6) + " ms";
        return number(ns / 1e9) + " s";
    }

    /** A byte-count tick: 0, 64 KiB, 256 MiB, 1.5 GiB. */
    static String bytes(double b) {
        if (!Double.isFinite(b)) return "";
        if (b == 0) return "0";
        if (b < 1024) return number(b) + " B";
        if (b < 1L << 20) return number(b / 1024) + " KiB";
        if (b < 1L << 30) return number(b / (1L << 20)) + " MiB";
        if (b < 1L << 40) return number(b / (1L << 30)) + " GiB";
        return number(b / (double) (1L << 40)) + " TiB";
    }
}
