package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.IoState;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionState;

import java.util.Collection;

/** The model as the monitor folded it, read by the scenario runner between statements (the system is settled). */
final class SettledView implements ModelView {
    private final ActorScenarioRuntime rt;

    SettledView(ActorScenarioRuntime rt) {
        this.rt = rt;
    }

    @Override public DeviceConfig device() { return rt.shadow().device(); }
    @Override public BoState bo(String name) { return rt.shadow().bo(name); }
    @Override public Collection<BoState> bos() { return rt.shadow().bos(); }
    @Override public RegionState region(String name) { return rt.shadow().region(name); }
    @Override public Collection<RegionState> regions() { return rt.shadow().regions(); }
    @Override public IoState io() { return rt.shadow().io(); }
}
