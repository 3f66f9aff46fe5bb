package dev.ttm.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Numbers written as bytes read as {@link Long#toString} does: the journal digest hashes them. */
class CanonicalBytesTest {
    @Test
    void numbersAreTheirDecimalText() {
        List<Long> values = new ArrayList<>(List.of(0L, 1L, 9L, 10L, 11L, 99L, 100L, 101L, 999L, 1000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1));
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) values.addAll(List.of(p - 1, p, p + 1, 10 * p - 1));
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) values.add(random.nextLong() >> random.nextInt(64));
        CanonicalBytes b = new CanonicalBytes();
        StringBuilder expected = new StringBuilder();
        for (long v : values) {
            for (long x : new long[] {v, -v}) {
                b.append(x).append(' ');
                expected.append(x).append(' ');
            }
        }
        assertEquals(expected.toString(), b.text(0, b.length()));
    }
}
