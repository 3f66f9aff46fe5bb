package dev.ttm.load;

import java.util.Locale;

/**
 * What the harness measures, one latency histogram each. A client operation is one of the first seven (the operation
 * mix's keys, {@code churn} being a destroy followed by a create); {@code unpin} ends a pin, {@code create} and
 * {@code destroy} are the two halves of a churn, and {@code signal} is the simulated GPU signalling an execbuf's fence.
 */
public enum OpKind {
    EXECBUF, FAULT, VALIDATE, KMAP, UNMAP, PIN, UNPIN, DESTROY, CREATE, SIGNAL;

    /** The name used on the command line, in HOCON, summary.json and file names: lower case. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Counted as a client operation (ops, ops/s); a fence signal is the GPU's, not a client's. */
    public boolean clientOperation() {
        return this != SIGNAL;
    }
}
