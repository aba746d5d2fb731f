package io.lambdasteprunner.step;

import java.time.Duration;

/**
 * Hears what a step does, for logs and metrics. Receives names and durations only: never code,
 * payloads or environment values. Implementations must be thread-safe and must not throw.
 */
public interface StepListener {

    /** The phases of a step that call Lambda. */
    enum Phase { CREATE, WAIT_ACTIVE, INVOKE, DELETE }

    /** One phase finished, successfully or not. */
    default void phase(String action, String functionName, Phase phase, Duration took, boolean succeeded) {
    }

    /**
     * One phase finished; {@code failedWith} names the error it failed with, {@code null} when it succeeded.
     * The runner calls this one; by default it tells {@link #phase(String, String, Phase, Duration, boolean)}.
     */
    default void phase(String action, String functionName, Phase phase, Duration took, StepError failedWith) {
        phase(action, functionName, phase, took, failedWith == null);
    }

    /** A generated function could not be deleted; the step's result says {@code functionWasDeleted: "false"}. */
    default void deleteFailed(String functionName, StepError error, String message) {
    }

    /** A reusable function's last-used tag could not be refreshed; the step itself went on. */
    default void tagFailed(String functionName, StepError error, String message) {
    }

    /**
     * A response did not fit {@code MAX_RESULT_BYTES}: the result carries its beginning.
     *
     * @param payloadBytes the whole response's size
     * @param s3Uri        where it was written whole, {@code null} when it was not
     * @param s3Error      why the write failed, {@code null} when it did not
     */
    default void resultShortened(String functionName, long payloadBytes, String s3Uri, String s3Error) {
    }

    StepListener NONE = new StepListener() {
    };
}
