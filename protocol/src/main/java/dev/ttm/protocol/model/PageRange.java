package dev.ttm.protocol.model;

/** The pages {@code [fpfn, lpfn)} a place allows in its region, resolved against the region's size and window. */
public record PageRange(long fpfn, long lpfn) {
    public PageRange {
        if (fpfn < 0 || lpfn <= fpfn) throw new IllegalArgumentException("empty page range " + fpfn + ".." + lpfn);
    }

    public long pages() {
        return lpfn - fpfn;
    }
}
