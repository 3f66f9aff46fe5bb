package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.sim.Simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What a runtime restarting on a journal must do to finish what the crash interrupted, found by folding the whole
 * journal ({@link JournalFold}):
 *
 * <ul>
 *   <li>{@code inFlight}: the messages journaled decisions sent and no journaled decision took, in the order they
 *       were sent; they are sent again (each was taken at most never: a decision that takes a message from another
 *       entity is journaled, so none is taken twice);</li>
 *   <li>{@code execbufs}: execbufs with journaled decisions that had not answered: they are started again, recover
 *       from their journal and go on;</li>
 *   <li>{@code pendingRequests}: client requests journaled decisions took and nothing answered yet: their answers
 *       may still come (from the work in flight, or as ERESTARTSYS when their client's leftovers are reclaimed);</li>
 *   <li>{@code lastStamp}: the highest stamp in the journal.</li>
 * </ul>
 *
 * Client requests that no journaled decision took are not here: their clients were never answered, and the model
 * never saw them. What the dead run's clients still hold once everything is delivered is let go of by
 * {@link dev.ttm.protocol.model.BufferObject.Reclaim}.
 */
public record Resumption(List<InFlight> inFlight, List<Address.Exec> execbufs, List<Long> pendingRequests, long lastStamp) {
    public Resumption {
        inFlight = List.copyOf(inFlight);
        execbufs = List.copyOf(execbufs);
        pendingRequests = List.copyOf(pendingRequests);
        if (lastStamp < 0) throw new IllegalArgumentException("lastStamp must not be negative: " + lastStamp);
    }

    public static final Resumption NONE = new Resumption(List.of(), List.of(), List.of(), 0);

    /** What {@code fold}, which has taken the whole journal, leaves to be resumed. */
    public static Resumption of(JournalFold fold, long lastStamp) {
        Objects.requireNonNull(fold, "fold");
        Simulator sim = (Simulator) fold.model();
        List<Address.Exec> execs = new ArrayList<>();
        for (Simulator.Slot<?, ?, ?> slot : sim.entities())
            if (slot.address() instanceof Address.Exec x) execs.add(x); // finished ones are gone from the model
        execs.sort((a, b) -> Long.compare(a.id(), b.id()));
        return new Resumption(fold.inFlight(), execs, new ArrayList<>(new TreeSet<>(sim.pendingRequests())), lastStamp);
    }

    /** Whether there is anything to resume. */
    public boolean isEmpty() {
        return inFlight.isEmpty() && execbufs.isEmpty() && pendingRequests.isEmpty();
    }
}
