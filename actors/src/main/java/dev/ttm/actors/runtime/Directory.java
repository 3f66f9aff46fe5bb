package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Message;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The one lookup from a model {@link Address} to the actor that runs that entity. Every message between entities
 * goes through {@link Wiring#send}, which asks here; moving to Cluster Sharding later replaces only this class (an
 * EntityRef per address). An entity is registered before anything is sent to it (the guardian spawns BOs and
 * execbufs when a client first names them), so a message never waits for its receiver to exist and each
 * sender-receiver pair keeps its order, as Pekko guarantees for direct tells.
 *
 * <p>It holds each entity's classic actor ref, which its parent holds anyway, and hands out a typed view of it (a
 * short-lived wrapper): a typed ref held here would be one more object per entity (there may be hundreds of
 * thousands of idle BOs).
 */
public final class Directory {
    private final ConcurrentHashMap<Address, org.apache.pekko.actor.ActorRef> refs = new ConcurrentHashMap<>();

    public ActorRef<Message> lookup(Address a) {
        org.apache.pekko.actor.ActorRef ref = refs.get(a);
        return ref == null ? null : Adapter.toTyped(ref);
    }

    void register(Address a, ActorRef<Message> ref) {
        org.apache.pekko.actor.ActorRef classic = Adapter.toClassic(ref);
        org.apache.pekko.actor.ActorRef before = refs.putIfAbsent(a, classic);
        if (before != null && !before.equals(classic)) throw new IllegalStateException(a + " registered twice");
    }

    void unregister(Address a) {
        refs.remove(a);
    }

    /** Forgets every entity (their guardian restarted: they were stopped with it and are spawned anew). */
    void clear() {
        refs.clear();
    }

    public boolean contains(Address a) {
        return refs.containsKey(a);
    }

    public int size() {
        return refs.size();
    }

    /** Every buffer object registered now. */
    public java.util.List<Address.Bo> bos() {
        java.util.List<Address.Bo> out = new java.util.ArrayList<>();
        for (Address a : refs.keySet()) if (a instanceof Address.Bo b) out.add(b);
        return out;
    }
}
