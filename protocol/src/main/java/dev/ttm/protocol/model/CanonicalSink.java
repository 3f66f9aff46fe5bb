package dev.ttm.protocol.model;

/**
 * Where {@link StateDigest} writes canonical text: a {@link StringBuilder} ({@link Chars}: the text itself), or
 * {@link CanonicalBytes} (its bytes, for the journal digest). Both receive the same calls, so both hold the same text.
 */
abstract class CanonicalSink {
    /** Appends {@code s}, known to hold only ASCII (a Java type or component name checked once, a fixed word). */
    abstract void ascii(String s);

    /** Appends {@code s}, whose ASCII bytes are {@code bytes} (made once: a record type's name, a component's). */
    abstract void ascii(String s, byte[] bytes);

    /** Appends {@code s} as it is. */
    abstract void text(String s);

    abstract void ch(char c);

    /** Appends the decimal text of {@code v} ({@link Long#toString}; an int's is the same). */
    abstract void num(long v);

    abstract void bool(boolean v);

    /** Into a {@link StringBuilder}. */
    static final class Chars extends CanonicalSink {
        final StringBuilder b;

        Chars(StringBuilder b) {
            this.b = b;
        }

        @Override void ascii(String s) { b.append(s); }
        @Override void ascii(String s, byte[] bytes) { b.append(s); }
        @Override void text(String s) { b.append(s); }
        @Override void ch(char c) { b.append(c); }
        @Override void num(long v) { b.append(v); }
        @Override void bool(boolean v) { b.append(v); }
    }
}
