package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DeviceConfig's validation of the eviction graph. */
class DeviceConfigTest {
    private static RegionConfig region(String name, String... evictTo) {
        return new RegionConfig(name, 16, 0, false, List.of(evictTo), false);
    }

    private static DeviceConfig device(List<RegionConfig> regions) {
        return new DeviceConfig(4096, Driver.SIMPLE, 0, regions, List.of());
    }

    private static String cycleError(List<RegionConfig> regions) {
        return assertThrows(IllegalArgumentException.class, () -> device(regions)).getMessage();
    }

    /** R0 -> R1 -> ... -> R(n-1) -> {@code last}. */
    private static List<RegionConfig> chain(int n, String last) {
        List<RegionConfig> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(region("R" + i, i + 1 < n ? "R" + (i + 1) : last));
        }
        return regions;
    }

    @Test
    void aCycleIsNamedFromWhereItCloses() {
        assertEquals("eviction targets form a cycle: A -> B -> A",
                cycleError(List.of(region("A", "B"), region("B", "A"))));
        // X leads into the cycle but is not part of it.
        assertEquals("eviction targets form a cycle: A -> B -> C -> A",
                cycleError(List.of(region("X", "SYSTEM", "A"), region("A", "B"), region("B", "C"), region("C", "A"))));
    }

    @Test
    void sharedTargetsAreNotACycle() {
        device(List.of(region("A", "B", "C"), region("B", "C"), region("C", "SYSTEM")));
    }

    /** The recursive search overflowed the stack on a chain of a few thousand regions. */
    @Test
    void aLongChainIsCheckedWithoutOverflowingTheStack() {
        DeviceConfig d = device(chain(6000, "SYSTEM"));
        assertEquals(6001, d.regions().size());
        assertEquals(List.of("R5999"), d.region("R5998").evictTo());
    }

    @Test
    void aCycleAtTheEndOfALongChainIsFound() {
        String m = cycleError(chain(6000, "R0"));
        assertTrue(m.startsWith("eviction targets form a cycle: R0 -> R1 -> R2 -> "), m);
        assertTrue(m.endsWith(" -> R5998 -> R5999 -> R0"), m);
        assertEquals(6001, m.split(" -> ").length);
    }
}
