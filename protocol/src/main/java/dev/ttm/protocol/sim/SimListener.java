package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Event;

/** Observes a run: the invariant checker and recorders plug in here. All callbacks run on the simulator's thread. */
public interface SimListener {
    /** A message was sent (it is now in flight). */
    default void onSent(Simulator sim, Envelope sent) {}

    /** Called before {@code event} is applied to the entity at {@code entity}, with it still in its previous state. */
    default void beforeApply(Simulator sim, Address entity, Event event) {}

    /** Called after each delivered message, once its decision has been applied and its messages sent. */
    default void afterDelivery(Simulator sim, Envelope delivered) {}

    /** A reply reached a client; {@code duplicate} when that request had been answered before (INV-12). */
    default void onClientReply(Simulator sim, long requestId, boolean duplicate) {}

    /** TEST ONLY: {@link Simulator#corrupt} is about to apply {@code event} to {@code entity} without a decision. */
    default void onCorrupted(Simulator sim, Address entity, Event event) {}

    /** Recovery: a request an earlier run took and never answered is pending again (its answer may still come). */
    default void onPendingRecovered(Simulator sim, long requestId) {}

}
