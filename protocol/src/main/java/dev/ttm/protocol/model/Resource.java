package dev.ttm.protocol.model;

/**
 * A BO's backing store: {@code pages} pages at {@code startPage} of {@code region}, allocated for the
 * resolved page range {@code [fpfn, lpfn)} of the place that asked for it (INV-5 checks it stays inside).
 */
public record Resource(String region, long startPage, long pages, long fpfn, long lpfn) {
    public Resource {
        if (pages <= 0 || startPage < 0) throw new IllegalArgumentException("bad resource " + startPage + "+" + pages);
    }

    public long endPage() {
        return startPage + pages;
    }

    /** TTM's {@code compatible}: the resource already satisfies this resolved place. */
    public boolean compatibleWith(String placeRegion, long placeFpfn, long placeLpfn) {
        return region.equals(placeRegion) && startPage >= placeFpfn && endPage() <= placeLpfn;
    }

    /** TTM's {@code intersects}: evicting this resource can help an allocation in {@code [fpfn, lpfn)}. */
    public boolean intersects(long placeFpfn, long placeLpfn) {
        return startPage < placeLpfn && endPage() > placeFpfn;
    }

    @Override
    public String toString() {
        return region + "[" + startPage + ".." + endPage() + ")";
    }
}
