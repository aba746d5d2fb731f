package io.lambdasteprunner.step;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed and the tally of a test over generated inputs. The seed is fixed, so every run checks the same
 * inputs and a failure repeats; {@code -Dsteps.seed=N} explores other inputs. Input {@code i} draws from its
 * own {@link Random}, so a failure names the one input to replay ({@link #describe(int)}). The tally counts
 * how many inputs reached each branch or error, printed at the end, so a generator that stopped reaching a
 * branch shows (and tests can require a minimum per branch). Thread-safe.
 */
public final class GeneratedInputs {

    /** The system property that overrides every generated-input test's seed. */
    public static final String SEED_PROPERTY = "steps.seed";

    private final String name;
    private final long seed;
    private final Map<String, AtomicInteger> tally = new ConcurrentHashMap<>();

    private GeneratedInputs(String name, long seed) {
        this.name = name;
        this.seed = seed;
    }

    /** The test's fixed seed, or the one {@code -Dsteps.seed} gives; printed either way. */
    public static GeneratedInputs seeded(String name, long fixedSeed) {
        String override = System.getProperty(SEED_PROPERTY);
        long seed = override == null || override.isBlank() ? fixedSeed : Long.parseLong(override.trim());
        System.out.printf("%s: seed %d%s%n", name, seed,
                override == null ? " (fixed; -D" + SEED_PROPERTY + "=N explores others)" : " (from -D" + SEED_PROPERTY + ")");
        return new GeneratedInputs(name, seed);
    }

    public long seed() {
        return seed;
    }

    /** The random source of input {@code index}: the same on every run with this seed. */
    public Random random(int index) {
        return new Random(mix(seed + 0x9E3779B97F4A7C15L * (index + 1L)));
    }

    /** How to name an input in a failure message. */
    public String describe(int index) {
        return name + " input " + index + " of seed " + seed + " (-D" + SEED_PROPERTY + "=" + seed + ")";
    }

    /** Counts one input that reached {@code branch}. */
    public void count(String branch) {
        count(branch, 1);
    }

    /** Adds {@code n} to what {@code branch} counts. */
    public void count(String branch, int n) {
        tally.computeIfAbsent(branch, key -> new AtomicInteger()).addAndGet(n);
    }

    /** How many inputs reached {@code branch}. */
    public int reached(String branch) {
        AtomicInteger count = tally.get(branch);
        return count == null ? 0 : count.get();
    }

    /** Branch to count, sorted by name. */
    public Map<String, Integer> tally() {
        Map<String, Integer> sorted = new TreeMap<>();
        tally.forEach((branch, count) -> sorted.put(branch, count.get()));
        return sorted;
    }

    /** Prints the tally, one branch a line. */
    public void print() {
        StringBuilder report = new StringBuilder(name + ": inputs per branch (seed " + seed + ")\n");
        tally().forEach((branch, count) -> report.append(String.format("  %7d  %s%n", count, branch)));
        System.out.print(report);
    }

    /** SplitMix64's finaliser: neighbouring indexes give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
