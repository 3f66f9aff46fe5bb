package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One execbuf as a short-lived coordinator: reserve every BO with one ticket (wait-die: on EDEADLK release
 * everything, then wait for the contended BO first, at most {@link #MAX_BACKOFFS} times), validate each BO
 * to its placement, attach a fence if asked, release all, answer once.
 */
public final class Execbuf implements Entity {
    public static final int MAX_BACKOFFS = 8;

    public record Entry(String bo, Placement placement) {}
    public record Submit(List<Entry> entries, long ticket, boolean fence, long requestId, Address replyTo) implements Message {
        public Submit {
            entries = List.copyOf(entries);
            if (entries.isEmpty()) throw new IllegalArgumentException("execbuf without buffers");
        }
    }

    public enum Stage { RESERVING, VALIDATING, FENCING, RELEASING, DONE }

    public record Began(Submit submit) implements Event {}
    public record StageChanged(Stage stage, int index, int awaiting) implements Event {}
    public record Held(String bo) implements Event {}
    public record AllReleased() implements Event {}
    public record BackedOff(String contended) implements Event {}
    public record Decided(Outcome outcome, String reason) implements Event {}
    public record ReleaseBegan(Stage then) implements Event {}

    private final Address address;
    private final String owner;
    private Submit submit;
    private final LinkedHashSet<String> held = new LinkedHashSet<>();
    private List<String> order = List.of();
    private String contended;
    private int backoffs;
    private Stage stage;
    private int index;
    private int awaiting;
    private Outcome outcome = Outcome.OK;
    private String reason = "";
    private Stage afterRelease;

    public Execbuf(long id) {
        this.address = new Address.Exec(id);
        this.owner = "exec" + id;
    }

    @Override
    public Address address() { return address; }
    public Stage stage() { return stage; }
    public String owner() { return owner; }
    public int backoffs() { return backoffs; }

    @Override
    public void handle(Address from, Message message, Ctx ctx) {
        if (message instanceof Submit s) {
            ctx.emit(new Began(s));
            reserveNext(ctx);
        } else if (message instanceof Reply r) {
            onReply(from, r, ctx);
        } else {
            throw new IllegalArgumentException(owner + ": unexpected " + message);
        }
    }

    private void onReply(Address from, Reply r, Ctx ctx) {
        String bo = ((Address.Bo) from).name();
        switch (stage) {
            case RESERVING -> onReserved(bo, r, ctx);
            case VALIDATING -> onValidated(r, ctx);
            case FENCING -> {
                ctx.emit(new StageChanged(Stage.FENCING, index, awaiting - 1));
                if (awaiting == 0) releaseAll(Stage.DONE, ctx);
            }
            case RELEASING -> {
                ctx.emit(new StageChanged(Stage.RELEASING, index, awaiting - 1));
                if (awaiting == 0) afterReleased(ctx);
            }
            default -> throw new IllegalStateException(owner + ": reply in stage " + stage);
        }
    }

    /** Reserves the next BO: the contended one first after a back-off (slow path), then the rest in order. */
    private void reserveNext(Ctx ctx) {
        String next = null;
        if (contended != null && !held.contains(contended)) next = contended;
        for (int i = 0; next == null && i < order.size(); i++) if (!held.contains(order.get(i))) next = order.get(i);
        if (next == null) {
            ctx.emit(new StageChanged(Stage.VALIDATING, 0, 1));
            validateNext(ctx);
            return;
        }
        ctx.emit(new StageChanged(Stage.RESERVING, index, 1));
        ctx.send(new Address.Bo(next), new BufferObject.Reserve(owner, submit.ticket(), false, next.equals(contended), submit.requestId(), address));
    }

    private void onReserved(String bo, Reply r, Ctx ctx) {
        switch (r.outcome()) {
            case OK -> {
                ctx.emit(new Held(bo));
                reserveNext(ctx);
            }
            case EDEADLK -> {
                if (backoffs >= MAX_BACKOFFS) {
                    ctx.emit(new Decided(Outcome.EDEADLK, "gave up after " + backoffs + " back-offs: " + r.reason()));
                    releaseAll(Stage.DONE, ctx);
                } else {
                    ctx.emit(new BackedOff(bo));
                    releaseAll(Stage.RESERVING, ctx);
                }
            }
            default -> {
                ctx.emit(new Decided(r.outcome(), bo + ": " + r.reason()));
                releaseAll(Stage.DONE, ctx);
            }
        }
    }

    private void validateNext(Ctx ctx) {
        if (index >= submit.entries().size()) {
            fenceAll(ctx);
            return;
        }
        Entry e = submit.entries().get(index);
        ctx.send(new Address.Bo(e.bo()), new BufferObject.Validate(e.placement(), owner, false, submit.requestId(), address));
    }

    private void onValidated(Reply r, Ctx ctx) {
        if (r.outcome() != Outcome.OK) {
            ctx.emit(new Decided(r.outcome(), submit.entries().get(index).bo() + ": " + r.reason()));
            releaseAll(Stage.DONE, ctx);
            return;
        }
        ctx.emit(new StageChanged(Stage.VALIDATING, index + 1, 1));
        validateNext(ctx);
    }

    private void fenceAll(Ctx ctx) {
        if (!submit.fence()) {
            releaseAll(Stage.DONE, ctx);
            return;
        }
        ctx.emit(new StageChanged(Stage.FENCING, index, held.size()));
        for (String bo : held) ctx.send(new Address.Bo(bo), new BufferObject.Fence(owner, submit.requestId(), address));
    }

    private void releaseAll(Stage then, Ctx ctx) {
        ctx.emit(new ReleaseBegan(then));
        if (held.isEmpty()) {
            afterReleased(ctx);
            return;
        }
        ctx.emit(new StageChanged(Stage.RELEASING, index, held.size()));
        for (String bo : held) ctx.send(new Address.Bo(bo), new BufferObject.Unreserve(owner, submit.requestId(), address));
    }

    private void afterReleased(Ctx ctx) {
        ctx.emit(new AllReleased());
        if (afterRelease == Stage.RESERVING) {
            reserveNext(ctx);
            return;
        }
        ctx.emit(new StageChanged(Stage.DONE, index, 0));
        ctx.send(submit.replyTo(), Reply.of(submit.requestId(), outcome,
                outcome == Outcome.OK ? "execbuf of " + order.size() + " BO(s) with " + backoffs + " back-off(s)" : reason));
    }

    @Override
    public void apply(Event event) {
        if (event instanceof Began b) {
            submit = b.submit();
            List<String> o = new ArrayList<>();
            for (Entry e : submit.entries()) if (!o.contains(e.bo())) o.add(e.bo());
            order = List.copyOf(o);
        } else if (event instanceof StageChanged s) {
            stage = s.stage();
            index = s.index();
            awaiting = s.awaiting();
        } else if (event instanceof Held h) {
            held.add(h.bo());
        } else if (event instanceof AllReleased) {
            held.clear();
        } else if (event instanceof BackedOff b) {
            contended = b.contended();
            backoffs++;
        } else if (event instanceof Decided d) {
            outcome = d.outcome();
            reason = d.reason();
        } else if (event instanceof ReleaseBegan r) {
            afterRelease = r.then();
        } else {
            throw new IllegalArgumentException(owner + ": unknown event " + event);
        }
    }
}
