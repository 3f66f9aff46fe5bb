package dev.ttm.protocol.scenario;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Parses {@code expect} statements: {@code invariants ok}, {@code violation INV-N}, device counters
 * ({@code moved= evictions= ...}), region checks ({@code REGION used= free= lru=}) and buffer-object checks
 * ({@code BO in PLACE}, {@code BO pinned= ...}). Several checks of one subject may share a line.
 */
final class ExpectParser {
    private static final Set<String> DEVICE_COUNTERS = Set.of("moved", "evictions", "warnings", "io-reserves",
            "io-frees");
    private static final Set<String> REGION_KEYS = Set.of("used", "free", "lru", "ghosts");
    private static final Set<String> BO_COUNTERS = Set.of("pinned", "kmaps", "io-refs");
    private static final Set<String> BO_FLAGS = Set.of("mapped", "busy", "destroyed");
    private static final int MAX_INVARIANT = 14;

    private final Setup setup;
    private final PlacementParser placements;
    private final BiFunction<String, Ast.Pos, String> boRef;

    ExpectParser(Setup setup, PlacementParser placements, BiFunction<String, Ast.Pos, String> boRef) {
        this.setup = setup;
        this.placements = placements;
        this.boRef = boRef;
    }

    Ast.Stmt parse(List<Token> t) {
        Token kw = t.get(0);
        if (t.size() < 2) {
            throw Syntax.fail(kw.pos(), "missing check after 'expect'");
        }
        Token first = t.get(1);
        List<Ast.Check> checks;
        if (first.is("invariants")) {
            checks = List.of(invariantsOk(t));
        } else if (first.is("violation")) {
            checks = List.of(violation(t));
        } else if (t.size() == 2 && first.text().indexOf('=') < 0) {
            throw missingCheck(first);
        } else if (first.text().indexOf('=') >= 0) {
            checks = deviceCounters(t.subList(1, t.size()));
        } else if (t.size() > 2 && isRegionItem(t.get(2).text())) {
            checks = regionChecks(t);
        } else {
            checks = boChecks(t);
        }
        return new Ast.ExpectStmt(kw.pos(), List.copyOf(checks));
    }

    private ParseFailure missingCheck(Token subject) {
        if (!setup.isDeclared(subject.text())) {
            boRef.apply(subject.text(), subject.pos());
        }
        return Syntax.fail(subject.pos(), "missing check for " + Syntax.quote(subject.text()));
    }

    private static Ast.Check invariantsOk(List<Token> t) {
        if (t.size() < 3 || !t.get(2).is("ok")) {
            throw Syntax.fail(t.get(t.size() < 3 ? 1 : 2).pos(), "expected 'expect invariants ok'");
        }
        if (t.size() > 3) {
            throw unexpected(t.get(3));
        }
        return new Ast.InvariantsOkCheck();
    }

    private static Ast.Check violation(List<Token> t) {
        if (t.size() < 3) {
            throw Syntax.fail(t.get(1).pos(), "missing invariant after 'violation' (INV-1..INV-" + MAX_INVARIANT + ")");
        }
        Token inv = t.get(2);
        String s = inv.text();
        boolean digits = s.length() > 4 && s.length() <= 8 && s.startsWith("INV-")
                && s.substring(4).chars().allMatch(c -> c >= '0' && c <= '9');
        int n = digits ? Integer.parseInt(s.substring(4)) : 0;
        if (n < 1 || n > MAX_INVARIANT) {
            throw Syntax.fail(inv.pos(), "unknown invariant " + Syntax.quote(s)
                    + " (expected INV-1..INV-" + MAX_INVARIANT + ")");
        }
        if (t.size() > 3) {
            throw unexpected(t.get(3));
        }
        return new Ast.ViolationCheck("INV-" + n);
    }

    // ---- device counters ----

    private List<Ast.Check> deviceCounters(List<Token> items) {
        List<Ast.Check> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Token tok : items) {
            String key = key(tok, seen, DEVICE_COUNTERS, "device counter");
            String value = tok.text().substring(key.length() + 1);
            Ast.Pos vpos = tok.atIndex(key.length() + 1);
            long v = key.equals("moved")
                    ? SizeLit.parse(value, vpos).bytes(setup.pageBytes(), true)
                    : Syntax.number(value, vpos, Syntax.MAX_NUMBER);
            out.add(new Ast.DeviceCounterCheck(key, v));
        }
        return out;
    }

    /** The key of a {@code key=value} item, checked against {@code allowed} and not seen before on the line. */
    private static String key(Token tok, Set<String> seen, Set<String> allowed, String what) {
        String s = tok.text();
        int eq = s.indexOf('=');
        if (eq < 0) {
            throw unexpected(tok);
        }
        String key = s.substring(0, eq);
        if (!allowed.contains(key)) {
            throw Syntax.fail(tok.pos(), key.isEmpty() ? "no spaces allowed around '='"
                    : "unknown " + what + " " + Syntax.quote(key));
        }
        if (!seen.add(key)) {
            throw Syntax.fail(tok.pos(), "duplicated check " + Syntax.quote(key));
        }
        if (eq == s.length() - 1 && !key.equals("lru")) {
            throw Syntax.fail(tok.pos(), "missing value for " + Syntax.quote(key));
        }
        return key;
    }

    // ---- regions ----

    private static boolean isRegionItem(String s) {
        int eq = s.indexOf('=');
        return eq > 0 && REGION_KEYS.contains(s.substring(0, eq));
    }

    private List<Ast.Check> regionChecks(List<Token> t) {
        Token subject = t.get(1);
        String region = Syntax.regionName(subject.text(), subject.pos());
        if (!setup.isDeclared(region)) {
            throw Syntax.fail(subject.pos(), "unknown region " + Syntax.quote(region) + " (not declared)");
        }
        List<Ast.Check> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Token tok : t.subList(2, t.size())) {
            String key = key(tok, seen, REGION_KEYS, "check for region " + Syntax.quote(region) + ":");
            out.add(regionCheck(region, key, tok));
        }
        return out;
    }

    private Ast.Check regionCheck(String region, String key, Token tok) {
        String value = tok.text().substring(key.length() + 1);
        Ast.Pos vpos = tok.atIndex(key.length() + 1);
        if (key.equals("lru")) {
            return new Ast.LruCheck(region, lruList(tok, key.length() + 1));
        }
        if (key.equals("ghosts")) {
            return new Ast.GhostsCheck(region, Syntax.number(value, vpos, Syntax.MAX_NUMBER));
        }
        Ast.RegionDecl d = setup.region(region);
        if (key.equals("free") && d != null && d.sizeBytes() == null) {
            throw Syntax.fail(tok.pos(), "region " + Syntax.quote(region) + " is unbounded: it has no free size");
        }
        return new Ast.RegionUsageCheck(region, key, SizeLit.parse(value, vpos).bytes(setup.pageBytes(), true));
    }

    private List<String> lruList(Token tok, int from) {
        String s = tok.text();
        List<String> out = new ArrayList<>();
        if (from == s.length()) {
            return out;
        }
        int start = from;
        while (true) {
            int comma = s.indexOf(',', start);
            int end = comma < 0 ? s.length() : comma;
            String bo = boRef.apply(s.substring(start, end), tok.atIndex(start));
            if (out.contains(bo)) {
                throw Syntax.fail(tok.atIndex(start), "buffer object " + Syntax.quote(bo) + " listed twice");
            }
            out.add(bo);
            if (comma < 0) {
                return List.copyOf(out);
            }
            start = comma + 1;
        }
    }

    // ---- buffer objects ----

    private List<Ast.Check> boChecks(List<Token> t) {
        Token subject = t.get(1);
        String bo = boRef.apply(subject.text(), subject.pos());
        List<Ast.Check> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 2; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.is("in")) {
                if (!seen.add("in")) {
                    throw Syntax.fail(tok.pos(), "duplicated check 'in'");
                }
                if (++i >= t.size()) {
                    throw Syntax.fail(tok.pos(), "missing region after 'in'");
                }
                out.add(inCheck(bo, t.get(i)));
            } else {
                out.add(boCheck(bo, key(tok, seen, allBoKeys(), "check for a buffer object:"), tok));
            }
        }
        return out;
    }

    private static Set<String> allBoKeys() {
        Set<String> keys = new HashSet<>(BO_COUNTERS);
        keys.addAll(BO_FLAGS);
        keys.add("io");
        keys.add("reserved-by");
        return keys;
    }

    private Ast.Check inCheck(String bo, Token tok) {
        if (tok.is("none")) {
            return new Ast.InCheck(bo, null, false);
        }
        String s = tok.text();
        int colon = s.indexOf(':');
        String region = Syntax.regionName(colon < 0 ? s : s.substring(0, colon), tok.pos());
        if (!setup.isDeclared(region)) {
            throw Syntax.fail(tok.pos(), "unknown region " + Syntax.quote(region) + " (not declared)");
        }
        if (colon >= 0 && !s.substring(colon + 1).equals("visible")) {
            throw Syntax.fail(tok.atIndex(colon + 1), "only ':visible' may follow the region in an 'in' check");
        }
        if (colon >= 0 && !setup.mayBeVisible(region)) {
            throw Syntax.fail(tok.atIndex(colon + 1), PlacementParser.noWindow(region));
        }
        return new Ast.InCheck(bo, region, colon >= 0);
    }

    private static Ast.Check boCheck(String bo, String key, Token tok) {
        String value = tok.text().substring(key.length() + 1);
        Ast.Pos vpos = tok.atIndex(key.length() + 1);
        if (BO_COUNTERS.contains(key)) {
            return new Ast.BoCounterCheck(bo, key, Syntax.number(value, vpos, Syntax.MAX_NUMBER));
        }
        if (BO_FLAGS.contains(key)) {
            return new Ast.BoFlagCheck(bo, key, Syntax.yesNo(value, vpos, key));
        }
        if (key.equals("io")) {
            return new Ast.BoFlagCheck(bo, key, switch (value) {
                case "reserved" -> true;
                case "free" -> false;
                default -> throw Syntax.fail(vpos, "invalid value " + Syntax.quote(value)
                        + " for io (expected reserved or free)");
            });
        }
        String owner = value.equals("none") ? null : Syntax.name(value, vpos, "owner name");
        return new Ast.ReservedByCheck(bo, owner);
    }

    private static ParseFailure unexpected(Token tok) {
        return Syntax.fail(tok.pos(), "unexpected " + Syntax.quote(tok.text()));
    }
}
