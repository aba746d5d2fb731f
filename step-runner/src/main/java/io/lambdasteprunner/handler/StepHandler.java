package io.lambdasteprunner.handler;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.step.Backoff;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.OrphanSweeper;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepResult;
import io.lambdasteprunner.step.StepRunner;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;
import software.amazon.lambda.powertools.metrics.MetricsBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one Lambda entry point. Recognises the event's shape ({@link IncomingEvent}) and translates:
 * a step request or EventBridge event runs the step and returns its context variables (a failure is
 * thrown, so Step Functions sees the error); an API Gateway proxy event ({@code POST /steps}) gets a
 * proxy response, 200 with the context variables or 4xx/5xx with {@code {"error", "message"}}.
 *
 * <p>The no-argument constructor is Lambda's: it reads the environment once and builds the SDK client
 * for the container's lifetime. The others take collaborators, for tests and the command line.
 * One instance serves one invocation at a time (Lambda's model).
 */
public class StepHandler implements RequestStreamHandler {

    /** Kept back from the handler's remaining time so the step can answer before Lambda stops it. */
    static final Duration ANSWER_RESERVE = Duration.ofSeconds(1);
    /**
     * An API request's budget: API Gateway answers 504 after 29 s (its integration timeout) whatever the
     * step is doing, so the step must end, or fail with its error, before that. 25 s leaves room for a
     * SnapStart restore, the invoke of the runner and the answer's way back.
     */
    static final Duration API_GATEWAY_BUDGET = Duration.ofSeconds(25);
    /** The deadline when no Lambda context says otherwise (the command line): Lambda's 900-second maximum. */
    static final Duration NO_CONTEXT_BUDGET = Duration.ofSeconds(900);

    private final ObjectMapper mapper;
    private final StepRequestParser parser;
    private final StepRunner runner;
    private final OrphanSweeper sweeper;
    private final StepTelemetry telemetry;
    private final Function<StepFailure, ? extends RuntimeException> errorTypes;
    private final Clock clock;

    private static final JsonNode SWEEP_REQUEST = JsonNodeFactory.instance.objectNode().put("action", "sweep");

    /** Lambda's constructor: configuration from the environment; failures are thrown as {@link StepFailure}. */
    public StepHandler() {
        this(System.getenv(), failure -> failure);
    }

    /**
     * Configuration from {@code env}.
     *
     * @param errorTypes turns a failure into the exception Lambda reports; its class name becomes the
     *                   error type Step Functions matches on
     * @throws IllegalArgumentException naming the environment variable that is malformed
     */
    protected StepHandler(Map<String, String> env, Function<StepFailure, ? extends RuntimeException> errorTypes) {
        this(StepConfig.fromEnvironment(env), primedClient(LambdaClientConfig.fromEnvironment(env)), metricsFor(env),
                errorTypes);
    }

    /**
     * Builds the SDK client while a second thread warms Jackson, the parser and logging, and registers
     * the SnapStart priming hook ({@link Priming}).
     */
    private static LambdaClient primedClient(LambdaClientConfig config) {
        LambdaClient client = Priming.whileWarming(() -> LambdaClients.create(config));
        Priming.forSnapshot(client);
        return client;
    }

    /** The SDK client built while the local paths warm up on another thread (the command line's cold start). */
    public static LambdaClient clientWhileWarming(Supplier<LambdaClient> build) {
        return Priming.whileWarming(build);
    }

    /** A handler on an existing SDK client (the command line's), with the production retry policy. */
    public StepHandler(StepConfig config, LambdaClient client, MetricsSink metrics,
                       Function<StepFailure, ? extends RuntimeException> errorTypes) {
        this(config, new SdkLambdaGateway(client, SdkLambdaGateway.DEFAULT_RETRY, Backoff.Sleeper.REAL,
                Priming.restoreSafeRandom()),
                metrics, errorTypes, Clock.systemUTC());
    }

    /** A handler on any {@link LambdaGateway} (tests). */
    public StepHandler(StepConfig config, LambdaGateway gateway, MetricsSink metrics,
                       Function<StepFailure, ? extends RuntimeException> errorTypes, Clock clock) {
        this(config, gateway, metrics, errorTypes, clock, Backoff.Sleeper.REAL);
    }

    /** A handler on any {@link LambdaGateway} that waits for Active with {@code sleeper} (fast tests). */
    public StepHandler(StepConfig config, LambdaGateway gateway, MetricsSink metrics,
                       Function<StepFailure, ? extends RuntimeException> errorTypes, Clock clock,
                       Backoff.Sleeper sleeper) {
        this.mapper = new ObjectMapper();
        this.parser = new StepRequestParser();
        this.telemetry = new StepTelemetry(metrics);
        this.runner = new StepRunner(gateway, config, telemetry, mapper, clock, sleeper, Priming.restoreSafeRandom());
        this.sweeper = OrphanSweeper.forConfig(gateway, config, clock);
        this.errorTypes = errorTypes;
        this.clock = clock;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] event = input.readAllBytes();
        Deadline deadline = Deadline.after(context == null ? NO_CONTEXT_BUDGET
                : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(ANSWER_RESERVE), clock);
        int depth = depthOf(context);
        JsonNode response;
        try {
            response = context == null ? handle(event, deadline, depth)
                    : PowertoolsLogging.withLogging(context, () -> handle(event, deadline, depth));
        } finally {
            telemetry.flush();
        }
        mapper.writeValue(output, response);
    }

    private JsonNode handle(byte[] eventBytes, Deadline deadline, int depth) {
        JsonNode event;
        try {
            event = mapper.readTree(eventBytes);
        } catch (IOException e) {
            throw errorTypes.apply(notJson("the event", e));
        }
        IncomingEvent incoming;
        try {
            incoming = IncomingEvent.of(event);
        } catch (StepFailure badBody) {
            // Only API Gateway bodies are decoded, so the caller expects a proxy response.
            return errorResponse(badBody);
        }
        if (isScheduledEvent(event)) {
            // EventBridge Scheduler and scheduled rules without an Input: the hourly orphan sweep.
            incoming = new IncomingEvent(IncomingEvent.Shape.EVENTBRIDGE, SWEEP_REQUEST, null, null, null);
        }
        return switch (incoming.shape()) {
            case STEP_REQUEST, EVENTBRIDGE -> direct(incoming, deadline, depth);
            case API_GATEWAY_REST, API_GATEWAY_HTTP ->
                    http(incoming, Deadline.after(min(deadline.remaining(), API_GATEWAY_BUDGET), clock), depth);
        };
    }

    private JsonNode direct(IncomingEvent incoming, Deadline deadline, int depth) {
        try {
            return runRequest(incoming.stepRequest(), incoming.shape(), deadline, depth);
        } catch (StepFailure failure) {
            throw errorTypes.apply(failure);
        } catch (RuntimeException defect) {
            telemetry.defect(defect);
            throw errorTypes.apply(internalError());
        }
    }

    private JsonNode http(IncomingEvent incoming, Deadline deadline, int depth) {
        try {
            if (!incoming.path().endsWith("/steps")) {
                throw new StepFailure(StepError.ROUTE_NOT_FOUND, "no route " + incoming.path()
                        + "; send POST /steps with a step request as the body");
            }
            if (!"POST".equalsIgnoreCase(incoming.method())) {
                throw new StepFailure(StepError.METHOD_NOT_ALLOWED, incoming.method()
                        + " /steps is not supported; use POST with a step request as the body");
            }
            if (incoming.body() == null || incoming.body().isBlank()) {
                throw new StepFailure(StepError.INVALID_STEP_REQUEST, "the request body is empty; send a step "
                        + "request such as {\"action\": \"invoke\", \"functionName\": \"my-function\"}");
            }
            JsonNode request;
            try {
                request = mapper.readTree(incoming.body());
            } catch (JsonProcessingException e) {
                throw notJson("the request body", e);
            }
            return proxyResponse(200, runRequest(request, incoming.shape(), deadline, depth));
        } catch (StepFailure failure) {
            return errorResponse(failure);
        } catch (RuntimeException defect) {
            telemetry.defect(defect);
            StepFailure failure = internalError();
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("error", failure.error().errorName());
            body.put("message", failure.getMessage());
            return proxyResponse(500, body);
        }
    }

    /** A step request's context variables, or a sweep request's report. */
    private JsonNode runRequest(JsonNode json, IncomingEvent.Shape shape, Deadline deadline, int depth) {
        if (json != null && json.isObject() && "sweep".equals(json.path("action").textValue())) {
            if (json.size() > 1) {
                StepFailure refused = new StepFailure(StepError.INVALID_STEP_REQUEST, "a sweep request takes no "
                        + "other fields; send {\"action\": \"sweep\"}");
                telemetry.rejected(shape.name(), refused.error());
                throw refused;
            }
            OrphanSweeper.SweepResult swept = sweeper.sweep(deadline);
            telemetry.swept(swept);
            return swept.toJson();
        }
        return runStep(json, shape, deadline, depth).toJson();
    }

    private StepResult runStep(JsonNode json, IncomingEvent.Shape shape, Deadline deadline, int depth) {
        long start = System.nanoTime();
        StepRequest request;
        try {
            request = parser.parse(json);
            if (depth < 0) {
                throw new StepFailure(StepError.RECURSION_REFUSED, "the client context's custom."
                        + StepRunner.DEPTH_KEY + " is not a whole number; it is the step runners' own chain depth, "
                        + "so leave it out or pass on the value the calling step runner gave");
            }
        } catch (StepFailure refused) {
            telemetry.rejected(shape.name(), refused.error());
            throw refused;
        }
        try {
            StepResult result = runner.run(request, deadline, depth);
            telemetry.finished(request.action(), result.functionName(), "ok", result.invokeFunctionError(),
                    Duration.ofNanos(System.nanoTime() - start));
            return result;
        } catch (StepFailure failure) {
            String name = failure.partialResult().map(StepResult::functionName)
                    .orElse(request instanceof StepRequest.Invoke invoke ? invoke.functionName() : null);
            telemetry.finished(request.action(), name, failure.error().errorName(),
                    failure.partialResult().map(StepResult::invokeFunctionError).orElse(null),
                    Duration.ofNanos(System.nanoTime() - start));
            throw failure;
        }
    }

    private JsonNode errorResponse(StepFailure failure) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("error", failure.error().errorName());
        body.put("message", failure.getMessage());
        failure.partialResult().ifPresent(result -> body.set("data", result.toJson().get("data")));
        return proxyResponse(failure.error().httpStatus(), body);
    }

    private JsonNode proxyResponse(int status, JsonNode body) {
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.put("statusCode", status);
        ObjectNode headers = response.putObject("headers");
        headers.put("Content-Type", "application/json");
        if (status == 405) {
            headers.put("Allow", "POST");
        }
        response.put("body", body.toString());
        response.put("isBase64Encoded", false);
        return response;
    }

    /**
     * How many step runners invoked this one: {@code custom.lambdaStepRunnerDepth} of the incoming client
     * context, 0 when there is none, -1 when it is not a whole number.
     */
    static int depthOf(Context context) {
        ClientContext clientContext = context == null ? null : context.getClientContext();
        Map<String, String> custom = clientContext == null ? null : clientContext.getCustom();
        String depth = custom == null ? null : custom.get(StepRunner.DEPTH_KEY);
        if (depth == null) {
            return 0;
        }
        return depth.trim().matches("\\d{1,6}") ? Integer.parseInt(depth.trim()) : -1;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** EventBridge's scheduled events: {@code "source": "aws.events", "detail-type": "Scheduled Event"}. */
    private static boolean isScheduledEvent(JsonNode event) {
        return event != null && event.isObject() && "aws.events".equals(event.path("source").textValue())
                && "Scheduled Event".equals(event.path("detail-type").textValue());
    }

    private static StepFailure notJson(String what, IOException e) {
        String where = e instanceof JsonProcessingException json && json.getLocation() != null
                ? " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")" : "";
        return new StepFailure(StepError.INVALID_STEP_REQUEST, what + " is not valid JSON" + where);
    }

    private static StepFailure internalError() {
        return new StepFailure(StepError.INTERNAL_ERROR,
                "unexpected failure in the step runner; its log has the details for this request id");
    }

    private static MetricsSink metricsFor(Map<String, String> env) {
        if (env.get("AWS_LAMBDA_FUNCTION_NAME") == null || "true".equalsIgnoreCase(env.get("POWERTOOLS_METRICS_DISABLED"))) {
            return MetricsSink.none();
        }
        return MetricsSink.powertools(MetricsBuilder.builder()
                .withNamespace(env.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", "LambdaStepRunner"))
                .withService(env.getOrDefault("POWERTOOLS_SERVICE_NAME", "lambda-step-runner"))
                .withRaiseOnEmptyMetrics(false)
                .build());
    }
}
