package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;

/**
 * The parent of every entity actor. It starts the region managers and the IO manager, and spawns a buffer object
 * or an execbuf coordinator when a client first names it, registering each in the {@link Directory} before
 * anything is sent to it.
 */
public final class Guardian {
    private Guardian() {}

    /** Local only: never serialized. */
    public sealed interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded permits Spawn {}

    /** Make sure the entity at {@code address} runs; answered once it is registered. */
    public record Spawn(Address address, ActorRef<Boolean> replyTo) implements Command {}

    public static Behavior<Command> create(DeviceConfig device, Wiring wiring, Settings settings) {
        return Behaviors.setup(ctx -> {
            for (RegionConfig r : device.regions().values())
                spawn(ctx, wiring, new Address.Region(r.name()), EntityActor.create(new Address.Region(r.name()),
                        new RegionManager(r, device.injectionsFor(r.name())), wiring, settings, never()));
            spawn(ctx, wiring, Address.IO, EntityActor.create(Address.IO,
                    new IoManager(device.driver(), device.aperturePages(), device.injectionsFor("driver")), wiring, settings, never()));
            return Behaviors.receive(Command.class)
                    .onMessage(Spawn.class, s -> {
                        if (!wiring.directory.contains(s.address())) spawn(ctx, wiring, s.address(), behaviorOf(s.address(), device, wiring, settings));
                        s.replyTo().tell(Boolean.TRUE);
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static Behavior<Message> behaviorOf(Address a, DeviceConfig device, Wiring wiring, Settings settings) {
        if (a instanceof Address.Bo b) return EntityActor.create(a, new BufferObject(b.name(), device), wiring, settings, never());
        if (a instanceof Address.Exec x) return EntityActor.create(a, new Execbuf(x.id()), wiring, settings, Guardian::execDone);
        throw new IllegalArgumentException("nothing to spawn at " + a);
    }

    /** An execbuf coordinator is done once it has answered (its actor stops, as the simulator forgets it). */
    private static boolean execDone(List<? extends Event> events) {
        for (Event e : events) if (e instanceof Execbuf.StageChanged s && s.stage() == Execbuf.Stage.DONE) return true;
        return false;
    }

    private static Predicate<List<? extends Event>> never() {
        return es -> false;
    }

    private static void spawn(ActorContext<Command> ctx, Wiring wiring, Address a, Behavior<Message> behavior) {
        ActorRef<Message> ref = ctx.spawn(behavior, URLEncoder.encode(a.toString(), StandardCharsets.UTF_8));
        wiring.directory.register(a, ref);
    }
}
