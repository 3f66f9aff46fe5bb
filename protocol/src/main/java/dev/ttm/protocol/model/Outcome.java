package dev.ttm.protocol.model;

/** TTM's error vocabulary plus the CPU fault outcomes (docs/semantics.md, "Error vocabulary"). */
public enum Outcome {
    OK, EBUSY, EALREADY, EDEADLK, ERESTARTSYS, EINVAL, ENOMEM, EPERM, ENOENT,
    MAPPED, RETRY, SIGBUS, OOM;
}
