package dev.ttm.protocol.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Canonical text ({@link StateDigest#canonical}) written straight into a reusable byte buffer, for hashing: no string
 * is made, copied or encoded. Only ASCII is written; it is its own UTF-8. Text with any other character cannot be
 * written here: {@link #ascii()} turns false and the bytes are void; the caller makes that text as a string instead
 * (and its UTF-8 bytes), which is what the digest always hashed. Not thread-safe: one per user.
 */
public final class CanonicalBytes extends CanonicalSink {
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
    private byte[] buf = new byte[1024];
    private int len;
    private boolean ascii = true;

    /** Empties the buffer for the next text. */
    public CanonicalBytes clear() {
        len = 0;
        ascii = true;
        return this;
    }

    /**
     * Drops what was written after the first {@code length} bytes, which must all be ASCII text (the caller knows:
     * it checked {@link #ascii()} there): a line found not to be ASCII is taken back, the lines before it stay.
     */
    public CanonicalBytes truncate(int length) {
        assert 0 <= length && length <= len;
        len = length;
        ascii = true;
        return this;
    }

    /** False once a character outside ASCII was met since {@link #clear}: the bytes do not hold the text. */
    public boolean ascii() {
        return ascii;
    }

    public int length() {
        return len;
    }

    /** Appends the canonical text of {@code v}. */
    public CanonicalBytes value(Object v) {
        StateDigest.write(this, v);
        return this;
    }

    public CanonicalBytes append(String s) {
        text(s);
        return this;
    }

    public CanonicalBytes append(char c) {
        ch(c);
        return this;
    }

    public CanonicalBytes append(long v) {
        num(v);
        return this;
    }

    /** The text between {@code from} and {@code to} (only when {@link #ascii()}). */
    public String text(int from, int to) {
        assert ascii && 0 <= from && from <= to && to <= len;
        return new String(buf, from, to - from, StandardCharsets.US_ASCII);
    }

    /** Hashes the bytes written (only when {@link #ascii()}). */
    public void update(MessageDigest sha) {
        assert ascii;
        sha.update(buf, 0, len);
    }

    private void room(int n) {
        if (len + n > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    @Override
    void ascii(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) buf[len + i] = (byte) s.charAt(i);
        len += n;
    }

    @Override
    void ascii(String s, byte[] bytes) {
        room(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    @Override
    void text(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) ascii = false;
            buf[len + i] = (byte) c;
        }
        len += n;
    }

    @Override
    void ch(char c) {
        if (c >= 0x80) ascii = false;
        room(1);
        buf[len++] = (byte) c;
    }

    @Override
    void num(long v) {
        if (v == Long.MIN_VALUE) { // its negation overflows
            room(MIN_LONG.length);
            System.arraycopy(MIN_LONG, 0, buf, len, MIN_LONG.length);
            len += MIN_LONG.length;
            return;
        }
        room(20);
        if (v >= 0 && v < 10) { // most numbers of a journal (0 for "no limit", small counts)
            buf[len++] = (byte) ('0' + v);
            return;
        }
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        // Written from the last digit back, two at a time (stamps and page numbers have several), into their place.
        int end = len + digits(v);
        int at = end;
        while (v >= 100) {
            int r = (int) (v % 100);
            v /= 100;
            buf[--at] = ONES[r];
            buf[--at] = TENS[r];
        }
        int r = (int) v;
        buf[--at] = ONES[r];
        if (r >= 10) buf[--at] = TENS[r];
        assert at == len : "digits miscounted for " + v;
        len = end;
    }

    /** The decimal digits of {@code v} (positive): 1 to 19. */
    private static int digits(long v) {
        int n = 1;
        for (long p = 10; n < 19 && v >= p; p *= 10) n++;
        return n;
    }

    /** The tens and ones digit of 0..99. */
    private static final byte[] TENS = new byte[100];
    private static final byte[] ONES = new byte[100];

    static {
        for (int i = 0; i < 100; i++) {
            TENS[i] = (byte) ('0' + i / 10);
            ONES[i] = (byte) ('0' + i % 10);
        }
    }

    @Override
    void bool(boolean v) {
        ascii(v ? "true" : "false");
    }
}
