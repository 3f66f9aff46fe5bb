package dev.ttm.protocol.scenario;

import java.util.Set;
import java.util.regex.Pattern;

/** Lexical helpers shared by the set-up and body parsers: names, numbers, words. */
final class Syntax {
    static final int MAX_ERRORS = 20;
    static final long MAX_SIZE = 1L << 50;
    static final long MAX_NUMBER = 1L << 62;
    static final String SYSTEM = "SYSTEM";

    static final Set<String> OUTCOMES = Set.of("OK", "EBUSY", "EALREADY", "EDEADLK", "ERESTARTSYS", "EINVAL",
            "ENOMEM", "EPERM", "ENOENT", "MAPPED", "RETRY", "SIGBUS", "OOM");

    /** Words that cannot name a buffer object, an owner or a handle (they would make lines ambiguous). */
    static final Set<String> RESERVED = Set.of("none", "expect", "invariants", "violation", "as", "in");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern REGION = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern ATTRIBUTE = Pattern.compile("[a-z][a-z-]*=.*", Pattern.DOTALL);

    private Syntax() {}

    static ParseFailure fail(Ast.Pos pos, String message) {
        return new ParseFailure(pos, message);
    }

    static boolean isName(String s) {
        return NAME.matcher(s).matches();
    }

    static boolean isRegionName(String s) {
        return REGION.matcher(s).matches();
    }

    /** A {@code key=value} word with a lower-case key. */
    static boolean isAttribute(String s) {
        return ATTRIBUTE.matcher(s).matches();
    }

    /** Quotes user text for a message, shortened. */
    static String quote(String s) {
        return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }

    /** A name ({@code [A-Za-z_][A-Za-z0-9_]*}) that is not a reserved word; {@code what} names it in messages. */
    static String name(String text, Ast.Pos pos, String what) {
        if (text.isEmpty()) {
            throw fail(pos, "missing " + what);
        }
        if (!isName(text)) {
            throw fail(pos, "invalid " + what + " " + quote(text));
        }
        if (RESERVED.contains(text)) {
            throw fail(pos, quote(text) + " is a reserved word and cannot be used as " + what);
        }
        return text;
    }

    static String regionName(String text, Ast.Pos pos) {
        if (text.isEmpty()) {
            throw fail(pos, "missing region name");
        }
        if (!isRegionName(text)) {
            String hint = isName(text) ? " (region names are upper case)" : "";
            throw fail(pos, "invalid region name " + quote(text) + hint);
        }
        return text;
    }

    /** A decimal number in [0, max]. */
    static long number(String text, Ast.Pos pos, long max) {
        return number(text, pos, max, "number too large (at most " + max + ")");
    }

    /** A decimal number in [0, max]; {@code tooLarge} is the message when it exceeds {@code max}. */
    static long number(String text, Ast.Pos pos, long max, String tooLarge) {
        if (text.isEmpty()) {
            throw fail(pos, "missing number");
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw fail(pos, "invalid number " + quote(text));
            }
            int d = c - '0';
            if (value > (max - d) / 10) {
                throw fail(pos, tooLarge);
            }
            value = value * 10 + d;
        }
        return value;
    }

    static boolean yesNo(String text, Ast.Pos pos, String key) {
        return switch (text) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw fail(pos, "invalid value " + quote(text) + " for " + key + " (expected yes or no)");
        };
    }
}
