package dev.ttm.actors;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;

/**
 * The device's counters since the start, as a scenario's {@code expect moved= evictions= warnings= io-reserves=
 * io-frees=} reads them.
 *
 * @param movedBytes bytes moved (each completed move of a BO counts its size; the initial placement and evictions count)
 * @param evictions  evictions of BOs from a region
 * @param warnings   warnings (an unpin at zero, a destroy with kmaps or pins)
 * @param ioReserves the driver's io_mem_reserve calls that took a reservation
 * @param ioFrees    its io_mem_free calls
 */
public record Counters(long movedBytes, long evictions, long warnings, long ioReserves, long ioFrees) {

    static Counters of(ModelView m) {
        long moved = 0;
        long evictions = 0;
        long warnings = 0;
        for (BoState b : m.bos()) {
            moved = saturatingAdd(moved, b.movedPages());
            evictions += b.evictions();
            warnings += b.warnings();
        }
        long page = m.device().pageBytes();
        long bytes = moved > Long.MAX_VALUE / page ? Long.MAX_VALUE : moved * page;
        return new Counters(bytes, evictions, warnings, m.io().reserveCalls(), m.io().freeCalls());
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < a ? Long.MAX_VALUE : r;
    }
}
