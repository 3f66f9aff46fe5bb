package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;

/**
 * The journal's layout, shared by the runtimes that write it and the reader: one persistence id per entity (its
 * address, e.g. {@code bo:A}, {@code region:VRAM}, {@code io}, {@code exec:3}) holding its {@link Recorded} entries,
 * the registry of entities ({@link #REGISTRY_PID}) and the runs ({@link #RUNS_PID}, one {@link RunStarted} each).
 * docs/journal.md describes it.
 */
public final class JournalFormat {
    /**
     * The format this code writes. Raise it when a journaled record changes shape, and teach the Jackson migration
     * (module actors, {@code RecordedMigration}) to turn the older form into the new one, so that old journals replay.
     */
    public static final int VERSION = 1;
    /** The registry of the BOs that exist and the execbuf ids taken (the actor runtime's guardian writes it). */
    public static final String REGISTRY_PID = "ttm-registry";
    /** One {@link RunStarted} per run. */
    public static final String RUNS_PID = "ttm-runs";

    private JournalFormat() {}

    /** The persistence id of the entity at {@code a}. */
    public static String pid(Address a) {
        if (a instanceof Address.Client) throw new IllegalArgumentException("a client has no journal: " + a);
        return a.toString();
    }

    /** The entity whose journal {@code pid} is, or null when it names none (the registry, the runs, anything else). */
    public static Address entity(String pid) {
        if (pid.equals("io")) return Address.IO;
        if (pid.startsWith("bo:") && pid.length() > 3) return new Address.Bo(pid.substring(3));
        if (pid.startsWith("region:") && pid.length() > 7) return new Address.Region(pid.substring(7));
        if (pid.startsWith("exec:")) {
            try {
                long id = Long.parseLong(pid.substring(5));
                return id > 0 ? new Address.Exec(id) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
