package dev.ttm.protocol.scenario;

import java.util.List;

/** The abstract syntax of a scenario file (docs/scenario-language.md). Produced by {@link ScenarioParser}. */
public final class Ast {
    private Ast() {}

    public record Pos(String file, int line, int column) {
        @Override public String toString() { return file + ":" + line + ":" + column; }
    }

    public record ScriptError(Pos pos, String message) {
        @Override public String toString() { return pos + ": " + message; }
    }

    // ---- Resolved device/region set-up (defaults applied) ----

    /** pageBytes default 4096; driver simple|io-lru|v3-atomic (default simple); apertureBytes null if not given. */
    public record DeviceDecl(long pageBytes, String driver, Long apertureBytes, String walk, boolean multihop) {}

    /**
     * sizeBytes null = unbounded (only SYSTEM may be unbounded); visibleBytes = CPU-visible window [0,visible),
     * 0 = none; evictTo resolved (declared regions only, in order); purge = evict by purging.
     */
    public record RegionDecl(Pos pos, String name, Long sizeBytes, long visibleBytes, boolean cpuVisible,
                             List<String> evictTo, boolean purge) {}

    /**
     * target: region name or "driver"; kind: nospace|busy (region) or io-reserve|fault-notify (driver);
     * error: null for region kinds, else EBUSY|ENOSPC|EIO|ERESTARTSYS; count null = always.
     */
    public record Injection(Pos pos, String target, String kind, String error, Integer count) {}

    public record Scenario(String file, DeviceDecl device, List<RegionDecl> regions, List<Injection> injections,
                           List<Stmt> body) {}

    // ---- Placements and outcomes ----

    /** rangeFirstPage/rangeLastPage: pages, last exclusive; both null if no range. */
    public record PlaceSpec(String region, boolean visible, boolean desired, boolean fallback, boolean topdown,
                            Long rangeFirstPage, Long rangeLastPage) {}

    public record PlacementSpec(List<PlaceSpec> places) {
        public boolean isNone() { return places.isEmpty(); }
    }

    /** outcome: OK EBUSY EALREADY EDEADLK ERESTARTSYS EINVAL ENOMEM EPERM ENOENT MAPPED RETRY SIGBUS OOM. */
    public record Expected(Pos pos, String outcome) {}

    // ---- Operations ----

    public sealed interface Op permits BoOp, ReserveOp, UnreserveOp, ValidateOp, FaultOp, KmapOp, KunmapOp, PinOp,
            UnpinOp, UnmapOp, FenceOp, SignalOp, DestroyOp, ExecbufOp, EvictAllOp {}

    /** placement null if no 'in'. */
    public record BoOp(String name, long sizeBytes, PlacementSpec placement, int priority) implements Op {}
    public record ReserveOp(String bo, String owner, Long ticket, boolean nowait) implements Op {}
    public record UnreserveOp(String bo, String owner) implements Op {}
    /** owner nullable. */
    public record ValidateOp(String bo, PlacementSpec placement, String owner, boolean nowait) implements Op {}
    public record FaultOp(String bo, long page) implements Op {}
    public record KmapOp(String bo, String owner) implements Op {}
    public record KunmapOp(String bo, String owner) implements Op {}
    /** placement and owner nullable. */
    public record PinOp(String bo, PlacementSpec placement, String owner) implements Op {}
    /** owner nullable. */
    public record UnpinOp(String bo, String owner) implements Op {}
    public record UnmapOp(String bo) implements Op {}
    public record FenceOp(String bo) implements Op {}
    public record SignalOp(String bo) implements Op {}
    public record DestroyOp(String bo) implements Op {}
    public record ExecEntry(String bo, PlacementSpec placement) {}
    public record ExecbufOp(List<ExecEntry> entries, long ticket, boolean fence) implements Op {}
    public record EvictAllOp(String region) implements Op {}

    // ---- Statements ----

    public sealed interface Stmt permits OpStmt, StartStmt, AwaitStmt, SettleStmt, ScheduleStmt, InjectStmt, ExpectStmt {
        Pos pos();
    }

    /** expect nullable. */
    public record OpStmt(Pos pos, Op op, Expected expect) implements Stmt {}
    public record StartStmt(Pos pos, Op op, String handle) implements Stmt {}
    /** expect nullable. */
    public record AwaitStmt(Pos pos, String handle, Expected expect) implements Stmt {}
    public record SettleStmt(Pos pos) implements Stmt {}
    public record ScheduleStmt(Pos pos, long seed) implements Stmt {}
    /** An {@code inject} between operations: it takes effect from that line on. */
    public record InjectStmt(Pos pos, Injection injection) implements Stmt {}
    /** checks: one or more. */
    public record ExpectStmt(Pos pos, List<Check> checks) implements Stmt {}

    // ---- Expectation checks ----

    public sealed interface Check permits InCheck, BoCounterCheck, BoFlagCheck, ReservedByCheck, RegionUsageCheck,
            LruCheck, GhostsCheck, DeviceCounterCheck, InvariantsOkCheck, ViolationCheck {}

    /** region null = none. */
    public record InCheck(String bo, String region, boolean visible) implements Check {}
    /** counter: pinned|kmaps|io-refs. */
    public record BoCounterCheck(String bo, String counter, long value) implements Check {}
    /** flag: mapped|io|busy|destroyed; value: yes/reserved =&gt; true, no/free =&gt; false. */
    public record BoFlagCheck(String bo, String flag, boolean value) implements Check {}
    /** owner null = none. */
    public record ReservedByCheck(String bo, String owner) implements Check {}
    /** what: used|free. */
    public record RegionUsageCheck(String region, String what, long bytes) implements Check {}
    public record LruCheck(String region, List<String> bos) implements Check {}
    /** How many ghosts hold pages in the region (an extension of the documented checks). */
    public record GhostsCheck(String region, long count) implements Check {}
    /** counter: moved (bytes)|evictions|warnings|io-reserves|io-frees. */
    public record DeviceCounterCheck(String counter, long value) implements Check {}
    public record InvariantsOkCheck() implements Check {}
    /** invariant: "INV-1".."INV-14". */
    public record ViolationCheck(String invariant) implements Check {}
}
