package dev.ttm.actors;

import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One execbuf, built entry by entry, then submitted: {@code ttm.execbuf().add("A", vram).add("B", tt).fence().submit()}.
 * The execbuf reserves every BO with one wait-die ticket (backing off and retrying on {@code EDEADLK}, a bounded
 * number of times), validates each to its placement in order, attaches a fence to each if asked, releases them all
 * and answers once: {@code OK}, or the outcome of the step that failed. Not thread-safe; a builder submits once per
 * {@link #submit()} call (each call is a new execbuf with the same entries).
 */
public final class ExecbufBuilder {
    private final TtmSystem ttm;
    private final List<Execbuf.Entry> entries = new ArrayList<>();
    private Long ticket;
    private boolean fence;
    private Reply bad;

    ExecbufBuilder(TtmSystem ttm) {
        this.ttm = ttm;
    }

    /** Adds {@code bo}, to be validated into {@code placement}. */
    public ExecbufBuilder add(String bo, Placement placement) {
        if (bad == null) bad = Args.first(Args.bo(bo), Args.placement(placement));
        if (bad == null) entries.add(new Execbuf.Entry(bo, placement));
        return this;
    }

    /** As {@link #add(String, Placement)}. */
    public ExecbufBuilder add(BoHandle bo, Placement placement) {
        return add(bo.name(), placement);
    }

    /** With the placement in the scenario syntax; one that does not parse makes {@link #submit()} answer EINVAL. */
    public ExecbufBuilder add(String bo, String placement) {
        Placements.Result p = Placements.tryParse(placement, ttm.device());
        if (!p.ok() && bad == null) bad = Args.einval(bo + ": " + p.error());
        return p.ok() ? add(bo, p.placement()) : this;
    }

    /** The wait-die ticket (lower is older); by default a fresh one ({@link TtmSystem#newTicket()}) at each submit. */
    public ExecbufBuilder ticket(long ticket) {
        this.ticket = ticket;
        return this;
    }

    /** Attach a fence to every BO (GPU work submitted): they stay busy until signalled. */
    public ExecbufBuilder fence() {
        this.fence = true;
        return this;
    }

    /** The entries so far, in order. */
    public List<Execbuf.Entry> entries() {
        return List.copyOf(entries);
    }

    /** Submits the execbuf: {@code EINVAL} without entries or with a bad one, {@code ENOENT} for an unknown BO. */
    public CompletionStage<Reply> submit() {
        if (bad != null) return Args.done(bad);
        Reply t = Args.ticket(ticket);
        if (t != null) return Args.done(t);
        return ttm.execbuf(List.copyOf(entries), ticket != null ? ticket : ttm.newTicket(), fence);
    }
}
