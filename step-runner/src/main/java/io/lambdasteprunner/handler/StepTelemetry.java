package io.lambdasteprunner.handler;

import io.lambdasteprunner.step.OrphanSweeper;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepListener;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.StepResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

/**
 * Structured logs and metrics of steps: action, function name, outcome, the duration of each Lambda phase,
 * and the name of the error a step or phase failed with. A custom-code step logs a "step phase" line as each
 * phase ends (what it did survives a runner that is stopped mid-step) and a "step finished" line; an invoke
 * step, whose one phase is the step, only the latter. Logs names, durations and error names only &mdash;
 * never code, payloads, environment values or function error messages.
 *
 * <p>The error's name goes under {@code errorName}: Powertools reserves {@code error} (and drops it with a
 * warning).
 */
final class StepTelemetry implements StepListener {

    private static final Logger LOG = LoggerFactory.getLogger(StepTelemetry.class);
    private static final String INVOKE_ACTION = "invoke";

    private final MetricsSink metrics;

    StepTelemetry(MetricsSink metrics) {
        this.metrics = metrics;
    }

    @Override
    public void phase(String action, String functionName, Phase phase, Duration took, StepError failedWith) {
        String name = switch (phase) {
            case CREATE -> "CreateDuration";
            case WAIT_ACTIVE -> "WaitActiveDuration";
            case INVOKE -> "InvokeDuration";
            case DELETE -> "DeleteDuration";
        };
        metrics.milliseconds(name, action, took.toNanos() / 1e6);
        if (phase == Phase.INVOKE && INVOKE_ACTION.equals(action)) {
            // An invoke step's one phase is the step: its "step finished" line says all this line would
            // (duration, error name), and one line less was a tenth of a warm invoke step's time.
            return;
        }
        if (failedWith == null) {
            LOG.info("step phase", entry("action", action), entry("functionName", functionName),
                    entry("phase", phase.name()), entry("durationMs", took.toMillis()), entry("succeeded", true));
        } else {
            LOG.info("step phase", entry("action", action), entry("functionName", functionName),
                    entry("phase", phase.name()), entry("durationMs", took.toMillis()), entry("succeeded", false),
                    entry("errorName", failedWith.errorName()));
        }
    }

    @Override
    public void deleteFailed(String functionName, StepError error, String message) {
        metrics.count("DeleteFailed", "customCode");
        LOG.warn("could not delete generated function", entry("functionName", functionName),
                entry("errorName", error.errorName()));
    }

    @Override
    public void tagFailed(String functionName, StepError error, String message) {
        metrics.count("TagFailed", "customCode");
        LOG.warn("could not refresh the last-used tag of a reusable function", entry("functionName", functionName),
                entry("errorName", error.errorName()));
    }

    void succeeded(StepRequest request, StepResult result, Duration took) {
        finished(request.action(), result.functionName(), null, result.invokeFunctionError(), took);
    }

    void failed(StepRequest request, StepFailure failure, Duration took) {
        String functionName = failure.partialResult().map(StepResult::functionName)
                .orElse(request instanceof StepRequest.Invoke invoke ? invoke.functionName() : null);
        finished(request.action(), functionName, failure.error(),
                failure.partialResult().map(StepResult::invokeFunctionError).orElse(null), took);
    }

    private void finished(String action, String functionName, StepError error, String functionError, Duration took) {
        metrics.milliseconds("StepDuration", action, took.toNanos() / 1e6);
        metrics.count(error == null ? "StepSucceeded" : "StepFailed", action);
        if (functionError != null) {
            metrics.count("FunctionErrors", action);
        }
        LOG.info("step finished", entry("action", action), entry("functionName", functionName),
                entry("outcome", error == null ? "ok" : error.errorName()),
                entry("errorName", error == null ? null : error.errorName()),
                entry("functionError", functionError), entry("durationMs", took.toMillis()));
    }

    void rejected(String shape, StepError error) {
        metrics.count("StepRejected", "none");
        LOG.info("step refused", entry("shape", shape), entry("outcome", error.errorName()),
                entry("errorName", error.errorName()));
    }

    void swept(OrphanSweeper.SweepResult result) {
        result.deleted().forEach(name -> metrics.count("OrphansDeleted", "sweep"));
        result.failed().forEach(failure -> metrics.count("OrphanDeleteFailed", "sweep"));
        LOG.info("sweep finished", entry("examined", result.examined()), entry("candidates", result.candidates()),
                entry("deleted", result.deleted()), entry("failed", result.failed().stream()
                        .map(failure -> failure.functionName() + " " + failure.error().errorName()).toList()),
                entry("complete", result.complete()));
    }

    void defect(Throwable e) {
        metrics.count("StepFailed", "none");
        // The exception's type and frames, not its message: a message may quote a request (payload, code).
        StringBuilder frames = new StringBuilder();
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            frames.append(cause == e ? "" : "caused by ").append(cause.getClass().getName()).append('\n');
            StackTraceElement[] trace = cause.getStackTrace();
            for (int i = 0; i < Math.min(trace.length, 15); i++) {
                frames.append("\tat ").append(trace[i]).append('\n');
            }
        }
        LOG.error("unexpected failure in the step runner", entry("errorName", StepError.INTERNAL_ERROR.errorName()),
                entry("errorType", e.getClass().getName()), entry("stack", frames.toString()));
    }

    @Override
    public void resultShortened(String functionName, long payloadBytes, String s3Uri, String s3Error) {
        metrics.count(s3Uri != null ? "ResultOffloaded" : "ResultTruncated", "any");
        if (s3Error != null) {
            LOG.warn("could not write a response too big for MAX_RESULT_BYTES to RESULT_BUCKET; the result carries "
                    + "its beginning", entry("functionName", functionName), entry("payloadBytes", payloadBytes),
                    entry("s3Error", s3Error));
        } else {
            LOG.info("response too big for MAX_RESULT_BYTES: the result carries its beginning",
                    entry("functionName", functionName), entry("payloadBytes", payloadBytes),
                    entry("s3Uri", s3Uri));
        }
    }

    void flush() {
        metrics.flush();
    }
}
