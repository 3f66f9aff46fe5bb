package dev.ttm.protocol.scenario;

/**
 * Splits raw bytes into lines, decoding strict UTF-8. A line with an invalid byte sequence, a control
 * character other than tab/CR/LF, or more than {@link #MAX_LINE} characters carries an error (its first)
 * instead of text. A leading UTF-8 byte-order mark is skipped.
 */
final class SourceDecoder {
    static final int MAX_LINE = 10_000;

    /** One line: {@code text} is null when {@code error} is set (at {@code errorColumn}). */
    record Line(int number, String text, int errorColumn, String error) {}

    private final byte[] bytes;
    private int next;
    private int lineNo;

    SourceDecoder(byte[] bytes) {
        this.bytes = bytes;
        boolean bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF;
        this.next = bom ? 3 : 0;
    }

    boolean hasNext() {
        return next < bytes.length;
    }

    Line next() {
        lineNo++;
        StringBuilder text = new StringBuilder();
        int col = 0;
        int errorCol = 0;
        String error = null;
        while (next < bytes.length) {
            if (bytes[next] == '\n') {
                next++;
                break;
            }
            int len = sequenceLength(next);
            int cp = len > 0 ? decode(next, len) : -1;
            col++;
            if (error == null) {
                error = check(cp, col);
                if (error != null) {
                    errorCol = col;
                } else {
                    text.appendCodePoint(cp);
                }
            }
            next += Math.max(len, 1);
        }
        return error == null ? new Line(lineNo, text.toString(), 0, null) : new Line(lineNo, null, errorCol, error);
    }

    private String check(int cp, int col) {
        if (cp < 0) {
            return String.format("invalid UTF-8 byte 0x%02X", bytes[next] & 0xff);
        }
        if (isControl(cp)) {
            return String.format("control character U+%04X is not allowed", cp);
        }
        if (col > MAX_LINE && cp != '\r') {
            return "line longer than " + MAX_LINE + " characters";
        }
        return null;
    }

    static boolean isControl(int cp) {
        return (cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
    }

    /** Length of a well-formed UTF-8 sequence starting at {@code i}, or 0 if it is not well formed. */
    private int sequenceLength(int i) {
        int b0 = bytes[i] & 0xff;
        if (b0 < 0x80) {
            return 1;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            return continuation(i + 1, 0x80, 0xBF) ? 2 : 0;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF) {
            int lo = b0 == 0xE0 ? 0xA0 : 0x80;
            int hi = b0 == 0xED ? 0x9F : 0xBF;
            return continuation(i + 1, lo, hi) && continuation(i + 2, 0x80, 0xBF) ? 3 : 0;
        }
        if (b0 >= 0xF0 && b0 <= 0xF4) {
            int lo = b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xF4 ? 0x8F : 0xBF;
            boolean ok = continuation(i + 1, lo, hi) && continuation(i + 2, 0x80, 0xBF)
                    && continuation(i + 3, 0x80, 0xBF);
            return ok ? 4 : 0;
        }
        return 0;
    }

    private boolean continuation(int i, int lo, int hi) {
        if (i >= bytes.length) {
            return false;
        }
        int b = bytes[i] & 0xff;
        return b >= lo && b <= hi;
    }

    private int decode(int i, int len) {
        int b0 = bytes[i] & 0xff;
        if (len == 1) {
            return b0;
        }
        int cp = b0 & (0xFF >> (len + 1));
        for (int k = 1; k < len; k++) {
            cp = (cp << 6) | (bytes[i + k] & 0x3F);
        }
        return cp;
    }
}
