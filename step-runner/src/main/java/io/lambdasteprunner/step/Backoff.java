package io.lambdasteprunner.step;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt {@code n} (from 0) waits a random time between half and
 * all of {@code min(cap, base * 2^n)}, so concurrent steps spread out instead of retrying together.
 *
 * @param base        the first delay's upper bound
 * @param cap         the largest delay
 * @param maxAttempts how many times an operation is tried in all (1 = no retry)
 */
public record Backoff(Duration base, Duration cap, int maxAttempts) {

    public Backoff {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The delay before retry number {@code attempt + 1}. */
    public Duration delay(int attempt, RandomGenerator random) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(attempt, 30));
        long half = Math.max(1, ceiling / 2);
        return Duration.ofMillis(half + random.nextLong(half + 1));
    }

    /** Waits; a separate interface so tests run without sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;

        Sleeper REAL = duration -> Thread.sleep(duration.toMillis());
    }
}
