package dev.ttm.protocol.scenario;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Parses {@code REGION[:flag...][,REGION...]} or {@code none}, possibly a suffix of a token. */
final class PlacementParser {
    private final Setup setup;

    PlacementParser(Setup setup) {
        this.setup = setup;
    }

    /** The placement written in {@code tok} from UTF-16 index {@code from} on. */
    Ast.PlacementSpec parse(Token tok, int from) {
        String s = tok.text().substring(from);
        if (s.isEmpty()) {
            throw Syntax.fail(tok.atIndex(from), "missing placement");
        }
        if (s.equals("none")) {
            return new Ast.PlacementSpec(List.of());
        }
        List<Ast.PlaceSpec> places = new ArrayList<>();
        int start = 0;
        while (true) {
            int comma = s.indexOf(',', start);
            int end = comma < 0 ? s.length() : comma;
            places.add(place(tok, from + start, s.substring(start, end)));
            if (comma < 0) {
                return new Ast.PlacementSpec(List.copyOf(places));
            }
            start = comma + 1;
        }
    }

    private Ast.PlaceSpec place(Token tok, int at, String text) {
        if (text.isEmpty()) {
            throw Syntax.fail(tok.atIndex(at), "empty place in placement");
        }
        if (text.equals("none")) {
            throw Syntax.fail(tok.atIndex(at), "'none' must be the whole placement");
        }
        String[] parts = text.split(":", -1);
        String region = Syntax.regionName(parts[0], tok.atIndex(at));
        Flags f = new Flags();
        int offset = at + parts[0].length() + 1;
        for (int i = 1; i < parts.length; i++) {
            f.add(parts[i], tok, offset);
            offset += parts[i].length() + 1;
        }
        if (f.desired && f.fallback) {
            throw Syntax.fail(tok.atIndex(at), "a place cannot be both desired and fallback");
        }
        if (f.visible && !setup.mayBeVisible(region)) {
            throw Syntax.fail(f.visiblePos, noWindow(region));
        }
        return new Ast.PlaceSpec(region, f.visible, f.desired, f.fallback, f.topdown, f.first, f.last);
    }

    static String noWindow(String region) {
        return "region " + Syntax.quote(region) + " has no CPU-visible window (declare it with visible=SIZE)";
    }

    /** The flags of one place. */
    private static final class Flags {
        boolean visible;
        boolean desired;
        boolean fallback;
        boolean topdown;
        Long first;
        Long last;
        Ast.Pos visiblePos;
        private final Set<String> seen = new HashSet<>();

        void add(String flag, Token tok, int at) {
            Ast.Pos pos = tok.atIndex(at);
            boolean isRange = flag.startsWith("range=");
            String name = isRange ? "range" : flag;
            if (!seen.add(name)) {
                throw Syntax.fail(pos, "duplicated place flag " + Syntax.quote(name));
            }
            if (isRange) {
                range(flag.substring("range=".length()), tok, at + "range=".length());
                return;
            }
            switch (flag) {
                case "visible" -> { visible = true; visiblePos = pos; }
                case "desired" -> desired = true;
                case "fallback" -> fallback = true;
                case "topdown" -> topdown = true;
                case "" -> throw Syntax.fail(pos, "empty place flag");
                default -> throw Syntax.fail(pos, "unknown place flag " + Syntax.quote(flag)
                        + " (expected visible, desired, fallback, topdown or range=F..L)");
            }
        }

        private void range(String text, Token tok, int at) {
            int dots = text.indexOf("..");
            if (dots < 0) {
                throw Syntax.fail(tok.atIndex(at), "invalid range " + Syntax.quote(text) + " (expected range=F..L)");
            }
            first = Syntax.number(text.substring(0, dots), tok.atIndex(at), Syntax.MAX_NUMBER);
            last = Syntax.number(text.substring(dots + 2), tok.atIndex(at + dots + 2), Syntax.MAX_NUMBER);
            if (first >= last) {
                throw Syntax.fail(tok.atIndex(at), "empty range " + first + ".." + last + " (need F < L)");
            }
        }
    }
}
