package dev.ttm.protocol.model;

/** How IO space is managed (docs/semantics.md, "Drivers"). */
public enum Driver {
    /** The review's very simple mapping manager: a VRAM BO is mappable only inside the visible window. */
    SIMPLE("simple"),
    /** nouveau's BAR manager: any VRAM page is mappable through a fixed aperture with its own LRU. */
    IO_LRU("io-lru"),
    /** The V3 patch as posted: an io flag set outside the reservation, freed without a test for zero. */
    V3_ATOMIC("v3-atomic");

    public final String word;

    Driver(String word) {
        this.word = word;
    }

    public static Driver parse(String word) {
        for (Driver d : values()) if (d.word.equals(word)) return d;
        throw new IllegalArgumentException("unknown driver '" + word + "' (simple, io-lru, v3-atomic)");
    }

    @Override
    public String toString() {
        return word;
    }
}
