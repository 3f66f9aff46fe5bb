package dev.ttm.load;

/** The run's self-contained HTML report (inline SVG, no script, nothing fetched). */
public final class LoadHtml {
    private LoadHtml() {}

    public static String render(LoadResult r) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ttm load</title></head><body><pre>");
        for (String line : Reports.text(r)) h.append(line.replace("&", "&amp;").replace("<", "&lt;")).append('\n');
        return h.append("</pre></body></html>\n").toString();
    }
}
