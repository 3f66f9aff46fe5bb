package dev.ttm.protocol.journal;

import java.util.Objects;

/**
 * The first thing a run journals (persistence id {@link JournalFormat#RUNS_PID}): its id, the journal format it
 * writes ({@link JournalFormat#VERSION}), the last stamp the journal held when it started (its own stamps come
 * after), and the device its entities decide on.
 */
public record RunStarted(String runId, int format, long afterStamp, DeviceSpec device) {
    public RunStarted {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(device, "device");
        if (afterStamp < 0) throw new IllegalArgumentException("afterStamp must not be negative: " + afterStamp);
    }
}
