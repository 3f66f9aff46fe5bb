package dev.ttm.protocol.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages a journal leaves in flight ({@link JournalFold#inFlight}) are what a crash at that point leaves to be
 * delivered again: a run under memory pressure is cut after every number of deliveries, journaled, and folded; what
 * the fold says is in flight is exactly what was in flight then (every decision that sends to another entity is
 * journaled), except that client requests no journaled decision took are not there (the journal never saw them).
 * Journals written before that rule left decisions without events out; the committed fixture of
 * {@code JournalFixtureTest} is one, and still folds to nothing in flight.
 */
class InFlightTest {
    static final Address.Client CLIENT = new Address.Client("t");

    static DeviceConfig device() {
        return new DeviceConfig(4096, Driver.SIMPLE, 0, List.of(
                new RegionConfig("VRAM", 64, 16, false, List.of("TT", "SYSTEM"), false),
                new RegionConfig("TT", 96, 0, true, List.of("SYSTEM"), false)), List.of());
    }

    /** Submits a workload (creates, faults, validates, an execbuf, kmaps) without delivering anything. */
    static void submitWorkload(Simulator sim) {
        Placement vram = Placement.of(Place.of("VRAM"));
        Placement tt = Placement.of(Place.of("TT"));
        String[] bos = {"A", "B", "C", "D", "E"};
        for (int i = 0; i < bos.length; i++)
            sim.submit(CLIENT, new Address.Bo(bos[i]), new BufferObject.Create(16 + 4L * i, i % 2, i % 2 == 0 ? vram : tt, sim.newRequestId(), CLIENT));
        for (String b : bos) sim.submit(CLIENT, new Address.Bo(b), new BufferObject.Fault(1, sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("B"), new BufferObject.Validate(vram, null, false, sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("C"), new BufferObject.Fence(null, sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("C"), new BufferObject.Validate(tt, null, false, sim.newRequestId(), CLIENT));
        Address.Exec x = sim.newExec();
        sim.submit(CLIENT, x, new Execbuf.Submit(List.of(new Execbuf.Entry("A", tt), new Execbuf.Entry("D", vram)), 3, true, sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("E"), new BufferObject.Reserve("o", null, false, 0, sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("E"), new BufferObject.Kmap("o", sim.newRequestId(), CLIENT));
        sim.submit(CLIENT, new Address.Bo("B"), new BufferObject.Unmap(null, sim.newRequestId(), CLIENT));
    }

    /**
     * What is in flight, each message stood for by its journaled origin: itself when a journaled decision sent it,
     * else the input of the decision (without events) that sent it, followed back; null for a client's request.
     */
    static final class Origins implements SimListener {
        record Msg(Address to, Message message) {}

        final Map<Envelope, Envelope> originOf = new IdentityHashMap<>();
        final List<Envelope> inFlight = new ArrayList<>();
        final List<Envelope> sentNow = new ArrayList<>();
        int events;

        @Override public void onSent(Simulator sim, Envelope sent) {
            if (sent.to() instanceof Address.Client) return;
            inFlight.add(sent);
            if (sent.from() instanceof Address.Client) originOf.put(sent, null);
            else sentNow.add(sent);
        }

        @Override public void beforeApply(Simulator sim, Address entity, Event event) {
            events++;
        }

        @Override public void afterDelivery(Simulator sim, Envelope delivered) {
            inFlight.removeIf(e -> e == delivered);
            // A decision that sends to another entity is journaled, events or not: what it sent is its own origin.
            for (Envelope s : sentNow) originOf.put(s, s);
            sentNow.clear();
            events = 0;
        }

        Map<Msg, Integer> expected() {
            Map<Envelope, Boolean> seen = new IdentityHashMap<>();
            Map<Msg, Integer> out = new HashMap<>();
            for (Envelope e : inFlight) {
                Envelope o = originOf.get(e);
                if (o == null || seen.put(o, true) != null) continue;
                out.merge(new Msg(o.to(), o.message()), 1, Integer::sum);
            }
            return out;
        }
    }

    @Test
    void aJournalCutAnywhereLeavesInFlightWhatWasInFlight() {
        Simulator full = new Simulator(device());
        submitWorkload(full);
        assertTrue(full.settle(100_000));
        long total = full.delivered();
        assertTrue(total > 50, "a workload worth cutting: " + total);
        int nonEmpty = 0;
        for (long cut = 0; cut <= total; cut++) {
            Simulator sim = new Simulator(device());
            SimRecorder rec = new SimRecorder("r", sim.device());
            Origins origins = new Origins();
            sim.addListener(rec);
            sim.addListener(origins);
            submitWorkload(sim);
            for (long i = 0; i < cut; i++) sim.step();
            JournalFold fold = new JournalFold(sim.device());
            for (JournalEntry e : RecordedRun.merge(rec.journal().entries())) fold.apply(e);
            Map<Origins.Msg, Integer> got = new HashMap<>();
            for (InFlight f : fold.inFlight()) got.merge(new Origins.Msg(f.to(), f.message()), 1, Integer::sum);
            Map<Origins.Msg, Integer> want = origins.expected();
            // The fold leaves out messages on which their receiver would decide nothing at all (inert).
            want.keySet().removeIf(m -> !got.containsKey(m) && inert(fold, m));
            assertEquals(want, got, "cut after " + cut + " of " + total + " deliveries");
            if (!got.isEmpty()) nonEmpty++;
        }
        assertTrue(nonEmpty > total / 2, "most cuts leave something in flight: " + nonEmpty);
        FoldResult settled = foldAll(full);
        assertEquals(List.of(), settled.inFlight(), "nothing in flight once the run settled");
    }

    private static boolean inert(JournalFold fold, Origins.Msg m) {
        Simulator.Slot<?, ?, ?> slot = ((Simulator) fold.model()).entity(m.to());
        return slot != null && decidesNothing(slot, m.message());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static boolean decidesNothing(Simulator.Slot slot, Message m) {
        var d = slot.decider().decide(slot.state(), (Message) slot.decider().inbound().cast(m));
        return d.events().isEmpty() && d.sends().isEmpty();
    }

    private static FoldResult foldAll(Simulator ignored) {
        Simulator sim = new Simulator(device());
        SimRecorder rec = new SimRecorder("r", sim.device());
        sim.addListener(rec);
        submitWorkload(sim);
        sim.settle(100_000);
        JournalFold fold = new JournalFold(sim.device());
        for (JournalEntry e : RecordedRun.merge(rec.journal().entries())) fold.apply(e);
        return fold.finish();
    }
}
