package dev.ttm.protocol.model;

/**
 * The errors a driver hook returns in the model: {@code io_mem_reserve} and the fault hook (injected), and the IO
 * manager's own refusals. Each says what it becomes for the operation that called the hook.
 */
public enum KernelError {
    /** Busy: a fault retries; a kmap answers EBUSY. */
    EBUSY(Outcome.EBUSY, true),
    /** No IO space (the aperture is full): a fault gets SIGBUS; a kmap answers ENOMEM. */
    ENOSPC(Outcome.ENOMEM, false),
    /** A hard error: a fault gets SIGBUS; a kmap answers EINVAL. */
    EIO(Outcome.EINVAL, false),
    /** Interrupted by a signal: a fault retries; a kmap answers ERESTARTSYS. */
    ERESTARTSYS(Outcome.ERESTARTSYS, true);

    /** What a kmap (or any operation other than a fault) answers when the hook fails so. */
    public final Outcome forKmap;
    /** Whether a fault that meets it answers RETRY (else SIGBUS). */
    public final boolean faultRetries;

    KernelError(Outcome forKmap, boolean faultRetries) {
        this.forKmap = forKmap;
        this.faultRetries = faultRetries;
    }
}
