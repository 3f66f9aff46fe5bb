package dev.ttm.protocol.scenario;

import java.math.BigInteger;

/** Byte counts as a TTM engineer writes them: the largest binary unit that divides exactly. */
final class Sizes {
    private Sizes() {}

    private static final String[] UNITS = {"GiB", "MiB", "KiB"};
    private static final int[] SHIFTS = {30, 20, 10};

    static String format(long bytes) {
        return format(BigInteger.valueOf(bytes));
    }

    /** Exact for any count, so that a counter beyond 2^63 bytes prints as what it is. */
    static String format(BigInteger bytes) {
        if (bytes.signum() == 0) return "0";
        for (int i = 0; i < UNITS.length; i++) {
            BigInteger[] qr = bytes.divideAndRemainder(BigInteger.ONE.shiftLeft(SHIFTS[i]));
            if (qr[1].signum() == 0) return qr[0] + UNITS[i];
        }
        return bytes + "B";
    }
}
