package dev.ttm.protocol.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses the statements after the set-up block, tracking the buffer objects and handles in scope. */
final class BodyParser {
    static final Set<String> OPERATIONS = Set.of("bo", "reserve", "unreserve", "validate", "fault", "kmap",
            "kunmap", "pin", "unpin", "unmap", "fence", "signal", "destroy", "execbuf", "evict-all");
    static final Set<String> STATEMENTS = Set.of("start", "await", "settle", "schedule", "expect");

    private final Setup setup;
    private final PlacementParser placements;
    private final ExpectParser expectations;
    private final Set<String> bos = new HashSet<>();
    /** Handle name to "in flight" (true: started, not yet awaited). */
    private final Map<String, Boolean> handles = new HashMap<>();

    BodyParser(Setup setup) {
        this.setup = setup;
        this.placements = new PlacementParser(setup);
        this.expectations = new ExpectParser(setup, placements, this::boRef);
    }

    static boolean isKeyword(String word) {
        return OPERATIONS.contains(word) || STATEMENTS.contains(word);
    }

    Ast.Stmt statement(List<Token> t) {
        Token kw = t.get(0);
        return switch (kw.text()) {
            case "start" -> start(t);
            case "await" -> await(t);
            case "settle" -> settle(t);
            case "schedule" -> schedule(t);
            case "expect" -> expectations.parse(t);
            default -> opStatement(t);
        };
    }

    // ---- statements ----

    private Ast.Stmt opStatement(List<Token> t) {
        int e = indexOf(t, "expect");
        Ast.Op op = op(e < 0 ? t : t.subList(0, e));
        return new Ast.OpStmt(t.get(0).pos(), op, e < 0 ? null : expected(t, e));
    }

    private Ast.Stmt start(List<Token> t) {
        Token kw = t.get(0);
        int e = indexOf(t, "expect");
        if (e >= 0) {
            throw Syntax.fail(t.get(e).pos(),
                    "'expect' is not allowed on a start line (write 'await HANDLE expect OUTCOME')");
        }
        if (t.size() < 4 || !t.get(t.size() - 2).is("as")) {
            throw Syntax.fail(kw.pos(), "a start line must end with 'as HANDLE'");
        }
        String handle = newHandle(t.get(t.size() - 1));
        Token opKw = t.get(1);
        if (!OPERATIONS.contains(opKw.text())) {
            throw Syntax.fail(opKw.pos(), Syntax.quote(opKw.text()) + " is not an operation that can be started");
        }
        Ast.Op op = op(t.subList(1, t.size() - 2));
        return new Ast.StartStmt(kw.pos(), op, handle);
    }

    private String newHandle(Token tok) {
        String h = Syntax.name(tok.text(), tok.pos(), "handle name");
        if (Boolean.TRUE.equals(handles.get(h))) {
            throw Syntax.fail(tok.pos(), "handle " + Syntax.quote(h) + " is already in flight (await it first)");
        }
        handles.put(h, true);
        return h;
    }

    private Ast.Stmt await(List<Token> t) {
        Token kw = t.get(0);
        Token tok = arg(t, 1, "handle name");
        String h = Syntax.name(tok.text(), tok.pos(), "handle name");
        Boolean inFlight = handles.get(h);
        if (inFlight == null) {
            throw Syntax.fail(tok.pos(), "unknown handle " + Syntax.quote(h) + " (no 'start ... as " + h + "' before)");
        }
        if (!inFlight) {
            throw Syntax.fail(tok.pos(), "handle " + Syntax.quote(h) + " was already awaited");
        }
        handles.put(h, false);
        if (t.size() > 2 && !t.get(2).is("expect")) {
            throw Syntax.fail(t.get(2).pos(), "unexpected " + Syntax.quote(t.get(2).text()));
        }
        return new Ast.AwaitStmt(kw.pos(), h, t.size() > 2 ? expected(t, 2) : null);
    }

    private static Ast.Stmt settle(List<Token> t) {
        Attrs.read(t.subList(1, t.size()), Set.of(), Set.of());
        return new Ast.SettleStmt(t.get(0).pos());
    }

    private static Ast.Stmt schedule(List<Token> t) {
        Token kw = t.get(0);
        if (t.size() < 2 || !t.get(1).is("random")) {
            throw Syntax.fail(t.size() < 2 ? kw.pos() : t.get(1).pos(), "expected 'schedule random seed=N'");
        }
        Attrs a = Attrs.read(t.subList(2, t.size()), Set.of("seed"), Set.of());
        a.require("seed", kw);
        return new Ast.ScheduleStmt(kw.pos(), a.number("seed", Long.MAX_VALUE));
    }

    /** {@code expect OUTCOME} at index {@code e} of an operation or await line. */
    private static Ast.Expected expected(List<Token> t, int e) {
        Token kw = t.get(e);
        if (e + 1 >= t.size()) {
            throw Syntax.fail(kw.pos(), "missing outcome after 'expect'");
        }
        Token out = t.get(e + 1);
        if (!Syntax.OUTCOMES.contains(out.text())) {
            throw Syntax.fail(out.pos(), "unknown outcome " + Syntax.quote(out.text()));
        }
        if (e + 2 < t.size()) {
            throw Syntax.fail(t.get(e + 2).pos(), "unexpected " + Syntax.quote(t.get(e + 2).text()));
        }
        return new Ast.Expected(kw.pos(), out.text());
    }

    // ---- operations ----

    private Ast.Op op(List<Token> t) {
        return switch (t.get(0).text()) {
            case "bo" -> bo(t);
            case "reserve" -> reserve(t);
            case "unreserve" -> new Ast.UnreserveOp(bo(t, 1), owner(attrs(t, 2, Set.of("by")), t, true));
            case "validate" -> validate(t);
            case "fault" -> fault(t);
            case "kmap" -> new Ast.KmapOp(bo(t, 1), owner(attrs(t, 2, Set.of("by")), t, true));
            case "kunmap" -> new Ast.KunmapOp(bo(t, 1), owner(attrs(t, 2, Set.of("by")), t, true));
            case "pin" -> pin(t);
            case "unpin" -> new Ast.UnpinOp(bo(t, 1), owner(attrs(t, 2, Set.of("by")), t, false));
            case "unmap" -> new Ast.UnmapOp(noMore(t, bo(t, 1)));
            case "fence" -> new Ast.FenceOp(noMore(t, bo(t, 1)));
            case "signal" -> new Ast.SignalOp(noMore(t, bo(t, 1)));
            case "destroy" -> new Ast.DestroyOp(noMore(t, bo(t, 1)));
            case "execbuf" -> execbuf(t);
            default -> evictAll(t);
        };
    }

    private Ast.Op bo(List<Token> t) {
        Token nameTok = arg(t, 1, "buffer object name");
        String name = Syntax.name(nameTok.text(), nameTok.pos(), "buffer object name");
        if (!bos.add(name)) {
            throw Syntax.fail(nameTok.pos(), "buffer object " + Syntax.quote(name) + " already exists");
        }
        List<Token> rest = new ArrayList<>();
        Ast.PlacementSpec placement = null;
        for (int i = 2; i < t.size(); i++) {
            if (!t.get(i).is("in")) {
                rest.add(t.get(i));
                continue;
            }
            if (placement != null) {
                throw Syntax.fail(t.get(i).pos(), "duplicated 'in'");
            }
            if (i + 1 >= t.size()) {
                throw Syntax.fail(t.get(i).pos(), "missing placement after 'in'");
            }
            placement = placements.parse(t.get(++i), 0);
        }
        Attrs a = Attrs.read(rest, Set.of("size", "priority"), Set.of());
        a.require("size", t.get(0));
        long size = a.size("size").bytes(setup.pageBytes(), false);
        return new Ast.BoOp(name, size, placement, priority(a));
    }

    private static int priority(Attrs a) {
        if (!a.has("priority")) {
            return 0;
        }
        long p = a.number("priority", Syntax.MAX_NUMBER);
        if (p > 3) {
            throw Syntax.fail(a.valuePos("priority"), "priority must be 0..3");
        }
        return (int) p;
    }

    private Ast.Op reserve(List<Token> t) {
        String bo = bo(t, 1);
        Attrs a = Attrs.read(t.subList(2, t.size()), Set.of("by", "ticket"), Set.of("nowait"));
        String owner = owner(a, t, true);
        Long ticket = a.has("ticket") ? (Long) a.number("ticket", Syntax.MAX_NUMBER) : null;
        return new Ast.ReserveOp(bo, owner, ticket, a.flag("nowait"));
    }

    private Ast.Op validate(List<Token> t) {
        String bo = bo(t, 1);
        if (t.size() < 3 || Syntax.isAttribute(t.get(2).text()) || t.get(2).is("nowait")) {
            throw Syntax.fail(t.get(0).pos(), "missing placement");
        }
        Ast.PlacementSpec placement = placements.parse(t.get(2), 0);
        Attrs a = Attrs.read(t.subList(3, t.size()), Set.of("by"), Set.of("nowait"));
        return new Ast.ValidateOp(bo, placement, owner(a, t, false), a.flag("nowait"));
    }

    private Ast.Op fault(List<Token> t) {
        String bo = bo(t, 1);
        Attrs a = attrs(t, 2, Set.of("page"));
        a.require("page", t.get(0));
        return new Ast.FaultOp(bo, a.number("page", Syntax.MAX_NUMBER));
    }

    private Ast.Op pin(List<Token> t) {
        String bo = bo(t, 1);
        boolean hasPlacement = t.size() > 2 && !Syntax.isAttribute(t.get(2).text());
        Ast.PlacementSpec placement = hasPlacement ? placements.parse(t.get(2), 0) : null;
        if (placement != null && placement.isNone()) {
            throw Syntax.fail(t.get(2).pos(), "cannot pin to the empty placement 'none'");
        }
        Attrs a = attrs(t, hasPlacement ? 3 : 2, Set.of("by"));
        return new Ast.PinOp(bo, placement, owner(a, t, false));
    }

    private Ast.Op execbuf(List<Token> t) {
        List<Ast.ExecEntry> entries = new ArrayList<>();
        List<Token> rest = new ArrayList<>();
        for (Token tok : t.subList(1, t.size())) {
            if (tok.text().indexOf(':') >= 0 && !Syntax.isAttribute(tok.text())) {
                entries.add(entry(tok));
            } else {
                rest.add(tok);
            }
        }
        Attrs a = Attrs.read(rest, Set.of("ticket"), Set.of("fence"));
        if (entries.isEmpty()) {
            throw Syntax.fail(t.get(0).pos(), "execbuf needs at least one BO:PLACEMENT entry");
        }
        a.require("ticket", t.get(0));
        return new Ast.ExecbufOp(List.copyOf(entries), a.number("ticket", Syntax.MAX_NUMBER), a.flag("fence"));
    }

    private Ast.ExecEntry entry(Token tok) {
        int colon = tok.text().indexOf(':');
        String bo = boRef(tok.text().substring(0, colon), tok.pos());
        return new Ast.ExecEntry(bo, placements.parse(tok, colon + 1));
    }

    private Ast.Op evictAll(List<Token> t) {
        Token tok = arg(t, 1, "region name");
        String region = Syntax.regionName(tok.text(), tok.pos());
        if (!setup.isDeclared(region)) {
            throw Syntax.fail(tok.pos(), "unknown region " + Syntax.quote(region) + " (not declared)");
        }
        attrs(t, 2, Set.of());
        return new Ast.EvictAllOp(region);
    }

    // ---- helpers ----

    private static int indexOf(List<Token> t, String word) {
        for (int i = 1; i < t.size(); i++) {
            if (t.get(i).is(word)) {
                return i;
            }
        }
        return -1;
    }

    private static Token arg(List<Token> t, int i, String what) {
        if (i >= t.size()) {
            throw Syntax.fail(t.get(0).pos(), "missing " + what);
        }
        return t.get(i);
    }

    private static Attrs attrs(List<Token> t, int from, Set<String> keys) {
        return Attrs.read(t.subList(Math.min(from, t.size()), t.size()), keys, Set.of());
    }

    private static String noMore(List<Token> t, String bo) {
        attrs(t, 2, Set.of());
        return bo;
    }

    /** The owner of {@code by=}, or null when optional and absent. */
    private static String owner(Attrs a, List<Token> t, boolean required) {
        if (required) {
            a.require("by", t.get(0));
        }
        return a.has("by") ? a.name("by", "owner name") : null;
    }

    /** The buffer object named by positional argument {@code i}. */
    private String bo(List<Token> t, int i) {
        Token tok = arg(t, i, "buffer object name");
        return boRef(tok.text(), tok.pos());
    }

    String boRef(String name, Ast.Pos pos) {
        if (!Syntax.isName(name)) {
            throw Syntax.fail(pos, name.isEmpty() ? "missing buffer object name"
                    : "invalid buffer object name " + Syntax.quote(name));
        }
        if (!bos.contains(name)) {
            throw Syntax.fail(pos, "unknown buffer object " + Syntax.quote(name));
        }
        return name;
    }
}
