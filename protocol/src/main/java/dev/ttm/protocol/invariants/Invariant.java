package dev.ttm.protocol.invariants;

import java.util.Map;

/** The invariants (docs/semantics.md, "Invariants"), by id. */
public final class Invariant {
    public static final String RESERVATION = "INV-1";
    public static final String PINNED_STAYS = "INV-2";
    public static final String PIN_COUNT = "INV-3";
    public static final String CAPACITY = "INV-4";
    public static final String RANGE = "INV-5";
    public static final String UNMAP_BEFORE_MOVE = "INV-6";
    public static final String CPU_VISIBLE = "INV-7";
    public static final String IO_BALANCE = "INV-8";
    public static final String FRESH_RESOURCE = "INV-9";
    public static final String LRU = "INV-10";
    public static final String SINGLE_RESIDENCE = "INV-11";
    public static final String LIVENESS = "INV-12";
    public static final String DELETED = "INV-13";
    public static final String FENCE_SAFETY = "INV-14";

    private static final Map<String, String> TITLES = Map.ofEntries(
            Map.entry(RESERVATION, "reservation"), Map.entry(PINNED_STAYS, "pinned-stays"),
            Map.entry(PIN_COUNT, "pin-count"), Map.entry(CAPACITY, "capacity"), Map.entry(RANGE, "range"),
            Map.entry(UNMAP_BEFORE_MOVE, "unmap-before-move"), Map.entry(CPU_VISIBLE, "cpu-visible"),
            Map.entry(IO_BALANCE, "io-balance"), Map.entry(FRESH_RESOURCE, "fresh-resource"), Map.entry(LRU, "lru"),
            Map.entry(SINGLE_RESIDENCE, "single-residence"), Map.entry(LIVENESS, "liveness"), Map.entry(DELETED, "deleted"),
            Map.entry(FENCE_SAFETY, "fence-safety"));

    private Invariant() {}

    public static String title(String id) {
        return "(" + TITLES.getOrDefault(id, "?") + ")";
    }
}
