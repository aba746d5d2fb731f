package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.OrphanSweeper;
import io.lambdasteprunner.step.RunnerInvocation;
import io.lambdasteprunner.step.RunnerRequest;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepResult;
import io.lambdasteprunner.step.StepRunner;
import io.lambdasteprunner.step.SweepRequest;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Runs what a request asks, whichever entry point it came through: parses it once into a
 * {@link RunnerRequest} and runs the step or the orphan sweep, with its logs and metrics
 * ({@link StepTelemetry}). A defect (any exception but a {@link StepFailure}, or a Java {@code Error} such as
 * {@code OutOfMemoryError}) is logged with its frames and becomes {@code StepRunnerInternalError}, so no caller
 * ever sees the runner's internals. Thread-safe.
 */
public final class RequestRunner {

    private final StepRequestParser parser;
    private final StepRunner runner;
    private final OrphanSweeper sweeper;
    private final Function<LambdaGateway, OrphanSweeper> sweeperIn;
    private final StepTelemetry telemetry;
    private final Clock clock;

    /**
     * @param sweeper   the sweeper of the runner's own account and region
     * @param sweeperIn the same sweep's rules on the gateway of another account or region
     */
    RequestRunner(StepRequestParser parser, StepRunner runner, OrphanSweeper sweeper,
                  Function<LambdaGateway, OrphanSweeper> sweeperIn, StepTelemetry telemetry, Clock clock) {
        this.parser = parser;
        this.runner = runner;
        this.sweeper = sweeper;
        this.sweeperIn = sweeperIn;
        this.telemetry = telemetry;
        this.clock = clock;
    }

    /** A deadline {@code budget} from now, on the runner's clock. */
    Deadline deadlineAfter(Duration budget) {
        return Deadline.after(budget, clock);
    }

    /**
     * Parses {@code json} and runs it.
     *
     * @param shape the entry point it came through, for the logs
     * @return a step's context variables ({@code {"data": ...}}) or the sweep's report ({@code {"sweep": ...}})
     * @throws StepFailure the named error the request ended with
     */
    JsonNode run(JsonNode json, String shape, Deadline deadline, CallDepth depth) {
        return run(json, shape, deadline, depth, RunnerInvocation.outsideLambda(), null);
    }

    /**
     * Parses {@code json} and runs it for the runner invocation {@code self}.
     *
     * @param self   the runner's own request id (names a response written to {@code RESULT_BUCKET}) and invoked
     *               ARN (its account, for the role allowlist's wildcard entries)
     * @param sizeOf how the entry point measures a result against {@code MAX_RESULT_BYTES}; {@code null} for the
     *               plain {@code {"data": ...}} output, which the step runner already fits
     */
    JsonNode run(JsonNode json, String shape, Deadline deadline, CallDepth depth, RunnerInvocation self,
                 ToIntFunction<StepResult> sizeOf) {
        RunnerRequest request;
        try {
            request = parser.parseRequest(json);
        } catch (StepFailure refused) {
            telemetry.rejected(shape, refused.error());
            throw refused;
        } catch (RuntimeException | Error defect) {
            throw defect(defect);
        }
        return run(request, shape, deadline, depth, self, sizeOf);
    }

    /** Runs {@code request}; as {@link #run(JsonNode, String, Deadline, CallDepth)}. */
    JsonNode run(RunnerRequest request, String shape, Deadline deadline, CallDepth depth) {
        return run(request, shape, deadline, depth, RunnerInvocation.outsideLambda(), null);
    }

    /** Runs {@code request}; as {@link #run(JsonNode, String, Deadline, CallDepth, RunnerInvocation, ToIntFunction)}. */
    JsonNode run(RunnerRequest request, String shape, Deadline deadline, CallDepth depth, RunnerInvocation self,
                 ToIntFunction<StepResult> sizeOf) {
        try {
            return switch (request) {
                case SweepRequest sweep -> sweep(sweep, deadline, self, sizeOf != null);
                case StepRequest step -> {
                    StepResult result = runStep(step, shape, deadline, depth, self);
                    yield (sizeOf == null ? result : runner.resultFitter().fit(result, self.requestId(), sizeOf))
                            .toJson();
                }
            };
        } catch (StepFailure failure) {
            throw failure;
        } catch (RuntimeException | Error defect) {
            throw defect(defect);
        }
    }

    /** Writes the metrics collected for one handler invocation. */
    void flush() {
        telemetry.flush();
    }

    /** Logs {@code defect} and returns the failure the caller sees instead. */
    StepFailure defect(Throwable defect) {
        telemetry.defect(defect);
        return new StepFailure(StepError.INTERNAL_ERROR,
                "unexpected failure in the step runner; its log has the details for this request id");
    }

    /** @param escaped whether the entry point escapes the report into a string (API Gateway's body) */
    private JsonNode sweep(SweepRequest request, Deadline deadline, RunnerInvocation self, boolean escaped) {
        OrphanSweeper.SweepResult swept = (request.target().isRunnersOwn() ? sweeper
                : sweeperIn.apply(runner.gatewayFor(request.target(), self))).sweep(deadline);
        telemetry.swept(swept);
        // Escaping a report of names and counts at most doubles it: half the bound leaves room for it.
        int max = runner.resultFitter().maxResultBytes();
        return swept.toJson(escaped ? max / 2 : max);
    }

    private StepResult runStep(StepRequest request, String shape, Deadline deadline, CallDepth depth,
                               RunnerInvocation self) {
        long start = System.nanoTime();
        int chain;
        try {
            chain = depth.orRefuse();
        } catch (StepFailure refused) {
            telemetry.rejected(shape, refused.error());
            throw refused;
        }
        try {
            StepResult result = runner.run(request, deadline, chain, self);
            telemetry.succeeded(request, result, Duration.ofNanos(System.nanoTime() - start));
            return result;
        } catch (StepFailure failure) {
            telemetry.failed(request, failure, Duration.ofNanos(System.nanoTime() - start));
            throw failure;
        }
    }
}
