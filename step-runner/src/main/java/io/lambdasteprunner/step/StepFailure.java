package io.lambdasteprunner.step;

import java.util.Objects;
import java.util.Optional;

/**
 * A step that ended with a named {@link StepError}. Carries no stack trace: its message is written
 * for the caller, who must never see the runner's internals.
 *
 * <p>{@link #partialResult()} holds the context variables known when the step failed (for example a
 * function error with {@code failOnFunctionError}, or an invoke that failed after a function was
 * created and deleted), so adapters can still report them.
 */
public final class StepFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final StepError error;
    private final transient StepResult partialResult;

    public StepFailure(StepError error, String message) {
        this(error, message, null);
    }

    public StepFailure(StepError error, String message, StepResult partialResult) {
        super(message, null, false, false);
        this.error = Objects.requireNonNull(error);
        this.partialResult = partialResult;
    }

    public StepError error() {
        return error;
    }

    public Optional<StepResult> partialResult() {
        return Optional.ofNullable(partialResult);
    }

    /** The same failure with the result known so far attached. */
    public StepFailure withPartialResult(StepResult result) {
        return new StepFailure(error, getMessage(), result);
    }

    @Override
    public String toString() {
        return error.errorName() + ": " + getMessage();
    }
}
