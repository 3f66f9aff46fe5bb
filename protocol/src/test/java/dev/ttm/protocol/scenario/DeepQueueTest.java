package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.BufferObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Input-sized depth must never become stack depth: thousands of operations queued behind one reservation all run
 * when it is released (this once overflowed the stack at about 1,500), and the queue's bound answers EBUSY.
 */
class DeepQueueTest {
    private static ScenarioRunner.Result run(int queued, int expectBusy) {
        StringBuilder s = new StringBuilder("region VRAM size=1MiB\nbo A size=4KiB in VRAM\nreserve A by=t expect OK\n");
        for (int i = 0; i < queued; i++) s.append("start fence A as h").append(i).append('\n');
        s.append("unreserve A by=t expect OK\n");
        for (int i = 0; i < queued; i++) {
            s.append("await h").append(i).append(" expect ").append(i >= queued - expectBusy ? "EBUSY" : "OK").append('\n');
        }
        s.append("expect A busy=yes reserved-by=none\nexpect invariants ok\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScenarioRunner.Result r = ScenarioRunner.runSource("deep.ttm", s.toString(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertTrue(r.scriptErrors().isEmpty(), r.scriptErrors()::toString);
        assertNull(r.internalError(), () -> "internal error: " + r.internalError());
        return r;
    }

    @Test
    void aLongQueueBehindAReservationDrainsWithoutRecursion() {
        int queued = BufferObject.MAX_QUEUE;
        ScenarioRunner.Result r = run(queued, 0);
        assertEquals(0, r.failed());
        assertEquals(queued + 4, r.passed());
    }

    @Test
    void oneMoreThanTheBoundIsRefusedAsBusy() {
        ScenarioRunner.Result r = run(BufferObject.MAX_QUEUE + 1, 1);
        assertEquals(0, r.failed());
    }
}
