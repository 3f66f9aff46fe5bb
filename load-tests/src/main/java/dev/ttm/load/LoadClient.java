package dev.ttm.load;

import dev.ttm.actors.TtmSystem;
import dev.ttm.actors.runtime.Wiring;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Outcome;
import dev.ttm.protocol.model.Reply;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One client of the load: an actor that runs up to {@code outstanding} operations at once ("sessions"), each a short
 * sequence of requests to the model (a {@code tell} through {@link Wiring#submit}; the reply comes back as a
 * {@code tell} to the client's reply adapter), and plays its own GPU: an execbuf's fence is signalled when its
 * latency has passed (a bounded queue; when full, the oldest fence is signalled at once). Nothing blocks, nothing asks
 * on the request path; spawning a new BO or execbuf entity is the guardian's, told (not asked) through
 * {@link TtmSystem#spawn(Address, org.apache.pekko.actor.typed.ActorRef)}, and its answers come back in order to the
 * client's spawn adapter (no temporary actor, timeout or future per operation).
 *
 * <p>Closed model: each session starts its next operation think-time after one ends. Open model: the pacer tells the
 * client when each operation should start ({@link Arrive}); one that finds every session busy waits in a queue the
 * pacer bounds, and its latency counts from the intended start all the same.
 */
final class LoadClient {
    interface Command {}

    /** Closed model: start every session. */
    record Start() implements Command {}

    /** Open model: an operation arrives, due at {@code intendedNs} (System.nanoTime). */
    record Arrive(long intendedNs) implements Command {}

    record Replied(Reply reply) implements Command {}

    /** A session's timer (think time over, pin held long enough). */
    record Resume(int session) implements Command {}

    /** The guardian has spawned the entity of the oldest session waiting for one. */
    record Spawned() implements Command {}

    record GpuTick() implements Command {}

    /** The run ends: signal every fence still pending now. */
    record Drain() implements Command {}

    /** The run is over: unregister and stop. */
    record Stop() implements Command {}

    /** Shared by the clients: the BO each slot holds now (churn replaces them) and their sizes in pages. */
    static final class Slots {
        final AtomicReferenceArray<String> names;
        final java.util.concurrent.atomic.AtomicLongArray pages;
        final int[] priority;
        final String token;

        Slots(List<Workload.Bo> population, long pageBytes, String token) {
            this.token = token;
            names = new AtomicReferenceArray<>(population.size());
            pages = new java.util.concurrent.atomic.AtomicLongArray(population.size());
            priority = new int[population.size()];
            for (int i = 0; i < population.size(); i++) {
                names.set(i, population.get(i).name());
                pages.set(i, population.get(i).sizeBytes() / pageBytes);
                priority[i] = population.get(i).priority();
            }
        }
    }

    private static final class Session {
        final int index;
        final String owner;
        Workload.Op op;
        OpKind kind;
        /** The intended start: latency counts from here (the open model's arrival, or now in the closed model). */
        long opStartNs;
        /** When the session began the operation: its service time counts from here. */
        long beginNs;
        long stepStartNs;
        int step;
        long requestId = -1;
        String bo;
        String failed;
        Address.Exec exec;
        String[] execBos;

        Session(int index, String owner) {
            this.index = index;
            this.owner = owner;
        }
    }

    /** An execbuf whose fence the GPU has not signalled yet. */
    private record Pending(long dueNs, String[] bos) {}

    private final ActorContext<Command> ctx;
    private final Clock clock;
    private final TtmSystem ttm;
    private final Wiring wiring;
    private final Address.Client address;
    private final Workload workload;
    private final Workload.Stream stream;
    private final Slots slots;
    private final Metrics metrics;
    private final RunControl control;
    private final AtomicInteger arrivals;
    private final LoadSettings settings;
    private final long pageBytes;
    private final Session[] sessions;
    private final ArrayDeque<Session> idle = new ArrayDeque<>();
    private final ArrayDeque<Long> waiting = new ArrayDeque<>();
    private final Map<Long, Session> byRequest = new HashMap<>();
    private final Map<Long, Long> signals = new HashMap<>();
    private final ArrayDeque<Pending> gpu = new ArrayDeque<>();
    /** The sessions waiting for the guardian to spawn their entity, in the order asked (it answers in that order). */
    private final ArrayDeque<Session> spawning = new ArrayDeque<>();
    private final org.apache.pekko.actor.typed.ActorRef<Boolean> spawnReplies;
    private int generation;

    static Behavior<Command> create(int client, TtmSystem ttm, Workload workload, Slots slots, Metrics metrics, RunControl control,
                                    AtomicInteger arrivals, Clock clock) {
        return Behaviors.setup(ctx -> new LoadClient(ctx, clock, client, ttm, workload, slots, metrics, control, arrivals).behavior());
    }

    private LoadClient(ActorContext<Command> ctx, Clock clock, int client, TtmSystem ttm, Workload workload,
                       Slots slots, Metrics metrics, RunControl control, AtomicInteger arrivals) {
        this.ctx = ctx;
        this.clock = clock;
        this.ttm = ttm;
        this.wiring = ttm.wiring();
        this.address = new Address.Client("load-" + client);
        this.workload = workload;
        this.stream = workload.stream(client);
        this.slots = slots;
        this.metrics = metrics;
        this.control = control;
        this.arrivals = arrivals;
        this.settings = workload.settings();
        this.pageBytes = ttm.device().pageBytes();
        this.sessions = new Session[settings.outstanding()];
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = new Session(i, address.name() + "." + i);
            idle.add(sessions[i]);
        }
        wiring.clients.register(address, ctx.messageAdapter(Reply.class, Replied::new));
        this.spawnReplies = ctx.messageAdapter(Boolean.class, ok -> SPAWNED);
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(Start.class, m -> guarded(this::startAll))
                .onMessage(Arrive.class, m -> guarded(() -> arrive(m.intendedNs())))
                .onMessage(Replied.class, m -> guarded(() -> replied(m.reply())))
                .onMessage(Resume.class, m -> guarded(() -> resume(sessions[m.session()])))
                .onMessage(Spawned.class, m -> guarded(() -> spawned(spawning.poll())))
                .onMessage(GpuTick.class, m -> guarded(() -> gpuTick(System.nanoTime())))
                .onMessage(Drain.class, m -> guarded(() -> gpuTick(Long.MAX_VALUE)))
                .onMessage(Stop.class, m -> {
                    wiring.clients.unregister(address);
                    return Behaviors.stopped();
                })
                .build();
    }

    /** A client's bug must not pass silently or kill the client: the run hears of it and fails. */
    private Behavior<Command> guarded(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            control.fail(t);
        }
        return Behaviors.same();
    }

    // ---- starting operations ------------------------------------------------------------------------------------
    private void startAll() {
        while (!idle.isEmpty() && control.tryStart()) begin(idle.poll(), System.nanoTime());
    }

    private void arrive(long intendedNs) {
        waiting.add(intendedNs);
        drainArrivals();
    }

    private void drainArrivals() {
        while (!waiting.isEmpty() && !idle.isEmpty()) {
            long intended = waiting.poll();
            arrivals.decrementAndGet();
            if (!control.tryStart()) {
                waiting.clear();
                return;
            }
            begin(idle.poll(), intended);
        }
    }

    /** A session is free again: the next operation starts now, after the think time, or when one arrives. */
    private void sessionDone(Session s) {
        control.finished();
        s.requestId = -1;
        s.exec = null;
        s.execBos = null;
        if (settings.openModel()) {
            idle.add(s);
            drainArrivals();
        } else if (settings.thinkTime().isZero()) {
            if (control.tryStart()) begin(s, System.nanoTime());
            else idle.add(s);
        } else {
            s.op = null;
            clock.at(System.nanoTime() + settings.thinkTime().toNanos(), ctx.getSelf(), new Resume(s.index));
        }
    }

    private void begin(Session s, long startNs) {
        s.op = stream.next();
        s.opStartNs = startNs;
        s.beginNs = Math.max(startNs, System.nanoTime());
        s.step = 0;
        s.failed = null;
        s.bo = slots.names.get(s.op.slots()[0]);
        switch (s.op.op()) {
            case FAULT -> {
                long pages = slots.pages.get(s.op.slots()[0]);
                long page = Math.min(pages - 1, (long) (s.op.pageFraction() * pages));
                request(s, OpKind.FAULT, s.bo, id -> new BufferObject.Fault(page, id, address));
            }
            case VALIDATE -> request(s, OpKind.VALIDATE, s.bo, id -> new BufferObject.Validate(s.op.placements()[0], null, false, id, address));
            case UNMAP -> request(s, OpKind.UNMAP, s.bo, id -> new BufferObject.Unmap(null, id, address));
            case KMAP -> request(s, OpKind.KMAP, s.bo, id -> new BufferObject.Reserve(s.owner, null, false, 0, id, address));
            case PIN -> request(s, OpKind.PIN, s.bo, id -> new BufferObject.Pin(s.op.placements()[0], null, id, address));
            case CHURN -> request(s, OpKind.DESTROY, s.bo, id -> new BufferObject.Destroy(null, id, address));
            case EXECBUF -> spawnExec(s);
        }
    }

    // ---- the steps of each operation ----------------------------------------------------------------------------
    private void replied(Reply r) {
        Long signaled = signals.remove(r.requestId());
        if (signaled != null) {
            metrics.record(OpKind.SIGNAL, System.nanoTime() - signaled, r.outcome().name());
            control.unsignaled.decrementAndGet();
            return;
        }
        Session s = byRequest.remove(r.requestId());
        if (s == null) throw new IllegalStateException(address + ": a reply to no request of mine: " + r);
        s.requestId = -1;
        long now = System.nanoTime();
        switch (s.kind) {
            case KMAP -> kmapStep(s, r, now);
            case PIN -> {
                recordOp(s, OpKind.PIN, now, r.outcome().name());
                if (r.outcome() == Outcome.OK) clock.at(now + settings.pinTime().toNanos(), ctx.getSelf(), new Resume(s.index));
                else sessionDone(s);
            }
            case UNPIN -> {
                metrics.record(OpKind.UNPIN, now - s.stepStartNs, r.outcome().name());
                sessionDone(s);
            }
            case DESTROY -> {
                recordOp(s, OpKind.DESTROY, now, r.outcome().name());
                if (r.outcome() == Outcome.OK) spawnCreate(s);
                else sessionDone(s);
            }
            case CREATE -> {
                metrics.record(OpKind.CREATE, now - s.stepStartNs, r.outcome().name());
                if (r.outcome() == Outcome.OK) {
                    int slot = s.op.slots()[0];
                    slots.pages.set(slot, s.op.newSizeBytes() / pageBytes);
                    slots.names.set(slot, s.bo);
                }
                sessionDone(s);
            }
            case EXECBUF -> {
                recordOp(s, OpKind.EXECBUF, now, r.outcome().name());
                if (r.outcome() == Outcome.OK) fenced(s.execBos, now + s.op.holdNs());
                sessionDone(s);
            }
            default -> {
                recordOp(s, s.kind, now, r.outcome().name());
                sessionDone(s);
            }
        }
    }

    /** reserve, kmap, kunmap, unreserve: one operation; a failed kmap still unreserves, a failed reserve ends it. */
    private void kmapStep(Session s, Reply r, long now) {
        boolean ok = r.outcome() == Outcome.OK;
        if (!ok && s.failed == null) s.failed = STEPS[s.step] + ":" + r.outcome().name();
        int next = switch (s.step) {
            case 0 -> ok ? 1 : -1;
            case 1 -> ok ? 2 : 3;
            case 2 -> 3;
            default -> -1;
        };
        if (next < 0) {
            recordOp(s, OpKind.KMAP, now, s.failed == null ? "OK" : s.failed);
            sessionDone(s);
            return;
        }
        s.step = next;
        request(s, OpKind.KMAP, s.bo, id -> switch (next) {
            case 1 -> new BufferObject.Kmap(s.owner, id, address);
            case 2 -> new BufferObject.Kunmap(s.owner, id, address);
            default -> new BufferObject.Unreserve(s.owner, id, address);
        });
    }

    /** An operation that began at {@code s.beginNs} and was due at {@code s.opStartNs} ends now. */
    private void recordOp(Session s, OpKind kind, long now, String outcome) {
        metrics.record(kind, now - s.opStartNs, now - s.beginNs, outcome);
    }

    private static final String[] STEPS = {"reserve", "kmap", "kunmap", "unreserve"};

    private void resume(Session s) {
        if (s.op == null) { // think time over
            if (control.tryStart()) begin(s, System.nanoTime());
            else idle.add(s);
            return;
        }
        // A pin held long enough.
        s.stepStartNs = System.nanoTime();
        request(s, OpKind.UNPIN, s.bo, id -> new BufferObject.Unpin(null, id, address));
    }

    private void spawnCreate(Session s) {
        int slot = s.op.slots()[0];
        s.bo = "b" + slot + "." + slots.token + "." + address.name().substring(5) + "." + (++generation);
        s.kind = OpKind.CREATE;
        s.stepStartNs = System.nanoTime();
        spawn(s, new Address.Bo(s.bo));
    }

    private void spawnExec(Session s) {
        s.kind = OpKind.EXECBUF;
        s.exec = new Address.Exec(ttm.newExecId());
        int[] slotsOf = s.op.slots();
        s.execBos = new String[slotsOf.length];
        for (int i = 0; i < slotsOf.length; i++) s.execBos[i] = slots.names.get(slotsOf[i]);
        spawn(s, s.exec);
    }

    private static final Spawned SPAWNED = new Spawned();
    private static final GpuTick GPU_TICK = new GpuTick();

    private void spawn(Session s, Address entity) {
        spawning.add(s);
        ttm.spawn(entity, spawnReplies);
    }

    private void spawned(Session s) {
        if (s == null) throw new IllegalStateException(address + ": the guardian spawned an entity no session asked for");
        if (s.kind == OpKind.CREATE) {
            long pages = s.op.newSizeBytes() / pageBytes;
            int priority = slots.priority[s.op.slots()[0]];
            request(s, OpKind.CREATE, s.bo, id -> new BufferObject.Create(pages, priority, workload.createPlacement(), id, address));
            return;
        }
        List<Execbuf.Entry> entries = new ArrayList<>(s.execBos.length);
        for (int i = 0; i < s.execBos.length; i++) entries.add(new Execbuf.Entry(s.execBos[i], s.op.placements()[i]));
        long ticket = ttm.newTicket();
        long id = ttm.newRequestId();
        s.requestId = id;
        byRequest.put(id, s);
        wiring.submit(address, s.exec, new Execbuf.Submit(entries, ticket, true, id, address));
    }

    private void request(Session s, OpKind kind, String bo, java.util.function.LongFunction<Message> message) {
        long id = ttm.newRequestId();
        s.kind = kind;
        s.requestId = id;
        byRequest.put(id, s);
        wiring.submit(address, new Address.Bo(bo), message.apply(id));
    }

    // ---- the simulated GPU ----------------------------------------------------------------------------------------
    private void fenced(String[] bos, long dueNs) {
        if (gpu.size() >= settings.gpuQueue()) signal(gpu.poll());
        gpu.add(new Pending(dueNs, bos));
        clock.at(dueNs, ctx.getSelf(), GPU_TICK);
        control.unsignaled.addAndGet(bos.length);
    }

    private void gpuTick(long nowNs) {
        // Fence latencies are drawn per execbuf, so the queue is not in due order: signal whatever is due.
        if (gpu.isEmpty()) return;
        for (int n = gpu.size(); n > 0; n--) {
            Pending p = gpu.poll();
            if (p.dueNs() <= nowNs) signal(p);
            else gpu.add(p);
        }
    }

    private void signal(Pending p) {
        long now = System.nanoTime();
        for (String bo : p.bos()) {
            long id = ttm.newRequestId();
            signals.put(id, now);
            wiring.submit(address, new Address.Bo(bo), new BufferObject.Signal(id, address));
        }
    }
}
