package io.lambdasteprunner.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.RunnerInvocation;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.SweepRequest;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * The one Lambda entry point, a thin adapter: it reads the event once, recognises its shape
 * ({@link IncomingEvent}), hands the request to the {@link RequestRunner} and writes what comes back. A step
 * request or EventBridge event answers with the step's context variables, and a failure is thrown as the
 * {@link StepFailure} (so Step Functions sees the error); an API Gateway proxy event gets a proxy response
 * ({@link ApiGatewayProxy}).
 *
 * <p>Deployed as {@code StepRunnerHandler}, which gives each failure its bare name as the error type. The
 * no-argument constructor is Lambda's; the other takes what {@link DependencyFactory} builds, for the command
 * line and tests. One instance serves one invocation at a time (Lambda's model).
 */
public class StepHandler implements RequestStreamHandler {

    /** Kept back from the handler's remaining time so the step can answer before Lambda stops it. */
    static final Duration ANSWER_RESERVE = Duration.ofSeconds(1);
    /** The deadline when no Lambda context says otherwise (the command line): Lambda's 900-second maximum. */
    static final Duration NO_CONTEXT_BUDGET = Duration.ofSeconds(900);

    private final ObjectMapper mapper;
    private final EventJson json;
    private final RequestRunner requests;
    private final ApiGatewayProxy api;

    /** Lambda's constructor: wired from the environment, read once ({@link DependencyFactory#fromEnvironment}). */
    public StepHandler() {
        this(DependencyFactory.fromEnvironment(System.getenv()));
    }

    public StepHandler(DependencyFactory.Dependencies dependencies) {
        this.mapper = dependencies.mapper();
        this.json = new EventJson(dependencies.mapper());
        this.requests = dependencies.requests();
        this.api = dependencies.api();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] event = input.readAllBytes();
        Deadline deadline = requests.deadlineAfter(context == null ? NO_CONTEXT_BUDGET
                : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(ANSWER_RESERVE));
        CallDepth depth = CallDepth.of(context);
        RunnerInvocation self = context == null ? RunnerInvocation.outsideLambda()
                : new RunnerInvocation(context.getAwsRequestId(), context.getInvokedFunctionArn());
        JsonNode response;
        try {
            response = context == null ? handle(event, deadline, depth, self)
                    : PowertoolsLogging.withLogging(context, () -> handle(event, deadline, depth, self));
        } finally {
            requests.flush();
        }
        mapper.writeValue(output, response);
    }

    private JsonNode handle(byte[] bytes, Deadline deadline, CallDepth depth, RunnerInvocation self) {
        try {
            IncomingEvent event = IncomingEvent.of(json.read(bytes, "the event"));
            // The step runner fits a result to MAX_RESULT_BYTES as the plain output (null); API Gateway measures
            // the proxy response that carries it.
            return switch (event) {
                case IncomingEvent.Direct direct ->
                        requests.run(direct.request(), event.shape(), deadline, depth, self, null);
                case IncomingEvent.EventBridge bridged ->
                        requests.run(bridged.detail(), event.shape(), deadline, depth, self, null);
                case IncomingEvent.Scheduled scheduled ->
                        requests.run(new SweepRequest(), event.shape(), deadline, depth, self, null);
                case IncomingEvent.ApiGateway call -> api.answer(call, self, request -> requests.run(request,
                        event.shape(), api.deadline(deadline), depth, self.withOrigin(call.requestId()),
                        api::resultBytes));
            };
        } catch (StepFailure failure) {
            throw failure;
        } catch (RuntimeException | Error defect) {
            // An Error too (one that exhausted memory or stack): a named error, never a stack trace.
            throw requests.defect(defect);
        }
    }
}
