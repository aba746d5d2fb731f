package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What arrived at the handler, recognised by its shape.
 *
 * <p>API Gateway proxy events carry {@code requestContext} and {@code httpMethod} (REST API, and HTTP
 * API payload format 1.0) or {@code routeKey} with {@code version: "2.0"} (HTTP API); EventBridge
 * events carry {@code detail-type}, {@code source} and {@code detail}; anything else is a step request
 * (direct invoke, Step Functions task, {@code sam local invoke}). A step request can never look like
 * the others, because the step parser refuses fields it does not know.
 *
 * @param shape  which entry point it came through
 * @param body   the step request JSON: the event itself, its {@code detail}, or the HTTP body as text
 * @param method HTTP method, for API Gateway events
 * @param path   request path, for API Gateway events
 */
public record IncomingEvent(Shape shape, JsonNode stepRequest, String body, String method, String path) {

    /** The entry points the handler serves. */
    public enum Shape { STEP_REQUEST, API_GATEWAY_REST, API_GATEWAY_HTTP, EVENTBRIDGE }

    /**
     * @throws StepFailure {@code InvalidStepRequest} for an API Gateway event whose body is marked base64 but is not
     */
    public static IncomingEvent of(JsonNode event) {
        if (event != null && event.isObject()) {
            if (event.has("requestContext") && event.has("routeKey") && "2.0".equals(event.path("version").asText())) {
                return new IncomingEvent(Shape.API_GATEWAY_HTTP, null, body(event),
                        event.path("requestContext").path("http").path("method").asText(""),
                        event.path("rawPath").asText(""));
            }
            if (event.has("requestContext") && event.has("httpMethod")) {
                return new IncomingEvent(Shape.API_GATEWAY_REST, null, body(event), event.path("httpMethod").asText(""),
                        event.path("path").asText(""));
            }
            if (event.has("detail-type") && event.has("source") && event.has("detail")) {
                return new IncomingEvent(Shape.EVENTBRIDGE, event.get("detail"), null, null, null);
            }
        }
        return new IncomingEvent(Shape.STEP_REQUEST, event, null, null, null);
    }

    /** Whether this is one of the API Gateway shapes, which answer with a proxy response. */
    public boolean isHttp() {
        return switch (shape) {
            case API_GATEWAY_REST, API_GATEWAY_HTTP -> true;
            case STEP_REQUEST, EVENTBRIDGE -> false;
        };
    }

    private static String body(JsonNode event) {
        JsonNode body = event.get("body");
        if (body == null || body.isNull()) {
            return null;
        }
        String text = body.asText();
        if (event.path("isBase64Encoded").asBoolean(false)) {
            try {
                return new String(Base64.getMimeDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notBase64) {
                throw new StepFailure(StepError.INVALID_STEP_REQUEST, "the request body is marked isBase64Encoded "
                        + "but is not valid base64; send the step request as JSON");
            }
        }
        return text;
    }
}
