package dev.ttm.actors.runtime;

import java.util.List;

/**
 * What a start recovered from the journal: the highest stamp found (new ones go on after it), how many entities
 * recovered (the regions, the IO manager and every BO registered), how many of them from a snapshot, how many journal
 * entries they replayed (after their snapshots), and — with
 * {@code ttm.check = on}, where the monitor rebuilds its shadow model from the same entries — every entity whose
 * recovered state's digest differs from the monitor's (none, unless something is badly wrong).
 */
public record RecoveryReport(long lastStamp, int entities, int fromSnapshots, long entries, List<String> mismatches) {
    public RecoveryReport {
        mismatches = List.copyOf(mismatches);
    }

    RecoveryReport withMismatches(List<String> m) {
        return new RecoveryReport(lastStamp, entities, fromSnapshots, entries, m);
    }
}
