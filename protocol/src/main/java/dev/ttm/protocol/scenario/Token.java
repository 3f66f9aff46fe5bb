package dev.ttm.protocol.scenario;

import java.util.ArrayList;
import java.util.List;

/** A whitespace-separated word of a line, with the position of its first character. */
record Token(String text, Ast.Pos pos) {

    /** The position of the character at {@code charIndex} (a UTF-16 index into {@link #text}). */
    Ast.Pos atIndex(int charIndex) {
        int cps = text.codePointCount(0, Math.max(0, Math.min(charIndex, text.length())));
        return new Ast.Pos(pos.file(), pos.line(), pos.column() + cps);
    }

    boolean is(String word) {
        return text.equals(word);
    }

    /** Splits a line into tokens; blanks are space, tab and CR; {@code #} starts a comment. */
    static List<Token> split(String file, int line, String text) {
        List<Token> out = new ArrayList<>();
        StringBuilder cur = null;
        int col = 0;
        int start = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            col++;
            if (cp == '#') {
                break;
            }
            if (cp == ' ' || cp == '\t' || cp == '\r') {
                if (cur != null) {
                    out.add(new Token(cur.toString(), new Ast.Pos(file, line, start)));
                    cur = null;
                }
                continue;
            }
            if (cur == null) {
                cur = new StringBuilder();
                start = col;
            }
            cur.appendCodePoint(cp);
        }
        if (cur != null) {
            out.add(new Token(cur.toString(), new Ast.Pos(file, line, start)));
        }
        return out;
    }
}
