package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Entity;
import dev.ttm.protocol.model.Event;

/** Observes a run: the invariant checker and recorders plug in here. All callbacks run on the simulator's thread. */
public interface SimListener {
    /** Called before {@code event} is applied, with the entity still in its previous state. */
    default void beforeApply(Simulator sim, Entity entity, Event event) {}

    /** Called after each delivered message, once its handler has finished. */
    default void afterDelivery(Simulator sim, Envelope delivered) {}

    /** A reply reached a client; {@code duplicate} when that request had been answered before (INV-12). */
    default void onClientReply(Simulator sim, long requestId, boolean duplicate) {}
}
