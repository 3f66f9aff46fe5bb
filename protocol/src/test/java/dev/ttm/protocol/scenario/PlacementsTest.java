package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

/** The public entry to the scenario language's placement syntax. */
class PlacementsTest {
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
            new RegionConfig("VRAM", 256, 64, false, List.of("TT", "SYSTEM"), false),
            new RegionConfig("TT", 512, 0, true, List.of("SYSTEM"), false),
            new RegionConfig("PRIV", 16, 0, false, List.of(), true)), List.of());

    @Test
    void parsesWhatTheScenarioLanguageWrites() {
        assertEquals(Placement.of(Place.visible("VRAM"), Place.of("TT")), Placements.parse("VRAM:visible,TT"));
        assertEquals(Placement.NONE, Placements.parse("none"));
        assertEquals(new Placement(List.of(new Place("VRAM", 4, 8, false, true, false, true))), Placements.parse("VRAM:desired:topdown:range=4..8"));
        assertEquals(new Placement(List.of(new Place("TT", 0, 0, false, false, true, false))), Placements.parse("TT:fallback", DEVICE));
    }

    @Test
    void toStringParsesBackToTheSamePlacement() {
        for (String s : List.of("VRAM", "VRAM:visible,TT", "VRAM:desired,TT:fallback", "VRAM:topdown:range=1..9,SYSTEM", "none", "PRIV,TT,SYSTEM")) {
            Placement p = Placements.parse(s, DEVICE);
            assertEquals(p, Placements.parse(p.toString(), DEVICE), s);
        }
    }

    @Test
    void errorsAreValuesWithTheColumn() {
        assertBad("VRAM:bogus", "column 6: unknown place flag 'bogus'");
        assertBad("VRAM,,TT", "column 6: empty place in placement");
        assertBad("vram", "column 1: invalid region name 'vram' (region names are upper case)");
        assertBad("VRAM:range=8..4", "empty range 8..4");
        assertBad("VRAM:desired:fallback", "desired and fallback");
        assertBad("TT,none", "'none' must be the whole placement");
        assertBad("", "missing placement");
        assertBad(null, "missing placement");
        assertBad("VRAM TT", "column 5: a placement has no blanks");
        assertBad("VRAM:visible:visible", "duplicated place flag 'visible'");
        assertBad("x".repeat(Placements.MAX_LENGTH + 1), "longer than");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Placements.parse("VRAM:"));
        assertTrue(e.getMessage().contains("empty place flag"), e.getMessage());
    }

    @Test
    void aDeviceRefusesTheWindowOfARegionWithout() {
        assertTrue(Placements.tryParse("PRIV:visible", null).ok(), "without a device any region may have a window");
        Placements.Result r = Placements.tryParse("PRIV:visible", DEVICE);
        assertFalse(r.ok());
        assertTrue(r.error().contains("no CPU-visible window"), r.error());
        assertTrue(Placements.tryParse("TT:visible", DEVICE).ok(), "TT is CPU-visible as a whole");
        assertTrue(Placements.tryParse("NOPE", DEVICE).ok(), "an unknown region is skipped when used, as in TTM");
    }

    private static void assertBad(String text, String expected) {
        Placements.Result r = Placements.tryParse(text, DEVICE);
        assertFalse(r.ok(), text);
        assertTrue(r.error().contains(expected), () -> "'" + r.error() + "' should contain '" + expected + "'");
    }
}
