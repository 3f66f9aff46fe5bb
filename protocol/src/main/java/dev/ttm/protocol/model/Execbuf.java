package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One execbuf as a short-lived coordinator: reserve every BO with one ticket (wait-die: on EDEADLK release
 * everything, then wait for the contended BO first, at most {@link #MAX_BACKOFFS} times), validate each BO to its
 * placement, attach a fence if asked, release all, answer once. Its reservation owner is {@code exec:N}, a name
 * no script or API caller can use.
 */
public final class Execbuf implements Decider<Execbuf.ExecState, Execbuf.Inbound, Execbuf.ExecEvent> {
    public static final int MAX_BACKOFFS = 8;

    public sealed interface Inbound extends Message permits Submit, Reply {}

    public record Entry(String bo, Placement placement) {}

    public record Submit(List<Entry> entries, long ticket, boolean fence, long requestId, Address replyTo) implements Inbound {
        public Submit {
            entries = List.copyOf(entries);
            if (entries.isEmpty()) throw new IllegalArgumentException("execbuf without buffers");
        }
    }

    public enum Stage { RESERVING, VALIDATING, FENCING, RELEASING, DONE }

    // ---- events ------------------------------------------------------------------------------------------
    public sealed interface ExecEvent extends Event
            permits Began, Reserving, StageChanged, Held, AllReleased, BackedOff, Decided, ReleaseBegan {
        void applyTo(ExecState s);
    }

    public record Began(Submit submit) implements ExecEvent {
        @Override public void applyTo(ExecState s) {
            s.submit = submit;
            List<String> o = new ArrayList<>();
            for (Entry e : submit.entries()) if (!o.contains(e.bo())) o.add(e.bo());
            s.order = List.copyOf(o);
        }
    }
    /** A reservation of {@code bo} was asked for; its answer is awaited. */
    public record Reserving(String bo) implements ExecEvent {
        @Override public void applyTo(ExecState s) {
            s.stage = Stage.RESERVING;
            s.reserving = bo;
            s.awaiting = 1;
        }
    }
    public record StageChanged(Stage stage, int index, int awaiting) implements ExecEvent {
        @Override public void applyTo(ExecState s) {
            s.stage = stage;
            s.index = index;
            s.awaiting = awaiting;
        }
    }
    public record Held(String bo) implements ExecEvent {
        @Override public void applyTo(ExecState s) { s.held.add(bo); }
    }
    public record AllReleased() implements ExecEvent {
        @Override public void applyTo(ExecState s) { s.held.clear(); }
    }
    public record BackedOff(String contended) implements ExecEvent {
        @Override public void applyTo(ExecState s) {
            s.contended = contended;
            s.backoffs++;
        }
    }
    public record Decided(Outcome outcome, String reason) implements ExecEvent {
        @Override public void applyTo(ExecState s) {
            s.outcome = outcome;
            s.reason = reason;
        }
    }
    public record ReleaseBegan(Stage then) implements ExecEvent {
        @Override public void applyTo(ExecState s) { s.afterRelease = then; }
    }

    /** The coordinator's state. Only {@link #evolve} changes it. */
    public static final class ExecState {
        Submit submit;
        final LinkedHashSet<String> held = new LinkedHashSet<>();
        List<String> order = List.of();
        String reserving;
        String contended;
        int backoffs;
        Stage stage;
        int index;
        int awaiting;
        Outcome outcome = Outcome.OK;
        String reason = "";
        Stage afterRelease;

        /** A working copy for one decision (see {@link BoState#draft()} for why decisions use one). */
        ExecState draft() {
            ExecState d = new ExecState();
            d.submit = submit;
            d.held.addAll(held);
            d.order = order;
            d.reserving = reserving;
            d.contended = contended;
            d.backoffs = backoffs;
            d.stage = stage;
            d.index = index;
            d.awaiting = awaiting;
            d.outcome = outcome;
            d.reason = reason;
            d.afterRelease = afterRelease;
            return d;
        }

        public Stage stage() { return stage; }
        public int backoffs() { return backoffs; }
        public List<String> held() { return List.copyOf(held); }
        public Submit submit() { return submit; }
    }

    /** Whether a decision with these events answers the execbuf: the coordinator has nothing left to do after it. */
    public static boolean answers(List<? extends Event> events) {
        for (Event e : events) if (e instanceof StageChanged s && s.stage() == Stage.DONE) return true;
        return false;
    }

    // ---- the decider -------------------------------------------------------------------------------------
    private final Address address;
    private final String owner;

    public Execbuf(long id) {
        this.address = new Address.Exec(id);
        this.owner = "exec:" + id;
    }

    public Address address() { return address; }
    public String owner() { return owner; }

    @Override
    public Class<Inbound> inbound() {
        return Inbound.class;
    }

    @Override
    public ExecState initialState() {
        return new ExecState();
    }

    @Override
    public ExecState evolve(ExecState state, ExecEvent event) {
        event.applyTo(state);
        return state;
    }

    @Override
    public Decision<ExecEvent> decide(ExecState state, Inbound message) {
        Step t = new Step(state.draft());
        if (message instanceof Submit submit) {
            t.emit(new Began(submit));
            t.reserveNext();
        } else {
            t.onReply((Reply) message);
        }
        return t.out.decision();
    }

    /** One decision, on a draft that each decided event is folded into (as a buffer object's decisions are). */
    private final class Step {
        final ExecState s;
        final Outbox<ExecEvent> out = new Outbox<>();

        Step(ExecState draft) {
            this.s = draft;
        }

        void emit(ExecEvent e) {
            out.emit(e);
            e.applyTo(s);
        }

        void send(String bo, Message m) {
            out.send(new Address.Bo(bo), m);
        }

        void onReply(Reply r) {
            switch (s.stage) {
                case RESERVING -> onReserved(r);
                case VALIDATING -> onValidated(r);
                case FENCING -> {
                    emit(new StageChanged(Stage.FENCING, s.index, s.awaiting - 1));
                    if (s.awaiting == 0) releaseAll(Stage.DONE);
                }
                case RELEASING -> {
                    emit(new StageChanged(Stage.RELEASING, s.index, s.awaiting - 1));
                    if (s.awaiting == 0) afterReleased();
                }
                case DONE -> throw new IllegalStateException(owner + ": reply after it answered: " + r);
            }
        }

        /** Reserves the next BO: the contended one first after a back-off (slow path), then the rest in order. */
        void reserveNext() {
            String next = null;
            if (s.contended != null && !s.held.contains(s.contended)) next = s.contended;
            for (int i = 0; next == null && i < s.order.size(); i++) if (!s.held.contains(s.order.get(i))) next = s.order.get(i);
            if (next == null) {
                emit(new StageChanged(Stage.VALIDATING, 0, 1));
                validateNext();
                return;
            }
            emit(new Reserving(next));
            // ww_ctx->acquired: after a back-off it holds nothing, so it waits for the contended BO (the slow path).
            send(next, new BufferObject.Reserve(owner, s.submit.ticket(), false, s.held.size(), s.submit.requestId(), address));
        }

        private void onReserved(Reply r) {
            String bo = s.reserving;
            switch (r.outcome()) {
                case OK -> {
                    emit(new Held(bo));
                    reserveNext();
                }
                case EDEADLK -> {
                    if (s.backoffs >= MAX_BACKOFFS) {
                        emit(new Decided(Outcome.EDEADLK, "gave up after " + s.backoffs + " back-offs: " + r.reason()));
                        releaseAll(Stage.DONE);
                    } else {
                        emit(new BackedOff(bo));
                        releaseAll(Stage.RESERVING);
                    }
                }
                default -> {
                    emit(new Decided(r.outcome(), bo + ": " + r.reason()));
                    releaseAll(Stage.DONE);
                }
            }
        }

        private void validateNext() {
            if (s.index >= s.submit.entries().size()) {
                fenceAll();
                return;
            }
            Entry e = s.submit.entries().get(s.index);
            send(e.bo(), new BufferObject.Validate(e.placement(), owner, false, s.submit.requestId(), address));
        }

        private void onValidated(Reply r) {
            if (r.outcome() == Outcome.EDEADLK && s.backoffs < MAX_BACKOFFS) {
                // walk=exec: the eviction walk's ticket would die; like drm_exec, drop everything and start again.
                emit(new BackedOff(r.contended()));
                releaseAll(Stage.RESERVING);
                return;
            }
            if (r.outcome() != Outcome.OK) {
                emit(new Decided(r.outcome(), s.submit.entries().get(s.index).bo() + ": " + r.reason()));
                releaseAll(Stage.DONE);
                return;
            }
            emit(new StageChanged(Stage.VALIDATING, s.index + 1, 1));
            validateNext();
        }

        private void fenceAll() {
            if (!s.submit.fence()) {
                releaseAll(Stage.DONE);
                return;
            }
            // Only the execbuf's own buffers are fenced (not a contended victim it locked after a back-off).
            List<String> fenced = new ArrayList<>();
            for (String bo : s.order) if (s.held.contains(bo)) fenced.add(bo);
            emit(new StageChanged(Stage.FENCING, s.index, fenced.size()));
            for (String bo : fenced) send(bo, new BufferObject.Fence(owner, s.submit.requestId(), address));
        }

        private void releaseAll(Stage then) {
            emit(new ReleaseBegan(then));
            if (s.held.isEmpty()) {
                afterReleased();
                return;
            }
            emit(new StageChanged(Stage.RELEASING, s.index, s.held.size()));
            for (String bo : s.held) send(bo, new BufferObject.Unreserve(owner, s.submit.requestId(), address));
        }

        private void afterReleased() {
            emit(new AllReleased());
            if (s.afterRelease == Stage.RESERVING) {
                reserveNext();
                return;
            }
            emit(new StageChanged(Stage.DONE, s.index, 0));
            out.send(s.submit.replyTo(), Reply.of(s.submit.requestId(), s.outcome,
                    s.outcome == Outcome.OK ? "execbuf of " + s.order.size() + " BO(s) with " + s.backoffs + " back-off(s)" : s.reason));
        }
    }
}
