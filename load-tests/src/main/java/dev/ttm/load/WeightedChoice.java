package dev.ttm.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A weighted choice among values, written {@code value:weight, value:weight, ...} (weights are non-negative integers,
 * at least one positive), as the size mix ({@code 4KiB:40, 1MiB:10}) and the operation mix ({@code fault:40}) are.
 */
public final class WeightedChoice<T> {
    private final List<T> values;
    private final long[] cumulative;
    private final String text;

    private WeightedChoice(List<T> values, long[] cumulative, String text) {
        this.values = values;
        this.cumulative = cumulative;
        this.text = text;
    }

    /** Parses {@code text}; {@code value} turns one value's text into a value or throws IllegalArgumentException saying why. */
    public static <T> WeightedChoice<T> parse(String text, Function<String, T> value) {
        List<T> values = new ArrayList<>();
        List<Long> weights = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) throw new IllegalArgumentException("'" + p + "' is not VALUE:WEIGHT");
            long w;
            try {
                w = Long.parseLong(p.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + p + "': the weight is not a whole number");
            }
            if (w < 0) throw new IllegalArgumentException("'" + p + "': a weight cannot be negative");
            values.add(value.apply(p.substring(0, colon).trim()));
            weights.add(w);
        }
        long[] cumulative = new long[values.size()];
        long sum = 0;
        for (int i = 0; i < cumulative.length; i++) cumulative[i] = sum += weights.get(i);
        if (sum <= 0) throw new IllegalArgumentException("'" + text + "' has no positive weight");
        return new WeightedChoice<>(Collections.unmodifiableList(values), cumulative, text.trim());
    }

    public T next(SplittableRandom random) {
        long r = random.nextLong(cumulative[cumulative.length - 1]);
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r < cumulative[mid]) hi = mid;
            else lo = mid + 1;
        }
        return values.get(lo);
    }

    public List<T> values() {
        return values;
    }

    /** The share of {@code value} in the choice, 0..1. */
    public double share(T value) {
        long total = cumulative[cumulative.length - 1];
        double s = 0;
        for (int i = 0; i < values.size(); i++)
            if (values.get(i).equals(value)) s += cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
        return s / total;
    }

    /** The mean of the values, each mapped to a number. */
    public double mean(java.util.function.ToDoubleFunction<T> number) {
        double s = 0;
        for (int i = 0; i < values.size(); i++) s += number.applyAsDouble(values.get(i)) * (cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]));
        return s / cumulative[cumulative.length - 1];
    }

    @Override
    public String toString() {
        return text;
    }
}
