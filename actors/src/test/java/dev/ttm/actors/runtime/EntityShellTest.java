package dev.ttm.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ttm.protocol.journal.Recorded;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.FenceSet;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Resource;
import dev.ttm.protocol.model.StateDigest;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/**
 * The event-sourced shells, one at a time, under {@link EventSourcedBehaviorTestKit}: each command gives one journal
 * entry ({@link Recorded}: the run id, a stamp, the input, the decider's events) or none, the state is what the
 * decider's evolve makes of the entries, a restart recovers the same state from the journal, and every command and
 * event survives Jackson CBOR (the kit checks; the states are not meant to be serialized, so that check is off). The
 * entity's peers are {@link TestProbe}s registered in the directory under their model addresses: the test plays the
 * regions for a BO, and the BOs for a region.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntityShellTest {
    static final Config CONFIG = EventSourcedBehaviorTestKit.config()
            .withFallback(ConfigFactory.parseString("""
                    pekko.persistence.journal.inmem.class = "dev.ttm.actors.runtime.TestkitJournalAlias"
                    pekko.persistence.snapshot-store.local.class = "org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin"
                    """))
            .withFallback(ConfigFactory.load());

    static final EventSourcedBehaviorTestKit.SerializationSettings CHECK_COMMANDS_AND_EVENTS =
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false);

    static final RegionConfig VRAM = new RegionConfig("VRAM", 16, 4, false, List.of("TT", "SYSTEM"), false);
    static final RegionConfig TT = new RegionConfig("TT", 32, 0, true, List.of("SYSTEM"), false);
    static final DeviceConfig DEVICE = new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(VRAM, TT), List.of());
    static final Address.Client CLIENT = new Address.Client("test");

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(CONFIG).build();

    @Test
    void bufferObjectShell() {
        Wiring wiring = new Wiring("run-bo", 0, new ClientSink(Runnable::run, true));
        TestProbe<Message> vram = testKit.createTestProbe(Message.class);
        wiring.directory.register(new Address.Region("VRAM"), vram.ref());
        EventSourcedBehaviorTestKit<Message, Recorded, BoState> bo = EventSourcedBehaviorTestKit.create(testKit.system(),
                EntityActor.create(new Address.Bo("A"), new BufferObject("A", DEVICE), wiring, Settings.of(Settings.Journal.MEMORY), es -> false, null),
                CHECK_COMMANDS_AND_EVENTS);

        // create: one entry (created, reserved for the creation, asking VRAM for space); the region is asked
        BufferObject.Create create = new BufferObject.Create(4, 0, Placement.of(Place.of("VRAM")), 1, CLIENT);
        EventSourcedBehaviorTestKit.CommandResult<Message, Recorded, BoState> r = bo.runCommand(create);
        Recorded entry = r.event();
        assertEquals(1, r.events().size(), "one journal entry per decision");
        assertEquals("run-bo", entry.runId());
        assertEquals(create, entry.input());
        assertTrue(entry.events().contains(new BufferObject.Created(4, 0)), entry.events()::toString);
        assertEquals("create", r.state().holder().owner());
        RegionManager.Alloc alloc = vram.expectMessageClass(RegionManager.Alloc.class);
        assertEquals(4, alloc.pages());
        assertEquals(new Address.Bo("A"), alloc.replyTo());
        assertNull(wiring.clients.reply(1), "not answered before the region grants");

        // the region grants: the BO moves in, lets go of the reservation, puts itself on the LRU, answers OK
        Resource granted = new Resource("VRAM", 0, 4, alloc.fpfn(), alloc.lpfn());
        r = bo.runCommand(new RegionManager.Granted(granted, FenceSet.NONE, alloc.requestId()));
        assertTrue(r.event().stamp() > entry.stamp(), "stamps grow");
        assertEquals(granted, r.state().resource());
        assertNull(r.state().holder());
        assertEquals(Outcome.OK, wiring.clients.reply(1).outcome());
        assertEquals(new RegionManager.LruUpdate("A", 0, true), vram.expectMessageClass(RegionManager.LruUpdate.class));

        // reservations: alice takes it; bob's nowait is refused without a journal entry (nothing changed)
        r = bo.runCommand(new BufferObject.Reserve("alice", null, false, 0, 2, CLIENT));
        assertEquals(List.of(new BufferObject.Reserved(new BufferObject.Holder("alice", null, BufferObject.HolderKind.EXPLICIT))), r.event().events());
        assertEquals(Outcome.OK, wiring.clients.reply(2).outcome());
        r = bo.runCommand(new BufferObject.Reserve("bob", null, true, 0, 3, CLIENT));
        assertTrue(r.hasNoEvents());
        assertEquals(Outcome.EBUSY, wiring.clients.reply(3).outcome());
        r = bo.runCommand(new BufferObject.Fault(0, 4, CLIENT));
        assertEquals(Outcome.RETRY, wiring.clients.reply(4).outcome(), "a fault never waits");

        // a restart recovers the same state from the journal
        String before = StateDigest.digest(bo.getState());
        assertEquals(before, StateDigest.digest(bo.restart().state()));
        assertEquals("alice", bo.getState().holder().owner());

        r = bo.runCommand(new BufferObject.Unreserve("alice", 5, CLIENT));
        assertEquals(Outcome.OK, wiring.clients.reply(5).outcome());
        assertNull(r.state().holder());
        vram.expectMessageClass(RegionManager.LruUpdate.class); // every release bumps the LRU
        vram.expectNoMessage();
    }

    @Test
    void regionManagerShell() {
        Wiring wiring = new Wiring("run-region", 0, new ClientSink(Runnable::run, true));
        TestProbe<Message> a = testKit.createTestProbe(Message.class);
        TestProbe<Message> b = testKit.createTestProbe(Message.class);
        wiring.directory.register(new Address.Bo("A"), a.ref());
        wiring.directory.register(new Address.Bo("B"), b.ref());
        EventSourcedBehaviorTestKit<Message, Recorded, RegionState> region = EventSourcedBehaviorTestKit.create(testKit.system(),
                EntityActor.create(new Address.Region("VRAM"), new RegionManager(VRAM, List.of()), wiring, Settings.of(Settings.Journal.MEMORY), es -> false, null),
                CHECK_COMMANDS_AND_EVENTS);
        Place vram = Place.of("VRAM");

        // A gets 10 of the 16 pages, first fit from the bottom
        var r = region.runCommand(new RegionManager.Alloc("A", 10, 0, vram, 0, 16, 1, false, false, null, 1, new Address.Bo("A")));
        assertEquals(10, r.state().usedPages());
        assertEquals(List.of("A"), r.state().lruOrder());
        RegionManager.Granted g = a.expectMessageClass(RegionManager.Granted.class);
        assertEquals(new Resource("VRAM", 0, 10, 0, 16), g.resource());

        // B's 8 pages do not fit: pass 1 (free space only) is refused at once. The decision changes nothing but
        // sends the refusal to B, so it is journaled all the same: an entry without events.
        r = region.runCommand(new RegionManager.Alloc("B", 8, 0, vram, 0, 16, 1, false, false, null, 2, new Address.Bo("B")));
        assertEquals(1, r.events().size());
        assertTrue(r.events().get(0).events().isEmpty());
        assertEquals(Outcome.ENOMEM, b.expectMessageClass(RegionManager.Refused.class).outcome());

        // pass 2 walks the LRU: A is asked to leave
        r = region.runCommand(new RegionManager.Alloc("B", 8, 0, vram, 0, 16, 2, false, false, null, 3, new Address.Bo("B")));
        assertFalse(r.hasNoEvents());
        assertEquals(new BufferObject.Evict("VRAM", false, null), a.expectMessageClass(BufferObject.Evict.class));
        assertTrue(r.state().walk() != null, "the walk waits for its victim");

        // a restart in the middle of the walk recovers it
        String during = StateDigest.digest(region.getState());
        assertEquals(during, StateDigest.digest(region.restart().state()));

        // A leaves (frees its pages, then answers the walk); the space is B's
        region.runCommand(new RegionManager.Free("A", 0, 10, FenceSet.NONE, null));
        r = region.runCommand(new RegionManager.VictimDone("A", true, false, false, "evicted", null));
        RegionManager.Granted gb = b.expectMessageClass(RegionManager.Granted.class);
        assertEquals(3, gb.requestId());
        assertEquals(8, gb.resource().pages());
        assertEquals(8, r.state().usedPages());
        assertEquals(List.of("B"), r.state().lruOrder());
        assertNull(r.state().walk());
        assertEquals(StateDigest.digest(region.getState()), StateDigest.digest(region.restart().state()));
        a.expectNoMessage();
    }
}
