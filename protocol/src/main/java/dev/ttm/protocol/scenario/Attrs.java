package dev.ttm.protocol.scenario;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code key=value} attributes and bare flag words that end a statement. */
final class Attrs {
    private final Map<String, Token> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Attrs() {}

    /** Reads every token as an allowed attribute or flag; anything else is an error. */
    static Attrs read(List<Token> tokens, Set<String> keys, Set<String> flagWords) {
        Attrs a = new Attrs();
        for (int i = 0; i < tokens.size(); i++) {
            Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            a.add(tokens.get(i), next, keys, flagWords);
        }
        return a;
    }

    private void add(Token t, Token next, Set<String> keys, Set<String> flagWords) {
        String s = t.text();
        int eq = s.indexOf('=');
        if (eq < 0) {
            addWord(t, next != null && next.text().startsWith("="), keys, flagWords);
            return;
        }
        String key = s.substring(0, eq);
        if (key.isEmpty()) {
            throw Syntax.fail(t.pos(), "no spaces allowed around '='");
        }
        if (!keys.contains(key)) {
            throw Syntax.fail(t.pos(), Syntax.isAttribute(s) ? "unknown attribute " + Syntax.quote(key)
                    : "unexpected " + Syntax.quote(s));
        }
        if (values.containsKey(key)) {
            throw Syntax.fail(t.pos(), "duplicated attribute " + Syntax.quote(key));
        }
        if (eq == s.length() - 1) {
            throw Syntax.fail(t.pos(), next != null ? "no spaces allowed around '='"
                    : "missing value for " + Syntax.quote(key));
        }
        values.put(key, t);
    }

    private void addWord(Token t, boolean nextIsEq, Set<String> keys, Set<String> flagWords) {
        String s = t.text();
        if (flagWords.contains(s)) {
            if (!flags.add(s)) {
                throw Syntax.fail(t.pos(), "duplicated " + Syntax.quote(s));
            }
        } else if (keys.contains(s)) {
            throw Syntax.fail(t.pos(), nextIsEq ? "no spaces allowed around '='"
                    : "attribute " + Syntax.quote(s) + " needs a value (" + s + "=...)");
        } else {
            throw Syntax.fail(t.pos(), "unexpected " + Syntax.quote(s));
        }
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    boolean flag(String word) {
        return flags.contains(word);
    }

    Token token(String key) {
        return values.get(key);
    }

    String value(String key) {
        Token t = values.get(key);
        return t.text().substring(key.length() + 1);
    }

    Ast.Pos valuePos(String key) {
        return values.get(key).atIndex(key.length() + 1);
    }

    void require(String key, Token statement) {
        if (!has(key)) {
            throw Syntax.fail(statement.pos(), "missing required attribute " + Syntax.quote(key));
        }
    }

    long number(String key, long max) {
        return Syntax.number(value(key), valuePos(key), max);
    }

    SizeLit size(String key) {
        return SizeLit.parse(value(key), valuePos(key));
    }

    String name(String key, String what) {
        return Syntax.name(value(key), valuePos(key), what);
    }
}
