package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * One BO's timeline ({@code ttm replay --bo NAME}): every event of its journal, with the stamp of its entry, the cause
 * (the entry's input and where it came from) and the BO's state just after the event (folded on a copy of its own).
 */
public final class BoTimeline implements FoldListener {
    public record Step(long stamp, long seqNr, Message input, Cause cause, Event event, BoPicture after) {}

    private final Address.Bo bo;
    private final BufferObject decider;
    private BoState state;
    private final List<Step> steps = new ArrayList<>();

    public BoTimeline(String name, DeviceConfig device) {
        this.bo = new Address.Bo(name);
        this.decider = new BufferObject(name, device);
        this.state = decider.initialState();
    }

    @Override
    public void afterEntry(FoldStep step) {
        JournalEntry e = step.entry();
        if (!e.entity().equals(bo)) return;
        for (Event ev : e.recorded().events()) {
            state = decider.evolve(state, (BufferObject.BoEvent) ev);
            steps.add(new Step(e.stamp(), e.seqNr(), e.recorded().input(), step.cause(), ev, BoPicture.of(state)));
        }
    }

    public String name() {
        return bo.name();
    }

    public List<Step> steps() {
        return List.copyOf(steps);
    }
}
