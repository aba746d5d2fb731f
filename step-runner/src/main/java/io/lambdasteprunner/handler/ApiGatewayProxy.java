package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.ResultFitter;
import io.lambdasteprunner.step.ResultStore;
import io.lambdasteprunner.step.RunnerInvocation;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepListener;
import io.lambdasteprunner.step.StepResult;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Function;

/**
 * The API Gateway mapping: the one route ({@code POST /steps}, under any stage or base path), the step
 * request in its body, and the proxy response &mdash; 200 with the result, or the error's status with
 * {@code {"error", "message"}} (and {@code "data"} when part of the step ran). A caller's mistake is a 4xx
 * here, never a 5xx. {@code MAX_RESULT_BYTES} bounds the whole proxy response, whose body escapes the result
 * into a string ({@link #resultBytes(StepResult)}). Stateless and thread-safe.
 */
final class ApiGatewayProxy {

    /** The route's last path segment: {@code /steps}, {@code /prod/steps}, ... */
    static final String ROUTE = "/steps";

    private final ObjectMapper mapper;
    private final EventJson json;
    private final ResultFitter fitter;

    /** A mapping whose results are bounded by Step Functions' default, with no bucket (priming). */
    ApiGatewayProxy(ObjectMapper mapper) {
        this(mapper, new ResultFitter(StepConfig.Results.defaults(), ResultStore.NONE, StepListener.NONE));
    }

    /** @param fitter keeps results and partial results within {@code MAX_RESULT_BYTES} as proxy responses */
    ApiGatewayProxy(ObjectMapper mapper, ResultFitter fitter) {
        this.mapper = mapper;
        this.json = new EventJson(mapper);
        this.fitter = fitter;
    }

    /** The bytes of the 200 proxy response that carries {@code result}: what {@code MAX_RESULT_BYTES} bounds here. */
    int resultBytes(StepResult result) {
        return bytes(response(200, result.toJson()));
    }

    /**
     * An API request's budget: API Gateway answers 504 after 29 s (its integration timeout) whatever the
     * step is doing, so the step must end, or fail with its error, before that. 25 s leaves room for a
     * SnapStart restore, the invoke of the runner and the answer's way back.
     */
    static final Duration API_GATEWAY_BUDGET = Duration.ofSeconds(25);

    /** The time a request that came through API Gateway may take: the handler's own, at most {@link #API_GATEWAY_BUDGET}. */
    Deadline deadline(Deadline handlers) {
        return handlers.remaining().compareTo(API_GATEWAY_BUDGET) <= 0 ? handlers
                : Deadline.after(API_GATEWAY_BUDGET, handlers.clock());
    }

    /**
     * The proxy response to {@code event}: {@code run} gets the request from the body of {@code POST /steps}
     * and returns its result; a {@link StepFailure} from the routing, the body or {@code run} becomes the
     * error's response.
     */
    JsonNode answer(IncomingEvent.ApiGateway event, Function<JsonNode, JsonNode> run) {
        return answer(event, RunnerInvocation.outsideLambda(), run);
    }

    /**
     * {@link #answer(IncomingEvent.ApiGateway, Function)} for the runner invocation {@code self}, whose request id
     * names a partial result's response written to {@code RESULT_BUCKET}.
     */
    JsonNode answer(IncomingEvent.ApiGateway event, RunnerInvocation self, Function<JsonNode, JsonNode> run) {
        try {
            return response(200, run.apply(requestIn(event)));
        } catch (StepFailure failure) {
            if (failure.partialResult().isEmpty()) {
                return errorResponse(failure);
            }
            StepResult fitted = fitter.fit(failure.partialResult().get(), self.requestId(),
                    result -> bytes(errorResponse(failure.withPartialResult(result))));
            return errorResponse(failure.withPartialResult(fitted));
        }
    }

    private JsonNode errorResponse(StepFailure failure) {
        ObjectNode body = mapper.createObjectNode();
        body.put("error", failure.error().errorName());
        body.put("message", failure.getMessage());
        failure.partialResult().ifPresent(result -> body.set("data", result.toJson().get("data")));
        return response(failure.error().httpStatus(), body);
    }

    private static int bytes(JsonNode response) {
        return response.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** The request JSON in the body of {@code POST /steps}, parsed once. */
    private JsonNode requestIn(IncomingEvent.ApiGateway event) {
        if (!event.path().endsWith(ROUTE)) {
            throw new StepFailure(StepError.ROUTE_NOT_FOUND, "no route " + event.path()
                    + "; send POST /steps with a step request as the body");
        }
        if (!"POST".equalsIgnoreCase(event.method())) {
            throw new StepFailure(StepError.METHOD_NOT_ALLOWED, event.method()
                    + " /steps is not supported; use POST with a step request as the body");
        }
        JsonNode body = event.body();
        if (body == null || body.isNull() || body.isTextual() && body.textValue().isBlank()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "the request body is empty; send a step "
                    + "request such as {\"action\": \"invoke\", \"functionName\": \"my-function\"}");
        }
        if (!body.isTextual()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "the proxy event's body is " + body.getNodeType()
                    .name().toLowerCase() + ", not a string; API Gateway sends the step request as the body's text");
        }
        return event.isBase64() ? json.read(base64(body.textValue()), "the request body")
                : json.read(body.textValue(), "the request body");
    }

    private static byte[] base64(String body) {
        try {
            return Base64.getMimeDecoder().decode(body);
        } catch (IllegalArgumentException notBase64) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "the request body is marked isBase64Encoded "
                    + "but is not valid base64; send the step request as JSON");
        }
    }

    private JsonNode response(int status, JsonNode body) {
        ObjectNode response = mapper.createObjectNode();
        response.put("statusCode", status);
        ObjectNode headers = response.putObject("headers");
        headers.put("Content-Type", "application/json");
        if (status == StepError.METHOD_NOT_ALLOWED.httpStatus()) {
            headers.put("Allow", "POST");
        }
        response.put("body", body.toString());
        response.put("isBase64Encoded", false);
        return response;
    }
}
