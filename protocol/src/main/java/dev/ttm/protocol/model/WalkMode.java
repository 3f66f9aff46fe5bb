package dev.ttm.protocol.model;

/**
 * How an eviction walk takes its victims' reservations (docs/semantics.md, "Eviction"). Every walk first try-locks;
 * the modes differ in what a caller holding a ticket does once that walk has failed.
 */
public enum WalkMode {
    /** Linux 6.x ttm_bo_evict_alloc: ticketed walks follow while they make progress; a ticket that would die ends in ENOMEM. */
    TICKET("ticket"),
    /** Kernels before 5.3: try-lock only. */
    TRYLOCK("trylock"),
    /** The drm_exec proposal: like ticket, but the EDEADLK reaches the caller, who backs off and retries. */
    EXEC("exec");

    public final String word;

    WalkMode(String word) {
        this.word = word;
    }

    public static WalkMode parse(String word) {
        for (WalkMode m : values()) if (m.word.equals(word)) return m;
        throw new IllegalArgumentException("unknown walk '" + word + "' (ticket, trylock, exec)");
    }

    @Override
    public String toString() {
        return word;
    }
}
