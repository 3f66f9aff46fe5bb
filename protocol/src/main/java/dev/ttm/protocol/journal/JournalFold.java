package dev.ttm.protocol.journal;

import dev.ttm.protocol.journal.InFlightQueues.Sent;
import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.StateDigest;
import dev.ttm.protocol.sim.Envelope;
import dev.ttm.protocol.sim.SimListener;
import dev.ttm.protocol.sim.Simulator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Folds journal entries, in stamp order, through the model: for each entry it runs today's {@code decide} on the state
 * the journal folds to just before it and the entry's input (what the decision sent, and whether today's code still
 * decides the same), applies the recorded events through {@code evolve} (a {@link Simulator} in replay mode), checks
 * every invariant (the incremental checker, after every entry, and everything once more at the end), and follows the
 * messages in flight: sent by a journaled decision and not yet the input of a later journaled decision of their
 * receiver. Pure: no clocks, no I/O; the same entries give the same result.
 *
 * <p>Entries must come in increasing stamp order; {@link FoldListener}s see each event and each entry.
 */
public final class JournalFold {
    /** An entry the model cannot fold (an entity the device does not have, an input it does not accept, a failing evolve). */
    public static final class Unfoldable extends RuntimeException {
        public Unfoldable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final DeviceConfig device;
    private final Simulator model;
    private final InvariantChecker checker = new InvariantChecker();
    private final List<FoldListener> listeners = new ArrayList<>();
    private final DigestPipeline digest;
    private final InFlightQueues inFlight = new InFlightQueues();
    private final Map<String, Integer> runs = new LinkedHashMap<>();
    private final List<StampedViolation> violations = new ArrayList<>();
    private JournalEntry current;
    private long sendSeq;
    private long entries;
    private long events;
    private long firstStamp;
    private long lastStamp;
    private Divergence firstDivergence;
    private long divergences;
    private long unrecordedInputs;
    private long consumedUnrecorded;
    private boolean finished;
    private String lastRunId;
    private int lastRun;

    /** A fold whose digest is made on another thread, alongside (see {@link #JournalFold(DeviceConfig, boolean)}). */
    public JournalFold(DeviceConfig device) {
        this(device, true);
    }

    /**
     * {@code pipelinedDigest}: the journal digest's lines are rendered and hashed on another thread while this one
     * folds ({@link DigestPipeline}: the same digest); otherwise on the caller's thread, entry by entry.
     */
    public JournalFold(DeviceConfig device, boolean pipelinedDigest) {
        this(device, new DigestPipeline(pipelinedDigest));
    }

    /** With a digest pipeline of another shape (tests: tiny batches). */
    JournalFold(DeviceConfig device, DigestPipeline digest) {
        this.device = device;
        this.digest = digest;
        this.model = new Simulator(device);
        model.addListener(checker);
        model.addListener(new SimListener() {
            @Override
            public void beforeApply(Simulator sim, Address entity, Event event) {
                for (FoldListener l : listeners) l.beforeEvent(current, entity, event, sim);
            }
        });
    }

    public JournalFold listen(FoldListener l) {
        listeners.add(l);
        return this;
    }

    /** The model as folded so far (live: it changes with the next entry). */
    public ModelView model() {
        return model;
    }

    public DeviceConfig device() {
        return device;
    }

    /** Folds {@code e}, whose stamp must be greater than every stamp folded before. */
    public FoldStep apply(JournalEntry e) {
        if (finished) throw new IllegalStateException("the fold is finished");
        Recorded r = e.recorded();
        if (entries > 0 && r.stamp() <= lastStamp)
            throw new IllegalArgumentException("entries out of stamp order: " + r.stamp() + " (" + e.entity() + ") after " + lastStamp);
        int run = run(r.runId());
        current = e;
        digest.add(run, e);
        Cause cause = admit(e.entity(), r.input());
        Decision<?> today;
        Divergence divergence;
        try {
            today = decide(e.entity(), r.input());
            divergence = sameEvents(r.events(), today.events()) ? null
                    : new Divergence(r.stamp(), e.entity(), e.seqNr(), r.input(), StateDigest.canonical(r.events()), StateDigest.canonical(today.events()));
        } catch (Unfoldable u) {
            throw u;
        } catch (RuntimeException | StackOverflowError x) {
            today = null;
            divergence = new Divergence(r.stamp(), e.entity(), e.seqNr(), r.input(), StateDigest.canonical(r.events()), "decide failed: " + x);
        }
        if (divergence != null) {
            divergences++;
            if (firstDivergence == null) firstDivergence = divergence;
        }
        List<Decision.Send> sends = today == null ? List.of() : today.sends();
        try {
            model.applyRecorded(e.entity(), r.input(), r.events(), sends);
        } catch (RuntimeException x) {
            throw new Unfoldable(e.entity() + " #" + e.seqNr() + " (stamp " + r.stamp() + "): its events do not fold: " + x, x);
        }
        for (int i = 0; i < sends.size(); i++) {
            Decision.Send s = sends.get(i);
            if (s.to() instanceof Address.Client) continue;
            inFlight.add(s.to(), new Sent(sendSeq++, e.entity(), r.stamp(), s.message()));
        }
        if (entries++ == 0) firstStamp = r.stamp();
        lastStamp = r.stamp();
        events += r.events().size();
        List<StampedViolation> found = stamp(checker.drain(), r.stamp(), e.entity());
        if (!found.isEmpty()) violations.addAll(found);
        FoldStep step = new FoldStep(e, run, cause, today, divergence, found, model);
        for (FoldListener l : listeners) l.afterEntry(step);
        current = null;
        return step;
    }

    /** The ordinal of run {@code id} (1, 2, ... in stamp order); a journal's entries mostly come from one run. */
    private int run(String id) {
        if (id.equals(lastRunId)) return lastRun;
        Integer n = runs.get(id);
        if (n == null) runs.put(id, n = runs.size() + 1);
        lastRunId = id;
        lastRun = n;
        return n;
    }

    /**
     * Whether today's events have the recorded events' canonical text, as {@code --recheck} compares them. Equal events
     * render alike: events are records all the way down (strings, numbers, enums, lists, maps), none overrides
     * {@code equals}, and the canonical text is a function of those values (maps sorted by key); so the texts are made
     * only when the events are not equal (they may still be the same text). The digest's rendering of the recorded
     * events is not used: it is made on another thread, later.
     */
    private static boolean sameEvents(List<? extends Event> was, List<? extends Event> now) {
        if (equal(was, now)) {
            assert StateDigest.canonical(was).equals(StateDigest.canonical(now)) : "equal events with another canonical text: " + now;
            return true;
        }
        return StateDigest.canonical(was).equals(StateDigest.canonical(now));
    }

    /** {@code was.equals(now)}, element by element without an iterator (both are random-access lists). */
    private static boolean equal(List<? extends Event> was, List<? extends Event> now) {
        int n = was.size();
        if (now.size() != n) return false;
        for (int i = 0; i < n; i++) if (!was.get(i).equals(now.get(i))) return false;
        return true;
    }

    /**
     * Where {@code input} came from: a client's request enters the model here (submitted when first journaled);
     * otherwise it is taken off its receiver's messages in flight, with every earlier message of the same sender to
     * the same receiver (channels keep their order, so the receiver took those before, in decisions that journaled
     * nothing).
     */
    private Cause admit(Address to, Message input) {
        Address.Client client = Cause.clientOf(input);
        if (client != null) {
            try {
                model.recordSubmit(client, to, input);
            } catch (RuntimeException x) {
                throw new Unfoldable("a request to " + to + ", which the device does not have: " + x.getMessage(), x);
            }
            return new Cause.Client(client);
        }
        Sent match = inFlight.earliest(to, input);
        if (match == null) {
            unrecordedInputs++;
            return unrecorded(to, input);
        }
        take(to, match);
        return new Cause.SentBy(match.from(), match.sentAt());
    }

    /**
     * Takes {@code match} off the messages in flight to {@code to}, with every earlier one of the same sender: channels
     * keep their order, so {@code to} took those before, in decisions that journaled nothing.
     */
    private void take(Address to, Sent match) {
        consumedUnrecorded += inFlight.take(to, match);
    }

    /**
     * {@code input} reached {@code to} from a decision that journaled nothing (a runtime journals only decisions with
     * events). Which one: a message in flight on which its receiver, in its state now (unchanged by such a decision),
     * decides no event and sends {@code input} to {@code to}. That decision is folded (its sends are known now: replies
     * to clients among them), and its other messages are in flight from here.
     */
    private Cause unrecorded(Address to, Message input) {
        Decision.Send wanted = new Decision.Send(to, input);
        for (Address receiver : inFlight.receivers()) {
            Simulator.Slot<?, ?, ?> slot = model.entity(receiver);
            if (slot == null) continue;
            for (Sent s : inFlight.inSendOrder(receiver)) {
                Decision<?> d;
                try {
                    d = decide(slot.decider(), slot.state(), s.message(), receiver);
                } catch (RuntimeException x) {
                    continue;
                }
                if (!d.events().isEmpty() || !d.sends().contains(wanted)) continue;
                take(receiver, s);
                consumedUnrecorded++;
                model.applyRecorded(receiver, s.message(), List.of(), d.sends());
                boolean skipped = false;
                for (Decision.Send out : d.sends()) {
                    if (!skipped && out.equals(wanted)) {
                        skipped = true;
                        continue;
                    }
                    if (!(out.to() instanceof Address.Client))
                        inFlight.add(out.to(), new Sent(sendSeq++, receiver, s.sentAt(), out.message()));
                }
                for (FoldListener l : listeners) l.unrecordedDecision(receiver, s.message(), d, model);
                return new Cause.Unrecorded(receiver, s.message(), s.from(), s.sentAt());
            }
        }
        return Cause.Unrecorded.UNKNOWN;
    }

    /** Today's decision on {@code input} in the entity's current state (a new BO or execbuf: its initial state). */
    private Decision<?> decide(Address entity, Message input) {
        Simulator.Slot<?, ?, ?> slot = model.entity(entity);
        if (slot != null) return decide(slot.decider(), slot.state(), input, entity);
        if (entity instanceof Address.Bo b) return decide(new BufferObject(b.name(), device), null, input, entity);
        if (entity instanceof Address.Exec x) return decide(new Execbuf(x.id()), null, input, entity);
        throw new Unfoldable("an entry of " + entity + ", which the device does not have", null);
    }

    @SuppressWarnings("unchecked")
    private static <S, M extends Message, E extends Event> Decision<E> decide(Decider<S, M, E> d, Object state, Message input, Address entity) {
        if (!d.inbound().isInstance(input))
            throw new Unfoldable(entity + " does not accept " + input.getClass().getSimpleName() + " (" + input + ")", null);
        S s = state == null ? d.initialState() : (S) state;
        return d.decide(s, d.inbound().cast(input));
    }

    private boolean inert(Address receiver, Message m) {
        Simulator.Slot<?, ?, ?> slot = model.entity(receiver);
        if (slot == null) return false;
        try {
            Decision<?> d = decide(slot.decider(), slot.state(), m, receiver);
            return d.events().isEmpty() && d.sends().isEmpty();
        } catch (RuntimeException x) {
            return false;
        }
    }

    private static List<StampedViolation> stamp(List<Violation> vs, long stamp, Address entity) {
        if (vs.isEmpty()) return List.of();
        List<StampedViolation> out = new ArrayList<>(vs.size());
        for (Violation v : vs) out.add(new StampedViolation(stamp, entity, v));
        return out;
    }

    /**
     * Ends the fold: every invariant is evaluated once more on the whole model (those of quiescence too when nothing
     * is in flight), and the result is made. The fold takes no entry after this.
     */
    public FoldResult finish() {
        if (!finished) {
            finished = true;
            checker.checkFull(model);
        }
        violations.addAll(stamp(checker.drain(), lastStamp, null));
        return new FoldResult(List.copyOf(runs.keySet()), entries, events, firstStamp, lastStamp, violations, Optional.ofNullable(firstDivergence),
                divergences, inFlight(), unrecordedInputs, consumedUnrecorded, digest.hex());
    }

    /**
     * The messages in flight now (see {@link FoldResult#inFlight}), in the order they were sent; without the inert
     * ones, on which their receiver now decides nothing at all (no event, no message): whether it took them already in a
     * decision the journal does not hold or will take them, nothing changes.
     */
    public List<InFlight> inFlight() {
        List<Sent> all = new ArrayList<>();
        Map<Sent, Address> to = new HashMap<>();
        for (Address receiver : inFlight.receivers()) {
            for (Sent s : inFlight.inSendOrder(receiver)) {
                if (inert(receiver, s.message())) continue;
                all.add(s);
                to.put(s, receiver);
            }
        }
        all.sort(Comparator.comparingLong(Sent::seq));
        List<InFlight> out = new ArrayList<>(all.size());
        for (Sent s : all) out.add(new InFlight(s.from(), s.sentAt(), to.get(s), s.message()));
        return out;
    }
}
