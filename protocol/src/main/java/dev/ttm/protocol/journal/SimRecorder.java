package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records a simulator run as the actor runtime journals one: per entity, one {@link Recorded} entry for each decision
 * with events, stamped from one counter that every client request and every decision takes in the simulator's
 * delivery order (as the actor runtime's stamps are taken); the BOs clients named and the execbuf ids used, for the
 * registry. A runtime with a journal writes {@link #journal()} out.
 */
public final class SimRecorder implements SimListener {
    /** Execbuf ids are reserved in blocks this large, as the actor runtime's registry reserves them. */
    public static final long EXEC_ID_BLOCK = 1024;

    /** What to journal: the run, its entries per entity (in stamp order), the BOs registered and execbuf ids reserved. */
    public record Journal(RunStarted run, Map<Address, List<Recorded>> entries, List<String> bos, List<Long> execIdBlocks) {
        public long entryCount() {
            long n = 0;
            for (List<Recorded> l : entries.values()) n += l.size();
            return n;
        }
    }

    private final String runId;
    private final DeviceConfig device;
    private final Map<Address, List<Recorded>> entries = new LinkedHashMap<>();
    private final Set<String> bos = new LinkedHashSet<>();
    private final List<Long> execIdBlocks = new ArrayList<>();
    private final List<Event> decided = new ArrayList<>();
    private long execIdsUpTo;
    private long stamp;
    private boolean sentToEntity;

    public SimRecorder(String runId, DeviceConfig device) {
        this.runId = runId;
        this.device = device;
    }

    @Override
    public void onSent(Simulator sim, Envelope sent) {
        if (sent.to() instanceof Address.Client || sent.from() == null) return; // replies; the harness's injections
        if (!(sent.from() instanceof Address.Client)) {
            sentToEntity = true; // a decision passing work on: journaled even without events
            return;
        }
        stamp++; // a client's request takes a stamp when it enters the model
        if (sent.to() instanceof Address.Bo b) bos.add(b.name());
        if (sent.to() instanceof Address.Exec x && x.id() > execIdsUpTo) {
            execIdsUpTo = (x.id() / EXEC_ID_BLOCK + 1) * EXEC_ID_BLOCK;
            execIdBlocks.add(execIdsUpTo);
        }
    }

    @Override
    public void beforeApply(Simulator sim, Address entity, Event event) {
        decided.add(event);
    }

    @Override
    public void afterDelivery(Simulator sim, Envelope delivered) {
        stamp++;
        // As the actor runtime: a decision without events that sends nothing to another entity journals nothing.
        boolean journaled = !decided.isEmpty() || sentToEntity;
        sentToEntity = false;
        if (!journaled) return;
        entries.computeIfAbsent(delivered.to(), k -> new ArrayList<>()).add(new Recorded(runId, stamp, delivered.message(), decided));
        decided.clear();
    }

    public Journal journal() {
        Map<Address, List<Recorded>> copy = new LinkedHashMap<>();
        entries.forEach((a, l) -> copy.put(a, List.copyOf(l)));
        return new Journal(new RunStarted(runId, JournalFormat.VERSION, 0, DeviceSpec.of(device)), copy, List.copyOf(bos), List.copyOf(execIdBlocks));
    }
}
