package dev.ttm.actors;

import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.scenario.Placements;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A buffer object of a {@link TtmSystem}, by name: {@code ttm.bo("A")}. A handle is a name and the system, cheap and
 * immutable; it may name a BO not created yet (operations on it answer {@code ENOENT} until {@link #create}).
 *
 * <p>Every operation answers exactly once, with a {@link Reply} whose {@link Reply#outcome() outcome} is TTM's errno
 * vocabulary ({@code OK}, {@code EBUSY}, {@code EDEADLK}, {@code ENOMEM}, ... and a fault's {@code MAPPED},
 * {@code RETRY}, {@code SIGBUS}) with a human reason. Errors are values: an unknown BO is {@code ENOENT}, a bad
 * argument (a malformed name or owner, a null placement, a negative page, a placement that does not parse) is
 * {@code EINVAL}; the returned stage never completes exceptionally for either. The semantics of each operation are
 * those of the scenario language's statement of the same name (docs/semantics.md).
 *
 * <p>Owners name who holds a reservation (1 to 200 letters, digits, {@code _ . -}). Operations without an owner, or
 * whose owner does not hold the BO, take the reservation for their own duration and so wait behind its holder; a
 * fault never waits ({@code RETRY}). The stage of a request that has to wait (for a reservation, for fences) completes
 * when it is served: never block on it inside an actor.
 */
public final class BoHandle {
    private final TtmSystem ttm;
    private final String name;

    BoHandle(TtmSystem ttm, String name) {
        this.ttm = ttm;
        this.name = name;
    }

    /** The BO's name. */
    public String name() {
        return name;
    }

    // ---- life cycle ----------------------------------------------------------------------------------------------
    /** Creates the BO in SYSTEM. {@code sizeBytes}: a positive whole number of pages. */
    public CompletionStage<Reply> create(long sizeBytes) {
        return ttm.create(name, sizeBytes, null, 0);
    }

    /** Creates the BO and places it ({@link Placement#NONE}: no resource); a failed placement leaves it without one. */
    public CompletionStage<Reply> create(long sizeBytes, Placement placement) {
        return create(sizeBytes, placement, 0);
    }

    /** As {@link #create(long, Placement)} with the placement in the scenario syntax ({@code "VRAM:visible,TT"}). */
    public CompletionStage<Reply> create(long sizeBytes, String placement) {
        Placements.Result p = Placements.tryParse(placement, ttm.device());
        return p.ok() ? create(sizeBytes, p.placement()) : Args.done(Args.einval(p.error()));
    }

    /** With an LRU priority, 0 (evicted first) to 3. */
    public CompletionStage<Reply> create(long sizeBytes, Placement placement, int priority) {
        Reply bad = Args.placement(placement);
        return bad != null ? Args.done(bad) : ttm.create(name, sizeBytes, placement, priority);
    }

    /** Destroys the BO once it can take the reservation; a busy BO's memory waits for its fences. Later: ENOENT. */
    public CompletionStage<Reply> destroy() {
        return ttm.destroy(name);
    }

    // ---- reservation ---------------------------------------------------------------------------------------------
    /** Reserves for {@code owner}, waiting in FIFO order behind the holder. {@code EALREADY} if it holds it already. */
    public CompletionStage<Reply> reserve(String owner) {
        return ttm.reserve(name, owner, null, false);
    }

    /**
     * Reserves for {@code owner} with a wait-die {@code ticket} (lower is older; {@link TtmSystem#newTicket()} gives
     * fresh ones). The system counts what each ticket holds through this API: a younger ticket that already holds a
     * reservation and meets an older one gets {@code EDEADLK} and must release everything it holds, then reserve the
     * contended BO first (it waits, holding nothing) and the rest after.
     */
    public CompletionStage<Reply> reserve(String owner, long ticket) {
        return ttm.reserve(name, owner, ticket, false);
    }

    /** Reserves for {@code owner} only if nobody holds the BO ({@code EBUSY} otherwise); never waits. */
    public CompletionStage<Reply> tryReserve(String owner) {
        return ttm.reserve(name, owner, null, true);
    }

    /** Releases {@code owner}'s reservation ({@code EPERM} if it does not hold it, {@code EBUSY} with a kmap out). */
    public CompletionStage<Reply> unreserve(String owner) {
        return ttm.unreserve(name, owner);
    }

    // ---- placement -----------------------------------------------------------------------------------------------
    /** Validates into {@code placement} under a reservation of its own (waits for the holder). */
    public CompletionStage<Reply> validate(Placement placement) {
        return validate(placement, null, false);
    }

    /** As {@link #validate(Placement)} with the placement in the scenario syntax. */
    public CompletionStage<Reply> validate(String placement) {
        Placements.Result p = Placements.tryParse(placement, ttm.device());
        return p.ok() ? validate(p.placement()) : Args.done(Args.einval(p.error()));
    }

    /** Validates as {@code owner}: under its reservation if it holds the BO (its ticket drives the eviction walk). */
    public CompletionStage<Reply> validate(Placement placement, String owner) {
        return validate(placement, owner, false);
    }

    /** With {@code nowait}: a busy BO is not moved ({@code EBUSY}) and the walk skips busy victims and ghosts. */
    public CompletionStage<Reply> validate(Placement placement, String owner, boolean nowait) {
        return ttm.validate(name, placement, owner, nowait);
    }

    /** Pins the BO where it is (the first pin takes it off its LRU). */
    public CompletionStage<Reply> pin() {
        return ttm.pin(name, null, null);
    }

    /** Validates into {@code placement} (null: where it is), then pins. */
    public CompletionStage<Reply> pin(Placement placement) {
        return ttm.pin(name, placement, null);
    }

    /** As {@link #pin(Placement)} under {@code owner}'s reservation if it holds the BO. */
    public CompletionStage<Reply> pin(Placement placement, String owner) {
        return ttm.pin(name, placement, owner);
    }

    /** Unpins ({@code EINVAL} with a warning counted at zero). */
    public CompletionStage<Reply> unpin() {
        return ttm.unpin(name, null);
    }

    /** As {@link #unpin()} under {@code owner}'s reservation if it holds the BO. */
    public CompletionStage<Reply> unpin(String owner) {
        return ttm.unpin(name, owner);
    }

    // ---- CPU access ----------------------------------------------------------------------------------------------
    /** A user-space CPU access to {@code page}: {@code MAPPED}, {@code RETRY} (never waits) or {@code SIGBUS}. */
    public CompletionStage<Reply> fault(long page) {
        return ttm.fault(name, page);
    }

    /** A kernel mapping for {@code owner}, who must hold the reservation or the BO be pinned ({@code EPERM}). */
    public CompletionStage<Reply> kmap(String owner) {
        return ttm.kmap(name, owner);
    }

    /** Releases one of {@code owner}'s kmaps. */
    public CompletionStage<Reply> kunmap(String owner) {
        return ttm.kunmap(name, owner);
    }

    /** unmap_virtual: zaps every user mapping and frees the IO reservation when nothing else holds it. */
    public CompletionStage<Reply> unmap() {
        return ttm.unmap(name);
    }

    // ---- GPU -----------------------------------------------------------------------------------------------------
    /** Attaches a fence (GPU work in flight): the BO is busy until {@link #signal()}. */
    public CompletionStage<Reply> fence() {
        return ttm.fence(name);
    }

    /** Every fence attached so far signals (also completes a delayed destroy, and frees ghosts waiting for them). */
    public CompletionStage<Reply> signal() {
        return ttm.signal(name);
    }

    // ---- reading -------------------------------------------------------------------------------------------------
    /** The BO as the model last saw it (see {@link Snapshot}), or empty if it was never created. */
    public CompletionStage<Optional<BoView>> view() {
        return ttm.views().thenApply(s -> s.bo(name));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoHandle h && h.ttm == ttm && h.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "bo:" + name;
    }
}
