package io.lambdasteprunner.step;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When the step must be finished by: the handler's remaining time, less a reserve for cleanup.
 *
 * @param at    the instant the step must be done by
 * @param clock the clock to measure against
 */
public record Deadline(Instant at, Clock clock) {

    public static Deadline after(Duration duration, Clock clock) {
        return new Deadline(clock.instant().plus(duration), clock);
    }

    public Duration remaining() {
        Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** A deadline {@code reserve} earlier, for work that must leave time for what follows. */
    public Deadline minus(Duration reserve) {
        return new Deadline(at.minus(reserve), clock);
    }
}
