package dev.ttm.actors;

import static dev.ttm.actors.TestSystems.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Placement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A BO's actor is named by the BO's name, every other entity's by its address after a '~': a BO may be named like
 * any other entity (or like the address of one) and both run, on either runtime.
 */
class EntityNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"none", "memory"})
    void boNamesNeverTakeAnotherEntitysActorName(String journal) {
        TtmSystem ttm = TtmSystem.start(TestSystems.small("ttm.journal = " + journal));
        try {
            for (String name : new String[]{"io", "VRAM", "TT", "exec", "region", "bo"})
                assertEquals(Outcome.OK, join(ttm.create(name, 4096, Placement.NONE)).outcome(), name);
            for (String name : new String[]{"region:VRAM", "~io", "~region%3AVRAM", "exec:1", "bo:io", "a b/c"}) {
                Address.Bo a = new Address.Bo(name);
                assertTrue(join(ttm.spawn(a)), name);
                assertTrue(ttm.wiring().directory.contains(a), name);
            }
            assertTrue(ttm.wiring().directory.contains(new Address.Region("VRAM")));
            assertTrue(ttm.wiring().directory.contains(Address.IO));
            assertEquals(Outcome.OK, join(ttm.bo("io").destroy()).outcome());
            assertTrue(join(ttm.invariantReport()).ok());
        } finally {
            ttm.close();
        }
    }
}
