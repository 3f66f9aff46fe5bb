package dev.ttm.protocol.model;

/**
 * A fault the scenario injects: a region's allocator fails ({@code nospace}, {@code busy}), or the driver's
 * {@code io_mem_reserve} or fault hook fails with {@code error} (null for an allocator fault). {@code count < 0}
 * means always.
 */
public record Injection(String target, Kind kind, KernelError error, int count) {
    public enum Kind {
        ALLOC_NOSPACE, ALLOC_BUSY, IO_RESERVE, FAULT_NOTIFY;

        boolean regionHook() {
            return this == ALLOC_NOSPACE || this == ALLOC_BUSY;
        }
    }

    public static final String DRIVER = "driver";

    public boolean always() {
        return count < 0;
    }

    /** A later injection replaces this one when it is for the same region, or for the same driver hook. */
    boolean replacedBy(Injection later) {
        if (!target.equals(later.target)) return false;
        return kind.regionHook() ? later.kind.regionHook() : kind == later.kind;
    }
}
