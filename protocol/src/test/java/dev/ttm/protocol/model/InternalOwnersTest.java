package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.sim.Simulator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Owners with a ':' are the model's own (execbufs); an API caller that uses one is refused. */
class InternalOwnersTest {
    private final Simulator sim = new Simulator(new DeviceConfig(4096, Driver.SIMPLE, 0,
            List.of(new RegionConfig("VRAM", 64, 16, false, List.of(RegionConfig.SYSTEM), false)), List.of()));
    private final Address.Client client = new Address.Client("api");

    private Reply call(Message m) {
        long id = m.requestId();
        sim.submit(client, new Address.Bo("A"), m);
        assertTrue(sim.settle(10_000));
        return sim.reply(id);
    }

    @Test
    void anApiCallerCannotActAsAnExecbuf() {
        assertEquals(Outcome.OK, call(new BufferObject.Create(4, 0, null, sim.newRequestId(), client)).outcome());
        Reply r = call(new BufferObject.Reserve("exec:1", null, false, 0, sim.newRequestId(), client));
        assertEquals(Outcome.EINVAL, r.outcome(), r::toString);
        assertNull(sim.bo("A").holder());
        assertEquals(Outcome.EINVAL, call(new BufferObject.Unreserve("exec:1", sim.newRequestId(), client)).outcome());
        assertEquals(Outcome.OK, call(new BufferObject.Reserve("exec1", null, false, 0, sim.newRequestId(), client)).outcome());
    }
}
