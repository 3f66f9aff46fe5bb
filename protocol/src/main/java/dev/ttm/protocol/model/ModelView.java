package dev.ttm.protocol.model;

import java.util.Collection;

/**
 * A read-only view of one device's model state: what the invariant checker, the scenario runner's expectations and
 * replay read. The simulator implements it; so can any runtime that keeps (or folds) the entities' states.
 */
public interface ModelView {
    DeviceConfig device();

    /** The BO's state, or null when no BO of that name was ever addressed. */
    BoState bo(String name);

    Collection<BoState> bos();

    RegionState region(String name);

    Collection<RegionState> regions();

    IoState io();
}
