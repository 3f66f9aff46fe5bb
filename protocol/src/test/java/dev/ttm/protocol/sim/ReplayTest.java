package dev.ttm.protocol.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelJackson;
import dev.ttm.protocol.model.ModelTypes;
import dev.ttm.protocol.model.StateDigest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Replay is a fold (docs/semantics.md, "The model": folding an entity's events rebuilds its state). Random workloads
 * over all three drivers ({@link ReplayWorkload}) record every entity's events in order; each entity's journal —
 * written to CBOR and read back, as a journal would store it — folded through a fresh decider's
 * {@code initialState()} and {@code evolve} must give a state whose {@link StateDigest} equals the live one's. And
 * {@code decide} never changes the state it is given: the digest of an entity's state just before the first event of a
 * decision is applied (or after a decision without events) is the one it had after its previous message.
 *
 * <p>Seeds as every randomized test takes them (see TestSeeds): a fixed base seed in CI, {@code -Dttm.seed=N|clock}
 * for another, {@code -Dttm.scale=K} for K times as many runs; {@code -Dttm.replay.seed=S} runs only the run with
 * seed S (as a failure names it).
 */
class ReplayTest {
    static final long BASE_SEED = 0x7E91A7L;
    static final int RUNS = 48;

    static List<Long> seeds(String test) {
        String one = System.getProperty("ttm.replay.seed");
        if (one != null && !one.isBlank()) return List.of(Long.parseLong(one.strip()));
        SplittableRandom r = new SplittableRandom(dev.ttm.protocol.TestSeeds.base("ReplayTest." + test, BASE_SEED));
        List<Long> out = new ArrayList<>();
        for (int i = 0, n = dev.ttm.protocol.TestSeeds.count(RUNS); i < n; i++) out.add(ReplayWorkload.runSeed(r, i));
        System.out.println("ReplayTest." + test + " runs=" + out.size() + " (one run: -Dttm.replay.seed=<seed>)");
        return out;
    }

    /** Runs {@code check} on every seed's workload; collects failures. */
    private static void forEachRun(String test, RunCheck check) {
        List<String> failures = new ArrayList<>();
        long messages = 0;
        long events = 0;
        int threw = 0;
        long t0 = System.nanoTime();
        List<Long> seeds = seeds(test);
        for (long seed : seeds) {
            ReplayWorkload w = new ReplayWorkload(seed);
            String failure = check.run(w);
            messages += w.sim.delivered();
            events += w.sim.eventsApplied();
            if (w.thrown != null) threw++;
            if (failure != null) failures.add("run " + w.describe() + " (replay: -Dttm.replay.seed=" + seed + ")\n" + failure);
        }
        System.out.println("ReplayTest." + test + ": " + seeds.size() + " runs, " + messages + " messages, " + events + " events in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms; the model threw in " + threw + " run(s)");
        if (!failures.isEmpty()) fail(failures.size() + " of " + seeds.size() + " runs failed; the first:\n" + failures.get(0));
        assertTrue(events > 1000L * seeds.size() / 10, "the workloads hardly did anything");
    }

    interface RunCheck {
        /** Runs {@code w} and returns what went wrong, or null. */
        String run(ReplayWorkload w);
    }

    // ---- replay by fold ----------------------------------------------------------------------------------------

    /** Every entity's events in the order they were applied, and its slot as first seen (execbufs leave when done). */
    static final class Journal implements SimListener {
        final Map<Address, List<Event>> events = new LinkedHashMap<>();
        final Map<Address, Simulator.Slot<?, ?, ?>> slots = new LinkedHashMap<>();

        @Override
        public void beforeApply(Simulator sim, Address entity, Event event) {
            slots.computeIfAbsent(entity, sim::entity);
            events.computeIfAbsent(entity, a -> new ArrayList<>()).add(event);
        }
    }

    @Test
    void foldingEachEntitysJournalRebuildsItsLiveState() {
        Set<String> seen = new TreeSet<>();
        forEachRun("fold", w -> {
            Journal journal = new Journal();
            w.sim.addListener(journal);
            w.run();
            Map<Address, Simulator.Slot<?, ?, ?>> all = new LinkedHashMap<>(journal.slots);
            for (Simulator.Slot<?, ?, ?> s : w.sim.entities()) all.putIfAbsent(s.address(), s);
            journal.events.values().forEach(l -> l.forEach(e -> seen.add(ModelTypes.nameOf(e.getClass()))));
            for (Simulator.Slot<?, ?, ?> slot : all.values()) {
                List<Event> written = journal.events.getOrDefault(slot.address(), List.of());
                List<Event> read = new ArrayList<>(written.size());
                for (Event e : written) {
                    Event back = ModelJackson.roundTrip(e, Event.class);
                    if (!back.equals(e)) return slot.address() + ": event " + e + " reads back from CBOR as " + back;
                    read.add(back);
                }
                Decider<?, ?, ?> fresh = ReplayWorkload.freshDecider(slot.address(), w.device);
                assertEquals(slot.decider().getClass(), fresh.getClass());
                Object folded;
                try {
                    folded = fold(fresh, read);
                } catch (RuntimeException e) {
                    return slot.address() + ": the fold of its " + read.size() + " events threw " + e;
                }
                String live = StateDigest.render(slot.state());
                String replayed = StateDigest.render(folded);
                if (!live.equals(replayed)) {
                    return slot.address() + ": the fold of its " + read.size() + " events differs from the live state\n"
                            + firstDifference(live, replayed);
                }
                if (!StateDigest.digest(slot.state()).equals(StateDigest.digest(folded))) return slot.address() + ": digests differ";
            }
            return null;
        });
        Set<String> unseen = new TreeSet<>();
        ModelTypes.all().forEach((name, type) -> {
            if (Event.class.isAssignableFrom(type) && !seen.contains(name)) unseen.add(name);
        });
        System.out.println("ReplayTest.fold: event types no run went through: " + unseen);
    }

    @SuppressWarnings("unchecked")
    static Object fold(Decider<?, ?, ?> decider, List<Event> events) {
        Decider<Object, Message, Event> d = (Decider<Object, Message, Event>) decider;
        Object s = d.initialState();
        for (Event e : events) s = d.evolve(s, e);
        return s;
    }

    static String firstDifference(String live, String replayed) {
        String[] a = live.split("\n");
        String[] b = replayed.split("\n");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(none)";
            String y = i < b.length ? b[i] : "(none)";
            if (!x.equals(y)) return "  live:     " + x + "\n  replayed: " + y;
        }
        return "  (renderings equal)";
    }

    // ---- decide is pure ----------------------------------------------------------------------------------------

    /**
     * Keeps each entity's digest after its last delivery; at the first event of the next decision (or after a
     * decision without events) the state must still have that digest: decide changed nothing.
     */
    static final class PurityCheck implements SimListener {
        final Map<Address, String> after = new LinkedHashMap<>();
        final List<String> violations = new ArrayList<>();
        boolean applying;
        long checks;

        private void check(Simulator sim, Address a, String when) {
            Simulator.Slot<?, ?, ?> slot = sim.entity(a);
            if (slot == null) return;
            String expected = after.computeIfAbsent(a, x -> StateDigest.digest(slot.decider().initialState()));
            checks++;
            if (!expected.equals(StateDigest.digest(slot.state())) && violations.size() < 5)
                violations.add(a + ": its state changed during decide (" + when + ", message " + (sim.delivered()) + ")");
        }

        @Override
        public void beforeApply(Simulator sim, Address entity, Event event) {
            if (applying) return;
            applying = true;
            check(sim, entity, "before its first event " + event);
        }

        @Override
        public void afterDelivery(Simulator sim, Envelope env) {
            if (!applying) check(sim, env.to(), "a decision without events on " + env.message());
            applying = false;
            Simulator.Slot<?, ?, ?> slot = sim.entity(env.to());
            if (slot == null) after.remove(env.to());
            else after.put(env.to(), StateDigest.digest(slot.state()));
        }
    }

    @Test
    void decideNeverChangesTheState() {
        forEachRun("purity", w -> {
            PurityCheck purity = new PurityCheck();
            w.sim.addListener(purity);
            w.run();
            if (w.thrown == null && purity.checks < w.sim.delivered()) return "only " + purity.checks + " checks for " + w.sim.delivered() + " messages";
            return purity.violations.isEmpty() ? null : String.join("\n", purity.violations);
        });
    }
}
