package dev.ttm.protocol.model;

/**
 * A fault the scenario injects: a region's allocator fails ({@code nospace}, {@code busy}), or the driver's
 * {@code io_mem_reserve} or fault hook fails with the kernel error {@code errorName} (EBUSY, ENOSPC, EIO,
 * ERESTARTSYS). {@code count < 0} means always.
 */
public record Injection(String target, Kind kind, String errorName, int count) {
    public enum Kind { ALLOC_NOSPACE, ALLOC_BUSY, IO_RESERVE, FAULT_NOTIFY }

    public static final String DRIVER = "driver";

    public boolean always() {
        return count < 0;
    }
}
