package dev.ttm.protocol.model;

/**
 * One entry of a placement: a region, a page range {@code [fpfn, lpfn)} ({@code lpfn == 0}: to the end of
 * the region) and TTM's place flags. {@code visible} restricts a VRAM place to the CPU-visible window; it
 * is resolved into the range by {@link DeviceConfig#resolve(Place)}.
 */
public record Place(String region, long fpfn, long lpfn, boolean visible, boolean desired, boolean fallback,
                    boolean topdown) {
    public Place {
        if (region == null || region.isEmpty()) throw new IllegalArgumentException("place without region");
        if (fpfn < 0 || lpfn < 0) throw new IllegalArgumentException("negative page range");
        if (lpfn != 0 && lpfn <= fpfn) throw new IllegalArgumentException("empty page range " + fpfn + ".." + lpfn);
        if (desired && fallback) throw new IllegalArgumentException("a place is desired or fallback, not both");
    }

    public static Place of(String region) {
        return new Place(region, 0, 0, false, false, false, false);
    }

    public static Place visible(String region) {
        return new Place(region, 0, 0, true, false, false, false);
    }

    public Place withRange(long first, long last) {
        return new Place(region, first, last, visible, desired, fallback, topdown);
    }

    /** Pass 1 uses free space only and skips fallback places; pass 2 may evict and skips desired places. */
    public boolean usableInPass(int pass) {
        return pass == 1 ? !fallback : !desired;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(region);
        if (visible) b.append(":visible");
        if (desired) b.append(":desired");
        if (fallback) b.append(":fallback");
        if (topdown) b.append(":topdown");
        if (fpfn != 0 || lpfn != 0) b.append(":range=").append(fpfn).append("..").append(lpfn);
        return b.toString();
    }
}
