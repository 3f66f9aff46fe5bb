package dev.ttm.protocol.scenario;

/** Byte counts as a TTM engineer writes them: the largest binary unit that divides exactly. */
final class Sizes {
    private Sizes() {}

    static String format(long bytes) {
        if (bytes == 0) return "0";
        String[] units = {"GiB", "MiB", "KiB"};
        long[] scale = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) if (bytes % scale[i] == 0) return bytes / scale[i] + units[i];
        return bytes + "B";
    }
}
