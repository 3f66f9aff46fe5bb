package dev.ttm.actors;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionState;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The whole model at one point of the run, as immutable records: every buffer object ever created (destroyed ones
 * included, flagged), every region, the counters. Taken by {@link TtmSystem#views()} from the monitor's fold of the
 * decisions in stamp order; at quiescence ({@link TtmSystem#awaitQuiescence}) it is the settled state, while requests
 * are in flight a consistent cut that may lag behind replies already received.
 *
 * @param bos      by name, sorted
 * @param regions  by name, sorted
 * @param counters the device's counters
 */
public record Snapshot(Map<String, BoView> bos, Map<String, RegionView> regions, Counters counters) {

    public Snapshot {
        bos = Collections.unmodifiableMap(new TreeMap<>(bos));
        regions = Collections.unmodifiableMap(new TreeMap<>(regions));
    }

    /** The BO, or empty if no BO of that name was created. */
    public Optional<BoView> bo(String name) {
        return Optional.ofNullable(bos.get(name));
    }

    /** The region, or empty if the device has none of that name. */
    public Optional<RegionView> region(String name) {
        return Optional.ofNullable(regions.get(name));
    }

    /** Copies what {@code m} shows now (called where the model is read: on the monitor). */
    static Snapshot of(ModelView m) {
        Map<String, BoView> bos = new TreeMap<>();
        for (BoState b : m.bos()) if (b.created()) bos.put(b.name(), BoView.of(b, m.device()));
        Map<String, RegionView> regions = new TreeMap<>();
        for (RegionState r : m.regions()) regions.put(r.name(), RegionView.of(r, m.device().pageBytes()));
        return new Snapshot(bos, regions, Counters.of(m));
    }
}
