package dev.ttm.protocol;

/**
 * The seeds of the randomized tests. {@code mvn verify} runs each with its fixed, documented default, so a CI run is
 * reproducible; {@code -Dttm.seed=N} runs them all from N instead, and {@code -Dttm.seed=clock} from the clock for
 * exploratory runs. The seed in use is always printed, so any failure can be replayed.
 */
public final class TestSeeds {
    private TestSeeds() {}

    /** The base seed of test {@code name}: {@code fixed} unless {@code -Dttm.seed} says otherwise. Logged. */
    public static long base(String name, long fixed) {
        String p = System.getProperty("ttm.seed");
        long seed;
        if (p == null || p.isBlank()) seed = fixed;
        else if (p.trim().equals("clock")) seed = System.nanoTime();
        else seed = Long.parseLong(p.trim());
        System.out.println(name + " seed=" + seed + " (replay: -Dttm.seed=" + seed + ")");
        return seed;
    }

    /** How many random cases to run: {@code dflt} unless {@code -Dttm.scale=K} multiplies it. */
    public static int count(int dflt) {
        String p = System.getProperty("ttm.scale");
        return p == null || p.isBlank() ? dflt : Math.multiplyExact(dflt, Integer.parseInt(p.trim()));
    }
}
