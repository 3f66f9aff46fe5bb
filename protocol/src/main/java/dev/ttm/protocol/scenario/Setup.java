package dev.ttm.protocol.scenario;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resolved set-up block. {@code declared} holds every region name that was declared (even on a line with
 * errors, to avoid cascades); {@code byName} only the regions that resolved cleanly.
 */
record Setup(Ast.DeviceDecl device, List<Ast.RegionDecl> regions, List<Ast.Injection> injections,
             Set<String> declared, Map<String, Ast.RegionDecl> byName) {

    long pageBytes() {
        return device.pageBytes();
    }

    boolean isDeclared(String region) {
        return declared.contains(region);
    }

    /** The resolved region, or null (undeclared, or its line had an error). */
    Ast.RegionDecl region(String name) {
        return byName.get(name);
    }

    /** Whether {@code :visible} makes sense for a place or check on this region (unknown regions: yes). */
    boolean mayBeVisible(String name) {
        Ast.RegionDecl d = byName.get(name);
        return d == null || d.visibleBytes() > 0 || d.cpuVisible();
    }
}
