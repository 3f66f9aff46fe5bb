package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a journal leaves held at its end: reservations (BO and holder), IO reservations and kmaps outstanding, pins,
 * ghosts (region and ghost), each as {@code what: detail} lines sorted by BO; and the messages still in flight.
 */
public record Leaks(List<String> reservations, List<String> ioReservations, List<String> kmaps, List<String> pins, List<String> ghosts,
                    List<InFlight> inFlight) {
    public static Leaks of(ModelView m, List<InFlight> inFlight) {
        Map<String, BoState> bos = new TreeMap<>();
        for (BoState b : m.bos()) if (b.created()) bos.put(b.name(), b);
        List<String> held = new ArrayList<>();
        List<String> io = new ArrayList<>();
        List<String> kmaps = new ArrayList<>();
        List<String> pins = new ArrayList<>();
        for (BoState b : bos.values()) {
            if (b.holder() != null) held.add(b.name() + " by " + b.holder().owner());
            if (m.io().isReserved(b.name()) || b.ioRefs() > 0) io.add(b.name() + " (" + b.ioRefs() + " reference(s))");
            if (b.kmapCount() > 0) kmaps.add(b.name() + " " + new TreeMap<>(b.kmaps()));
            if (b.pinCount() > 0) pins.add(b.name() + " (" + b.pinCount() + ")");
        }
        List<String> ghosts = new ArrayList<>();
        for (RegionState r : m.regions()) for (String g : new TreeMap<>(r.ghosts()).keySet()) ghosts.add(r.name() + " " + g);
        return new Leaks(held, io, kmaps, pins, ghosts, List.copyOf(inFlight));
    }

    public boolean none() {
        return reservations.isEmpty() && ioReservations.isEmpty() && kmaps.isEmpty() && pins.isEmpty() && ghosts.isEmpty() && inFlight.isEmpty();
    }
}
