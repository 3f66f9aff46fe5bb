package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Ctx;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Entity;
import dev.ttm.protocol.model.Event;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.Reply;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Runs the entities of one device on one thread. Messages are delivered in send order (FIFO) by default;
 * after {@link #randomize(long)} the next message is drawn by a seeded generator among the channels
 * (sender, receiver) that have one, keeping each channel in order as actors do. Same seed, same run.
 */
public final class Simulator {
    private record Channel(Address from, Address to) {}

    private final DeviceConfig device;
    private final Map<Address, Entity> entities = new LinkedHashMap<>();
    private final ArrayDeque<Envelope> fifo = new ArrayDeque<>();
    private final Map<Channel, ArrayDeque<Envelope>> channels = new HashMap<>();
    private final List<Channel> active = new ArrayList<>();
    private SplittableRandom random;
    private final List<SimListener> listeners = new ArrayList<>();
    private final Map<Long, Reply> replies = new HashMap<>();
    private final Set<Long> pending = new LinkedHashSet<>();
    private final SimCtx ctx = new SimCtx();
    private long seq;
    private long delivered;
    private long events;
    private long nextRequestId = 1;
    private long nextExecId = 1;
    private boolean retainReplies = true;

    public Simulator(DeviceConfig device) {
        this.device = device;
        for (RegionConfig r : device.regions().values()) add(new RegionManager(r, device.injectionsFor(r.name())));
        add(new IoManager(device.driver(), device.aperturePages(), device.injectionsFor("driver")));
    }

    public void addListener(SimListener l) {
        listeners.add(l);
    }

    private void add(Entity e) {
        entities.put(e.address(), e);
    }

    public DeviceConfig device() { return device; }
    public long delivered() { return delivered; }
    public long eventsApplied() { return events; }
    public Collection<Entity> entities() { return entities.values(); }
    public Entity entity(Address a) { return entities.get(a); }
    public IoManager io() { return (IoManager) entities.get(Address.IO); }

    public BufferObject bo(String name) {
        return (BufferObject) entities.get(new Address.Bo(name));
    }

    public RegionManager region(String name) {
        return (RegionManager) entities.get(new Address.Region(name));
    }

    public List<BufferObject> bos() {
        List<BufferObject> out = new ArrayList<>();
        for (Entity e : entities.values()) if (e instanceof BufferObject b) out.add(b);
        return out;
    }

    public List<RegionManager> regions() {
        List<RegionManager> out = new ArrayList<>();
        for (Entity e : entities.values()) if (e instanceof RegionManager r) out.add(r);
        return out;
    }

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
        add(new Execbuf(a.id()));
        return a;
    }

    /** A client submits a request; its reply is kept for {@link #reply(long)}. */
    public void submit(Address.Client from, Address to, Message request) {
        if (to instanceof Address.Bo b && !entities.containsKey(to)) {
            if (!(request instanceof BufferObject.Create)) throw new IllegalArgumentException("unknown buffer object " + b.name());
            add(new BufferObject(b.name(), device));
        }
        if (!entities.containsKey(to)) throw new IllegalArgumentException("no entity at " + to);
        if (request.requestId() >= 0) pending.add(request.requestId());
        enqueue(from, to, request);
    }

    public Reply reply(long requestId) {
        return replies.get(requestId);
    }

    /** Whether replies are kept for {@link #reply}; a long-running client that reads none turns this off. */
    public void retainReplies(boolean retain) {
        retainReplies = retain;
    }

    public Set<Long> pendingRequests() {
        return pending;
    }

    public boolean idle() {
        return fifo.isEmpty() && active.isEmpty();
    }

    /** The messages in flight, in no particular order (for the checker's view of the distributed state). */
    public List<Envelope> inFlightMessages() {
        List<Envelope> out = new ArrayList<>(fifo);
        for (Channel c : active) out.addAll(channels.get(c));
        return out;
    }

    /** Delivers messages until {@code done} holds or nothing is in flight; returns whether {@code done} holds. */
    public boolean runUntil(BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            if (!step()) return done.getAsBoolean();
        }
        return true;
    }

    /** Delivers everything in flight. Bounded: a run that does not quiesce within {@code maxSteps} stops. */
    public boolean settle(long maxSteps) {
        for (long i = 0; i < maxSteps; i++) if (!step()) return true;
        return idle();
    }

    /** Delivers one message; false when nothing was in flight. */
    public boolean step() {
        Envelope env = next();
        if (env == null) return false;
        Entity target = entities.get(env.to());
        if (target == null) throw new IllegalStateException("message to unknown " + env.to() + ": " + env.message());
        delivered++;
        ctx.current = target;
        try {
            target.handle(env.from(), env.message(), ctx);
        } finally {
            ctx.current = null;
        }
        // A finished execbuf coordinator is gone, as its actor would stop; nothing addresses it again.
        if (target instanceof Execbuf x && x.stage() == Execbuf.Stage.DONE) entities.remove(env.to());
        for (SimListener l : listeners) l.afterDelivery(this, env);
        return true;
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
        if (!duplicate && retainReplies) replies.put(r.requestId(), r);
        for (SimListener l : listeners) l.onClientReply(this, r.requestId(), duplicate);
    }

    private final class SimCtx implements Ctx {
        Entity current;

        @Override
        public void emit(Event event) {
            for (SimListener l : listeners) l.beforeApply(Simulator.this, current, event);
            current.apply(event);
            events++;
        }

        @Override
        public void send(Address to, Message message) {
            enqueue(current.address(), to, message);
        }
    }
}
