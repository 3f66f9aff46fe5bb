package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Injection;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.WalkMode;

import java.util.List;

/**
 * A {@link DeviceConfig} as the journal keeps it (a plain record: Jackson writes and reads it as it is), so that a
 * journal says which device its entries were decided on and replay folds them on the same one.
 */
public record DeviceSpec(long pageBytes, String driver, long aperturePages, List<RegionConfig> regions, List<Injection> injections,
                         String walk, boolean multihop) {
    public DeviceSpec {
        regions = List.copyOf(regions);
        injections = List.copyOf(injections);
    }

    public static DeviceSpec of(DeviceConfig d) {
        return new DeviceSpec(d.pageBytes(), d.driver().word, d.aperturePages(), List.copyOf(d.regions().values()), d.injections(),
                d.walk().word, d.multihop());
    }

    /** The device again (validated as any: a spec that does not make one is refused with the reason). */
    public DeviceConfig toDevice() {
        return new DeviceConfig(pageBytes, Driver.parse(driver), aperturePages, regions, injections, WalkMode.parse(walk), multihop);
    }
}
