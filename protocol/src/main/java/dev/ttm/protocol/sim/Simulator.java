package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Decider;
import dev.ttm.protocol.model.Decision;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.IoState;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.ModelView;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Reply;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Runs the entities of one device on one thread, applying each decision the way Pekko will: decide, then evolve
 * each event in order, then send. Messages are delivered in send order (FIFO) by default; after
 * {@link #randomize(long)} the next message is drawn by a seeded generator among the channels (sender, receiver)
 * that have one, keeping each channel in order as actors do. Same seed, same run.
 */
public final class Simulator implements ModelView {
    /** Bound on the replies kept for {@link #reply}: a client that never reads them cannot exhaust memory. */
    public static final int MAX_RETAINED_REPLIES = 1 << 20;

    private record Channel(Address from, Address to) {}

    /** One entity: its decider and its state. */
    public static final class Slot<S, M extends Message, E extends Event> {
        private final Address address;
        private final Decider<S, M, E> decider;
        private S state;

        Slot(Address address, Decider<S, M, E> decider) {
            this.address = address;
            this.decider = decider;
            this.state = decider.initialState();
        }

        public Address address() { return address; }
        public Decider<S, M, E> decider() { return decider; }
        public S state() { return state; }

        Decision<E> decide(Message m) {
            if (!decider.inbound().isInstance(m)) throw new IllegalStateException(address + " does not accept " + m);
            return decider.decide(state, decider.inbound().cast(m));
        }

        void evolve(E event) {
            state = decider.evolve(state, event);
        }
    }

    private final DeviceConfig device;
    private final Map<Address, Slot<?, ?, ?>> entities = new LinkedHashMap<>();
    /** The IO manager's slot: it always exists, and the checker reads its state after many messages. */
    private final Slot<?, ?, ?> ioSlot;
    private final Map<String, BoState> bos = new LinkedHashMap<>();
    private final Map<String, RegionState> regions = new LinkedHashMap<>();
    private final ArrayDeque<Envelope> fifo = new ArrayDeque<>();
    private final Map<Channel, ArrayDeque<Envelope>> channels = new HashMap<>();
    private final List<Channel> active = new ArrayList<>();
    private SplittableRandom random;
    private final List<SimListener> listeners = new ArrayList<>();
    private final Map<Long, Reply> replies = new LinkedHashMap<>();
    private final Set<Long> pending = new LinkedHashSet<>();
    private long seq;
    private long delivered;
    private long events;
    private long nextRequestId = 1;
    private long nextExecId = 1;
    private boolean retainReplies = true;
    /** Replay mode: messages sent by recorded decisions and not yet delivered by one (they are not queued here). */
    private long replayInFlight;

    public Simulator(DeviceConfig device) {
        this.device = device;
        for (RegionConfig r : device.regions().values()) {
            Slot<RegionState, ?, ?> slot = add(new Address.Region(r.name()), new RegionManager(r, device.injectionsFor(r.name())));
            regions.put(r.name(), slot.state());
        }
        ioSlot = add(Address.IO, new IoManager(device.driver(), device.aperturePages(), device.injectionsFor("driver")));
    }

    public void addListener(SimListener l) {
        listeners.add(l);
    }

    private <S, M extends Message, E extends Event> Slot<S, M, E> add(Address a, Decider<S, M, E> d) {
        Slot<S, M, E> slot = new Slot<>(a, d);
        entities.put(a, slot);
        return slot;
    }

    // ---- the read-only view ----------------------------------------------------------------------------------
    @Override public DeviceConfig device() { return device; }
    @Override public BoState bo(String name) { return bos.get(name); }
    @Override public Collection<BoState> bos() { return Collections.unmodifiableCollection(bos.values()); }
    @Override public RegionState region(String name) { return regions.get(name); }
    @Override public Collection<RegionState> regions() { return Collections.unmodifiableCollection(regions.values()); }
    @Override public IoState io() { return (IoState) ioSlot.state(); }

    public long delivered() { return delivered; }
    public long eventsApplied() { return events; }
    public Collection<Slot<?, ?, ?>> entities() { return Collections.unmodifiableCollection(entities.values()); }
    public Slot<?, ?, ?> entity(Address a) { return entities.get(a); }

    /** From here on, delivery order is drawn from {@code seed}. */
    public void randomize(long seed) {
        random = new SplittableRandom(seed);
        while (!fifo.isEmpty()) enqueueChannel(fifo.pollFirst());
    }

    public long newRequestId() {
        return nextRequestId++;
    }

    public Address.Exec newExec() {
        Address.Exec a = new Address.Exec(nextExecId++);
        add(a, new Execbuf(a.id()));
        return a;
    }

    /** A client submits a request; its reply is kept for {@link #reply(long)}. */
    public void submit(Address.Client from, Address to, Message request) {
        if (to instanceof Address.Bo b && !entities.containsKey(to)) {
            if (!(request instanceof BufferObject.Create)) throw new IllegalArgumentException("unknown buffer object " + b.name());
            Slot<BoState, ?, ?> slot = add(to, new BufferObject(b.name(), device));
            bos.put(b.name(), slot.state());
        }
        if (!entities.containsKey(to)) throw new IllegalArgumentException("no entity at " + to);
        if (request.requestId() >= 0) pending.add(request.requestId());
        enqueue(from, to, request);
    }

    /**
     * Delivers {@code message} at once, ahead of everything in flight: how the harness changes the environment
     * (arms an injected fault) at a point of the script, whatever the schedule.
     */
    public void deliverNow(Address.Client from, Address to, Message message) {
        Slot<?, ?, ?> target = entities.get(to);
        if (target == null) throw new IllegalArgumentException("no entity at " + to);
        Envelope env = new Envelope(seq++, from, to, message);
        for (SimListener l : listeners) l.onSent(this, env);
        delivered++;
        apply(target, env);
        for (SimListener l : listeners) l.afterDelivery(this, env);
    }

    public Reply reply(long requestId) {
        return replies.get(requestId);
    }

    /** Whether replies are kept for {@link #reply}; a long-running client that reads none turns this off. */
    public void retainReplies(boolean retain) {
        retainReplies = retain;
    }

    public Set<Long> pendingRequests() {
        return Collections.unmodifiableSet(pending);
    }

    public boolean idle() {
        return fifo.isEmpty() && active.isEmpty() && replayInFlight == 0;
    }

    // ---- replay mode: decisions made elsewhere (by actors, or read from a journal), folded in stamp order ---------
    /**
     * Replay mode: a client's request, as another runtime sent it. It is pending until its reply is recorded; the
     * entity it goes to is made if it is a new BO or execbuf.
     */
    public void recordSubmit(Address.Client from, Address to, Message request) {
        ensureEntity(to);
        if (request.requestId() >= 0) pending.add(request.requestId());
        Envelope env = new Envelope(seq++, from, to, request);
        for (SimListener l : listeners) l.onSent(this, env);
        replayInFlight++;
    }

    /**
     * Recovery: {@code requestId}, which an earlier run took (its journal says so) and never answered, is pending: it
     * is answered exactly once from now on, like any request.
     */
    public void recordPending(long requestId) {
        if (!pending.add(requestId)) return;
        for (SimListener l : listeners) l.onPendingRecovered(this, requestId);
    }

    /**
     * Replay mode: a message between entities that is in flight without a recorded decision having sent it here: one
     * a crash left in flight, which the restarted runtime sends again. It counts as in flight until its receiver's
     * recorded decision takes it.
     */
    public void recordInFlight(Address to, Message message) {
        ensureEntity(to);
        Envelope env = new Envelope(seq++, null, to, message);
        for (SimListener l : listeners) l.onSent(this, env);
        replayInFlight++;
    }

    /**
     * Replay mode: applies a decision made elsewhere — the events {@code entity} recorded for {@code input} and the
     * messages it sent — exactly as {@link #step()} applies one made here: listeners see each event before it is
     * applied, then each send, then the delivery. Sends are not queued: each is delivered by a recorded decision of
     * its own, later in stamp order; until then it counts as in flight ({@link #idle()}).
     */
    public <E extends Event> void applyRecorded(Address entity, Message input, List<E> events, List<Decision.Send> sends) {
        Slot<?, ?, ?> target = ensureEntity(entity);
        Envelope delivery = new Envelope(seq++, null, entity, input);
        delivered++;
        replayInFlight--;
        applyEvents(target, events);
        for (int i = 0; i < sends.size(); i++) {
            Decision.Send s = sends.get(i);
            Envelope env = new Envelope(seq++, entity, s.to(), s.message());
            for (SimListener l : listeners) l.onSent(this, env);
            if (s.to() instanceof Address.Client) deliverToClient(env);
            else replayInFlight++;
        }
        if (target.state() instanceof Execbuf.ExecState x && x.stage() == Execbuf.Stage.DONE) entities.remove(entity);
        for (SimListener l : listeners) l.afterDelivery(this, delivery);
    }

    // ---- recovery: the model rebuilt from journals kept by another runtime (a restart) -----------------------------
    /**
     * Recovery: folds {@code events}, which {@code entity} recorded earlier, into its state (made if it is a new BO or
     * execbuf). No listener hears of them and nothing counts as delivered: a rebuilt model has no transitions to check
     * (see {@link dev.ttm.protocol.invariants.InvariantChecker#recovered}).
     */
    @SuppressWarnings("unchecked")
    public <E extends Event> void recover(Address entity, List<E> events) {
        Slot<Object, ?, Event> target = (Slot<Object, ?, Event>) ensureEntity(entity);
        for (int i = 0; i < events.size(); i++) {
            target.evolve(events.get(i));
            this.events++;
        }
        if (target.state() instanceof Execbuf.ExecState x && x.stage() == Execbuf.Stage.DONE) entities.remove(entity);
    }

    /**
     * Recovery: {@code state} replaces the entity's (a region manager's restored from a snapshot, say). No listener
     * hears of it. It must be the entity's state type; the simulator owns it from now on.
     */
    @SuppressWarnings("unchecked")
    public void restore(Address entity, Object state) {
        Slot<Object, ?, ?> slot = (Slot<Object, ?, ?>) ensureEntity(entity);
        if (!slot.state.getClass().isInstance(state))
            throw new IllegalArgumentException(entity + " has a " + slot.state.getClass().getSimpleName() + ", not a " + state.getClass().getName());
        slot.state = state;
        if (entity instanceof Address.Region r) regions.put(r.name(), (RegionState) state);
        else if (entity instanceof Address.Bo b) bos.put(b.name(), (BoState) state);
    }

    @SuppressWarnings("unchecked")
    private <S, M extends Message, E extends Event> void applyEvents(Slot<S, M, E> target, List<? extends Event> events) {
        for (int i = 0; i < events.size(); i++) {
            E e = (E) events.get(i);
            for (int k = 0; k < listeners.size(); k++) listeners.get(k).beforeApply(this, target.address(), e);
            target.evolve(e);
            this.events++;
        }
    }

    /** The entity at {@code a}, made on first use for a BO or an execbuf (regions and the IO manager always exist). */
    private Slot<?, ?, ?> ensureEntity(Address a) {
        Slot<?, ?, ?> slot = entities.get(a);
        if (slot != null) return slot;
        if (a instanceof Address.Bo b) {
            Slot<BoState, ?, ?> bo = add(a, new BufferObject(b.name(), device));
            bos.put(b.name(), bo.state());
            return bo;
        }
        if (a instanceof Address.Exec x) {
            nextExecId = Math.max(nextExecId, x.id() + 1);
            return add(a, new Execbuf(x.id()));
        }
        throw new IllegalArgumentException("no entity at " + a);
    }

    /** Delivers messages until {@code done} holds, nothing is in flight, or {@code maxSteps} were delivered. */
    public boolean runUntil(BooleanSupplier done, long maxSteps) {
        for (long i = 0; i < maxSteps && !done.getAsBoolean(); i++) {
            if (!step()) break;
        }
        return done.getAsBoolean();
    }

    /** Delivers everything in flight. Bounded: a run that does not quiesce within {@code maxSteps} stops. */
    public boolean settle(long maxSteps) {
        for (long i = 0; i < maxSteps; i++) if (!step()) return true;
        return idle();
    }

    /** Delivers one message: decide, evolve each event, send; false when nothing was in flight. */
    public boolean step() {
        Envelope env = next();
        if (env == null) return false;
        Slot<?, ?, ?> target = entities.get(env.to());
        if (target == null) throw new IllegalStateException("message to unknown " + env.to() + ": " + env.message());
        delivered++;
        apply(target, env);
        // A finished execbuf coordinator is gone, as its actor would stop; nothing addresses it again.
        if (target.state() instanceof Execbuf.ExecState x && x.stage() == Execbuf.Stage.DONE) entities.remove(env.to());
        for (SimListener l : listeners) l.afterDelivery(this, env);
        return true;
    }

    private <S, M extends Message, E extends Event> void apply(Slot<S, M, E> target, Envelope env) {
        Decision<E> d = target.decide(env.message());
        List<E> es = d.events();
        for (int i = 0; i < es.size(); i++) {
            E e = es.get(i);
            for (int k = 0; k < listeners.size(); k++) listeners.get(k).beforeApply(this, target.address(), e);
            target.evolve(e);
            events++;
        }
        List<Decision.Send> ss = d.sends();
        for (int i = 0; i < ss.size(); i++) enqueue(target.address(), ss.get(i).to(), ss.get(i).message());
    }

    /**
     * TEST ONLY: evolves the entity at {@code entity} with {@code event} as if it had decided it, with no message
     * and no decision behind it, to break an invariant on purpose and show the checker catches it. Listeners are not
     * given {@link SimListener#beforeApply} (no transition is checked); they get {@link SimListener#onCorrupted} so
     * that an incremental checker knows what changed. Never call this from a runtime or a scenario.
     */
    @SuppressWarnings("unchecked")
    public void corrupt(Address entity, Event event) {
        Slot<Object, ?, Event> slot = (Slot<Object, ?, Event>) entities.get(entity);
        if (slot == null) throw new IllegalArgumentException("no entity at " + entity);
        for (SimListener l : listeners) l.onCorrupted(this, entity, event);
        slot.evolve(event);
    }

    private Envelope next() {
        if (random == null) return fifo.pollFirst();
        if (active.isEmpty()) return null;
        int i = random.nextInt(active.size());
        Channel c = active.get(i);
        ArrayDeque<Envelope> q = channels.get(c);
        Envelope env = q.pollFirst();
        if (q.isEmpty()) {
            channels.remove(c);
            Channel last = active.remove(active.size() - 1);
            if (i < active.size()) active.set(i, last);
        }
        return env;
    }

    private void enqueue(Address from, Address to, Message m) {
        Envelope env = new Envelope(seq++, from, to, m);
        for (SimListener l : listeners) l.onSent(this, env);
        if (to instanceof Address.Client) {
            deliverToClient(env);
        } else if (random == null) {
            fifo.addLast(env);
        } else {
            enqueueChannel(env);
        }
    }

    private void enqueueChannel(Envelope env) {
        Channel c = new Channel(env.from(), env.to());
        ArrayDeque<Envelope> q = channels.get(c);
        if (q == null) {
            q = new ArrayDeque<>();
            channels.put(c, q);
            active.add(c);
        }
        q.addLast(env);
    }

    private void deliverToClient(Envelope env) {
        if (!(env.message() instanceof Reply r)) throw new IllegalStateException("client got a non-reply " + env.message());
        boolean duplicate = !pending.remove(r.requestId());
        if (!duplicate && retainReplies) {
            replies.put(r.requestId(), r);
            if (replies.size() > MAX_RETAINED_REPLIES) replies.remove(replies.keySet().iterator().next());
        }
        for (SimListener l : listeners) l.onClientReply(this, r.requestId(), duplicate);
    }
}
