package dev.ttm.protocol.scenario;

import dev.ttm.protocol.invariants.InvariantChecker;
import dev.ttm.protocol.invariants.Violation;
import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.BoState;
import dev.ttm.protocol.model.BufferObject;
import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Driver;
import dev.ttm.protocol.model.Execbuf;
import dev.ttm.protocol.model.Injection;
import dev.ttm.protocol.model.IoManager;
import dev.ttm.protocol.model.KernelError;
import dev.ttm.protocol.model.Message;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;
import dev.ttm.protocol.model.WalkMode;
import dev.ttm.protocol.model.RegionManager;
import dev.ttm.protocol.model.RegionState;
import dev.ttm.protocol.model.Reply;
import dev.ttm.protocol.model.Resource;
import dev.ttm.protocol.model.ModelView;

import java.io.PrintStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one parsed scenario on the simulator: submits operations, evaluates expectations, claims violations. */
final class ScenarioInterpreter {
    /** Bound on the messages one statement may deliver: a run that does not settle is reported, not hung. */
    static final long MAX_STEPS_PER_STATEMENT = 10_000_000;

    private final Ast.Scenario scenario;
    private final String[] lines;
    private final PrintStream out;
    private final ScenarioRuntime rt;
    private final ModelView sim;
    private final InvariantChecker checker;
    private final Address.Client client = new Address.Client("script");
    private final Map<String, Long> handles = new HashMap<>();
    private final List<Violation> unclaimed = new ArrayList<>();
    private int passed;
    private int failed;
    private Ast.Pos at;

    ScenarioInterpreter(Ast.Scenario scenario, String source, PrintStream out) {
        this(scenario, source, out, false);
    }

    /** {@code fullCheck}: the checker evaluates the whole device after every message (ttm run --full-check). */
    ScenarioInterpreter(Ast.Scenario scenario, String source, PrintStream out, boolean fullCheck) {
        this(scenario, source, out, fullCheck, ScenarioRuntime.SIMULATOR);
    }

    /** On the runtime {@code runtimes} starts (the simulator, or the actor runtime). */
    ScenarioInterpreter(Ast.Scenario scenario, String source, PrintStream out, boolean fullCheck, ScenarioRuntime.Factory runtimes) {
        this.checker = new InvariantChecker(fullCheck);
        this.scenario = scenario;
        this.lines = source.split("\n", -1);
        this.out = out;
        this.rt = runtimes.start(deviceOf(scenario), checker);
        this.sim = rt.view();
    }

    /** Stops the runtime the scenario ran on. */
    void close() {
        rt.close();
    }

    int passed() { return passed; }
    int failed() { return failed; }

    String where() {
        return at == null ? scenario.file() : at.file() + ":" + at.line();
    }

    static DeviceConfig deviceOf(Ast.Scenario s) {
        long page = s.device().pageBytes();
        List<RegionConfig> regions = new ArrayList<>();
        for (Ast.RegionDecl r : s.regions()) {
            long size = r.sizeBytes() == null ? RegionConfig.UNBOUNDED : r.sizeBytes() / page;
            regions.add(new RegionConfig(r.name(), size, r.visibleBytes() / page, r.cpuVisible(), r.evictTo(), r.purge()));
        }
        List<Injection> injections = new ArrayList<>();
        for (Ast.Injection i : s.injections()) injections.add(injection(i));
        long aperture = s.device().apertureBytes() == null ? 0 : s.device().apertureBytes() / page;
        return new DeviceConfig(page, Driver.parse(s.device().driver()), aperture, regions, injections,
                WalkMode.parse(s.device().walk()), s.device().multihop());
    }

    static Injection injection(Ast.Injection i) {
        Injection.Kind kind = switch (i.kind()) {
            case "nospace" -> Injection.Kind.ALLOC_NOSPACE;
            case "busy" -> Injection.Kind.ALLOC_BUSY;
            case "io-reserve" -> Injection.Kind.IO_RESERVE;
            default -> Injection.Kind.FAULT_NOTIFY;
        };
        return new Injection(i.target(), kind, i.error() == null ? null : KernelError.valueOf(i.error()), i.count() == null ? -1 : i.count());
    }

    void run() {
        for (Ast.Stmt st : scenario.body()) {
            at = st.pos();
            if (st instanceof Ast.OpStmt o) {
                claimCheck(o.pos());
                runOp(o);
            } else if (st instanceof Ast.StartStmt s) {
                claimCheck(s.pos());
                handles.put(s.handle(), submit(s.op()));
                print("..", s.pos(), "started as " + s.handle());
            } else if (st instanceof Ast.AwaitStmt a) {
                await(a);
            } else if (st instanceof Ast.SettleStmt s) {
                boolean quiet = rt.settle(MAX_STEPS_PER_STATEMENT);
                collect();
                print(quiet ? "--" : "FAIL", s.pos(), quiet ? "settled" : "did not settle within " + MAX_STEPS_PER_STATEMENT + " messages");
                if (!quiet) failed++;
            } else if (st instanceof Ast.ScheduleStmt s) {
                print("--", s.pos(), rt.randomize(s.seed()));
            } else if (st instanceof Ast.InjectStmt i) {
                inject(i);
            } else if (st instanceof Ast.ExpectStmt e) {
                expect(e);
            }
        }
        at = null;
        rt.checkFull(checker);
        collect();
        Ast.Pos end = new Ast.Pos(scenario.file(), lines.length, 1);
        claimCheck(end);
    }

    /** Arms the injection in its region manager or the IO manager at once: it holds for everything after. */
    private void inject(Ast.InjectStmt st) {
        Injection inj = injection(st.injection());
        if (inj.target().equals(Injection.DRIVER)) rt.deliverNow(client, Address.IO, new IoManager.Inject(inj));
        else rt.deliverNow(client, new Address.Region(inj.target()), new RegionManager.Inject(inj));
        collect();
        print("--", st.pos(), "armed from here on");
    }

    // ---- operations ----------------------------------------------------------------------------------
    private void runOp(Ast.OpStmt o) {
        long id = submit(o.op());
        answer(o.pos(), id, o.expect(), "it waits for a reservation the script still holds or a fence it has not signalled; use 'start ... as H' and 'await H'");
    }

    private void await(Ast.AwaitStmt a) {
        long id = handles.remove(a.handle());
        answer(a.pos(), id, a.expect(), a.handle() + " cannot be answered while nothing else is in flight");
    }

    /**
     * Runs until request {@code id} is answered, then on until nothing is in flight: the answer may overtake
     * its own follow-ups (a Free to the old region, an LRU bump), and the next expectation should see them.
     */
    private void answer(Ast.Pos pos, long id, Ast.Expected expect, String whyBlocked) {
        boolean answered = rt.runUntil(() -> rt.reply(id) != null, MAX_STEPS_PER_STATEMENT);
        if (answered) rt.settle(MAX_STEPS_PER_STATEMENT);
        collect();
        if (!answered) {
            failed++;
            print("FAIL", pos, "blocked: " + whyBlocked);
            return;
        }
        judge(pos, expect, rt.reply(id));
    }

    private void judge(Ast.Pos pos, Ast.Expected expect, Reply r) {
        if (expect == null) {
            print("--", pos, "-> " + r);
        } else if (expect.outcome().equals(r.outcome().name())) {
            passed++;
            print("ok", pos, "-> " + r);
        } else {
            failed++;
            print("FAIL", pos, "expected " + expect.outcome() + ", got " + r);
        }
    }

    private long submit(Ast.Op op) {
        long id = rt.newRequestId();
        if (op instanceof Ast.ExecbufOp e) {
            List<Execbuf.Entry> entries = new ArrayList<>();
            for (Ast.ExecEntry x : e.entries()) entries.add(new Execbuf.Entry(x.bo(), placement(x.placement())));
            rt.submit(client, rt.newExec(), new Execbuf.Submit(entries, e.ticket(), e.fence(), id, client));
        } else if (op instanceof Ast.EvictAllOp e) {
            rt.submit(client, new Address.Region(e.region()), new RegionManager.EvictAll(id, client));
        } else {
            rt.submit(client, new Address.Bo(boOf(op)), command(op, id));
        }
        return id;
    }

    private static String boOf(Ast.Op op) {
        if (op instanceof Ast.BoOp o) return o.name();
        if (op instanceof Ast.ReserveOp o) return o.bo();
        if (op instanceof Ast.UnreserveOp o) return o.bo();
        if (op instanceof Ast.ValidateOp o) return o.bo();
        if (op instanceof Ast.FaultOp o) return o.bo();
        if (op instanceof Ast.KmapOp o) return o.bo();
        if (op instanceof Ast.KunmapOp o) return o.bo();
        if (op instanceof Ast.PinOp o) return o.bo();
        if (op instanceof Ast.UnpinOp o) return o.bo();
        if (op instanceof Ast.UnmapOp o) return o.bo();
        if (op instanceof Ast.FenceOp o) return o.bo();
        if (op instanceof Ast.SignalOp o) return o.bo();
        if (op instanceof Ast.DestroyOp o) return o.bo();
        throw new IllegalArgumentException("no buffer object in " + op);
    }

    private Message command(Ast.Op op, long id) {
        long page = scenario.device().pageBytes();
        if (op instanceof Ast.BoOp o)
            return new BufferObject.Create(o.sizeBytes() / page, o.priority(), o.placement() == null ? null : placement(o.placement()), id, client);
        if (op instanceof Ast.ReserveOp o) return new BufferObject.Reserve(o.owner(), o.ticket(), o.nowait(), acquired(o.ticket()), id, client);
        if (op instanceof Ast.UnreserveOp o) return new BufferObject.Unreserve(o.owner(), id, client);
        if (op instanceof Ast.ValidateOp o) return new BufferObject.Validate(placement(o.placement()), o.owner(), o.nowait(), id, client);
        if (op instanceof Ast.FaultOp o) return new BufferObject.Fault(o.page(), id, client);
        if (op instanceof Ast.KmapOp o) return new BufferObject.Kmap(o.owner(), id, client);
        if (op instanceof Ast.KunmapOp o) return new BufferObject.Kunmap(o.owner(), id, client);
        if (op instanceof Ast.PinOp o) return new BufferObject.Pin(o.placement() == null ? null : placement(o.placement()), o.owner(), id, client);
        if (op instanceof Ast.UnpinOp o) return new BufferObject.Unpin(o.owner(), id, client);
        if (op instanceof Ast.UnmapOp) return new BufferObject.Unmap(null, id, client);
        if (op instanceof Ast.FenceOp) return new BufferObject.Fence(null, id, client);
        if (op instanceof Ast.SignalOp) return new BufferObject.Signal(id, client);
        if (op instanceof Ast.DestroyOp) return new BufferObject.Destroy(null, id, client);
        throw new IllegalArgumentException("not a BO operation: " + op);
    }

    /**
     * ww_ctx->acquired for a scripted reserve: how many BOs a holder with this ticket has reserved now. A script
     * that starts a second reserve with a ticket while one still waits does what a ww_acquire_ctx cannot (it is
     * one thread): the waiting one keeps the count it was sent with.
     */
    private int acquired(Long ticket) {
        if (ticket == null) return 0;
        int n = 0;
        for (BoState b : sim.bos()) if (b.holder() != null && ticket.equals(b.holder().ticket())) n++;
        return n;
    }

    static Placement placement(Ast.PlacementSpec spec) {
        List<Place> places = new ArrayList<>();
        for (Ast.PlaceSpec p : spec.places()) {
            long f = p.rangeFirstPage() == null ? 0 : p.rangeFirstPage();
            long l = p.rangeLastPage() == null ? 0 : p.rangeLastPage();
            places.add(new Place(p.region(), f, l, p.visible(), p.desired(), p.fallback(), p.topdown()));
        }
        return new Placement(places);
    }

    // ---- expectations --------------------------------------------------------------------------------
    private void expect(Ast.ExpectStmt e) {
        collect();
        List<String> failures = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Ast.Check c : e.checks()) {
            String problem = check(c, seen);
            if (problem != null) failures.add(problem);
        }
        if (failures.isEmpty()) {
            passed++;
            print("ok", e.pos(), String.join("; ", seen));
        } else {
            failed++;
            print("FAIL", e.pos(), String.join("; ", failures));
        }
    }

    /** Evaluates one check; null when it holds (its actual value is added to {@code seen}). */
    private String check(Ast.Check c, List<String> seen) {
        if (c instanceof Ast.InvariantsOkCheck) {
            rt.checkFull(checker);
            collect();
            if (unclaimed.isEmpty()) {
                seen.add("invariants ok");
                return null;
            }
            String all = describe(unclaimed);
            unclaimed.clear();
            return "invariants violated: " + all;
        }
        if (c instanceof Ast.ViolationCheck v) {
            rt.checkFull(checker);
            collect();
            List<Violation> mine = new ArrayList<>();
            for (Violation x : unclaimed) if (x.invariant().equals(v.invariant())) mine.add(x);
            if (mine.isEmpty()) return "expected a violation of " + v.invariant() + ", found " + (unclaimed.isEmpty() ? "none" : describe(unclaimed));
            unclaimed.removeAll(mine);
            seen.add("violation " + describe(mine));
            return null;
        }
        String[] ea = expectedAndActual(c);
        if (ea[0].equals(ea[1])) {
            seen.add(ea[2] + " " + ea[1]);
            return null;
        }
        return ea[2] + ": expected " + ea[0] + ", actual " + ea[1];
    }

    /** {expected, actual, subject} as comparable strings. */
    private String[] expectedAndActual(Ast.Check c) {
        long page = scenario.device().pageBytes();
        if (c instanceof Ast.InCheck in) {
            BoState bo = sim.bo(in.bo());
            Resource res = bo.resource();
            String expected = in.region() == null ? "none" : in.region() + (in.visible() ? ":visible" : "");
            String actual;
            if (res == null) actual = "none";
            else if (!in.visible() || !res.region().equals(in.region())) actual = res.region();
            else actual = entirelyVisible(res) ? res.region() + ":visible" : res.region() + " " + res + " (outside the window)";
            return new String[] {expected, actual, in.bo() + " in"};
        }
        if (c instanceof Ast.BoCounterCheck k) {
            BoState bo = sim.bo(k.bo());
            long v = switch (k.counter()) {
                case "pinned" -> bo.pinCount();
                case "kmaps" -> bo.kmapCount();
                default -> bo.ioRefs();
            };
            return new String[] {String.valueOf(k.value()), String.valueOf(v), k.bo() + " " + k.counter()};
        }
        if (c instanceof Ast.BoFlagCheck f) {
            BoState bo = sim.bo(f.bo());
            boolean v = switch (f.flag()) {
                case "mapped" -> bo.mapped();
                case "io" -> bo.ioRefs() > 0;
                case "busy" -> bo.busy();
                default -> bo.destroyed();
            };
            return new String[] {flagWord(f.flag(), f.value()), flagWord(f.flag(), v), f.bo() + " " + f.flag()};
        }
        if (c instanceof Ast.ReservedByCheck r) {
            BoState bo = sim.bo(r.bo());
            String actual = bo.holder() == null ? "none" : scriptName(bo.holder().owner());
            return new String[] {r.owner() == null ? "none" : r.owner(), actual, r.bo() + " reserved-by"};
        }
        if (c instanceof Ast.RegionUsageCheck u) {
            RegionState r = sim.region(u.region());
            long used = r.usedPages() * page;
            long v = u.what().equals("used") ? used : r.config().sizePages() * page - used;
            return new String[] {Sizes.format(u.bytes()), Sizes.format(v), u.region() + " " + u.what()};
        }
        if (c instanceof Ast.LruCheck l) {
            return new String[] {String.join(",", l.bos()), String.join(",", sim.region(l.region()).lruOrder()), l.region() + " lru"};
        }
        if (c instanceof Ast.GhostsCheck g) {
            RegionState r = sim.region(g.region());
            return new String[] {String.valueOf(g.count()), String.valueOf(r.ghosts().size()), g.region() + " ghosts"};
        }
        Ast.DeviceCounterCheck d = (Ast.DeviceCounterCheck) c;
        long v = 0;
        switch (d.counter()) {
            case "moved" -> {
                // Bytes can pass 2^63 with enough moves of huge BOs: sum pages exactly, scale without a wrap.
                for (BoState b : sim.bos()) v = Math.addExact(v, b.movedPages());
                BigInteger bytes = BigInteger.valueOf(v).multiply(BigInteger.valueOf(page));
                return new String[] {Sizes.format(BigInteger.valueOf(d.value())), Sizes.format(bytes), d.counter()};
            }
            case "evictions" -> { for (BoState b : sim.bos()) v = Math.addExact(v, b.evictions()); }
            case "warnings" -> { for (BoState b : sim.bos()) v = Math.addExact(v, b.warnings()); }
            case "io-reserves" -> v = sim.io().reserveCalls();
            default -> v = sim.io().freeCalls();
        }
        return new String[] {String.valueOf(d.value()), String.valueOf(v), d.counter()};
    }

    /**
     * How a script names a holder: execbuf N holds as the internal owner {@code exec:N} (a name no script can use,
     * so no script owner can act for it), and a script writes it {@code execN}.
     */
    private static String scriptName(String owner) {
        return owner.startsWith("exec:") ? "exec" + owner.substring(5) : owner;
    }

    private boolean entirelyVisible(Resource res) {
        RegionConfig rc = sim.device().region(res.region());
        return rc.cpuVisible() || res.endPage() <= rc.visiblePages();
    }

    private static String flagWord(String flag, boolean v) {
        if (flag.equals("io")) return v ? "reserved" : "free";
        return v ? "yes" : "no";
    }

    // ---- violations ------------------------------------------------------------------------------------
    private void collect() {
        unclaimed.addAll(checker.drain());
    }

    /** An unclaimed violation fails the scenario at the next operation line (or at the end). */
    private void claimCheck(Ast.Pos pos) {
        collect();
        if (unclaimed.isEmpty()) return;
        failed++;
        print("FAIL", pos, "unclaimed invariant violation(s) before this line: " + describe(unclaimed));
        unclaimed.clear();
    }

    private static String describe(List<Violation> vs) {
        List<String> out = new ArrayList<>();
        for (Violation v : vs) out.add(v.toString());
        return String.join(" | ", out);
    }

    private void print(String status, Ast.Pos pos, String detail) {
        String text = pos.line() >= 1 && pos.line() <= lines.length ? statementText(lines[pos.line() - 1]) : "(end of file)";
        out.printf("%-4s %s:%d  %s  %s%n", status, pos.file(), pos.line(), text, detail);
    }

    private static String statementText(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).strip();
    }
}
