package io.lambdasteprunner.step;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Time that passes only when the test moves it (a step's waits, an hour between two sweeps). */
public final class SimulatedClock extends Clock {
    private final Instant start;
    private volatile Instant now;

    public SimulatedClock(Instant start) {
        this.start = start;
        this.now = start;
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    /** How far the clock has moved since it started. */
    public Duration elapsed() {
        return Duration.between(start, now);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
