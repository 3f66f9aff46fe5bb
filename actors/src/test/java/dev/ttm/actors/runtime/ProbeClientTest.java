package dev.ttm.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.actors.BoHandle;
import dev.ttm.actors.TtmSystem;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TestProbe} stands in for a client of the buffer-object actors: registered in the directory under an
 * execbuf coordinator's address (the model's clients that are themselves actors), it sends BO commands and receives
 * each {@link Reply} as a message, next to an application using the embedding API. The model runs inside the test
 * kit's own actor system ({@link TtmSystem#start(org.apache.pekko.actor.typed.ActorSystem)}), checking off: the probe
 * is no entity, so the monitor could not fold its side. What is checked: every command gets exactly one reply, with
 * its request id; wait-die between the probe's ticket and an API client's; a waiting request is answered when the
 * holder lets go.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeClientTest {
    static Config config() throws Exception {
        return ConfigFactory.parseString("""
                ttm { journal = memory, check = off, regions = [ { name = VRAM, size = 1MiB, visible = 256KiB }, { name = TT, size = 2MiB } ] }
                pekko.persistence.snapshot-store.local.dir = "%s"
                """.formatted(Files.createTempDirectory("ttm-probe").toString().replace("\\", "/"))).withFallback(ConfigFactory.load());
    }

    @JUnit5TestKit
    ActorTestKit testKit;

    ProbeClientTest() throws Exception {
        testKit = new JUnit5TestKitBuilder().withCustomConfig(config()).build();
    }

    static Reply join(CompletionStage<Reply> s) throws Exception {
        return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aProbeIsAClientOfTheBufferObjectActors() throws Exception {
        TtmSystem ttm = TtmSystem.start(testKit.system());
        BoHandle a = ttm.bo("A");
        BoHandle b = ttm.bo("B");
        assertEquals(Outcome.OK, join(a.create(64 * 1024)).outcome());
        assertEquals(Outcome.OK, join(b.create(64 * 1024)).outcome());

        TestProbe<Message> probe = testKit.createTestProbe(Message.class);
        Address.Exec me = new Address.Exec(1_000_000);
        ttm.wiring().directory.register(me, probe.ref());
        Address.Client from = new Address.Client("probe");
        String owner = me.toString();   // exec:1000000, a name only coordinators may hold under
        long older = 1;                 // the API's own tickets start at 1 too: the API client below takes a later one
        ttm.newTicket();

        // the probe reserves A with the older ticket
        long r1 = ttm.newRequestId();
        ttm.wiring().submit(from, new Address.Bo("A"), new BufferObject.Reserve(owner, older, false, 0, r1, me));
        Reply reply = probe.expectMessageClass(Reply.class);
        assertEquals(r1, reply.requestId());
        assertEquals(Outcome.OK, reply.outcome(), reply::toString);

        // an API client with a younger ticket holds B, then meets the probe on A: it holds something, so it dies
        long younger = ttm.newTicket();
        assertEquals(Outcome.OK, join(b.reserve("app", younger)).outcome());
        assertEquals(Outcome.EDEADLK, join(a.reserve("app", younger)).outcome());

        // the older probe asks for B and waits (older tickets wait)
        long r2 = ttm.newRequestId();
        ttm.wiring().submit(from, new Address.Bo("B"), new BufferObject.Reserve(owner, older, false, 1, r2, me));
        probe.expectNoMessage(Duration.ofMillis(200));

        // the API client backs off: the probe is answered, once
        assertEquals(Outcome.OK, join(b.unreserve("app")).outcome());
        reply = probe.expectMessageClass(Reply.class);
        assertEquals(r2, reply.requestId());
        assertEquals(Outcome.OK, reply.outcome());

        // the API client now waits for A, holding nothing
        CompletionStage<Reply> appWaits = a.reserve("app", younger);

        // the probe validates A under its reservation, fences both, releases both
        long r3 = ttm.newRequestId();
        ttm.wiring().submit(from, new Address.Bo("A"), new BufferObject.Validate(Placement.of(Place.of("VRAM")), owner, false, r3, me));
        reply = probe.expectMessageClass(Reply.class);
        assertEquals(r3, reply.requestId());
        assertEquals(Outcome.OK, reply.outcome(), reply::toString);
        long r4 = ttm.newRequestId();
        ttm.wiring().submit(from, new Address.Bo("B"), new BufferObject.Fence(owner, r4, me));
        assertEquals(new Reply(r4, Outcome.OK, "fence attached", null), probe.expectMessageClass(Reply.class));
        assertFalse(appWaits.toCompletableFuture().isDone(), "A is still the probe's");
        for (String bo : new String[] {"A", "B"}) {
            long id = ttm.newRequestId();
            ttm.wiring().submit(from, new Address.Bo(bo), new BufferObject.Unreserve(owner, id, me));
            reply = probe.expectMessageClass(Reply.class);
            assertEquals(id, reply.requestId());
            assertEquals(Outcome.OK, reply.outcome(), reply::toString);
        }
        assertEquals(Outcome.OK, join(appWaits).outcome());
        assertEquals(Outcome.OK, join(a.unreserve("app")).outcome());
        assertEquals(Outcome.OK, join(b.signal()).outcome());
        probe.expectNoMessage(Duration.ofMillis(200));   // exactly one reply per command
        ttm.close();
    }
}
