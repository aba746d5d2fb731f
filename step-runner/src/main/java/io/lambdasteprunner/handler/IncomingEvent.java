package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An event as it reached the handler, recognised by its shape here and nowhere else.
 *
 * <ul>
 *   <li>API Gateway proxy events carry {@code requestContext} with {@code httpMethod} (REST API, and HTTP API
 *       payload format 1.0) or with {@code routeKey} and {@code version: "2.0"} (HTTP API);</li>
 *   <li>EventBridge's scheduled events ({@code "source": "aws.events", "detail-type": "Scheduled Event"},
 *       from EventBridge Scheduler or a rule without an Input) ask for the orphan sweep;</li>
 *   <li>other EventBridge events carry {@code detail-type}, {@code source} and {@code detail}, the request;</li>
 *   <li>anything else is the request itself: a direct invoke, a Step Functions task, {@code sam local invoke}.</li>
 * </ul>
 * A step request cannot look like the others, because the step parser refuses fields it does not know.
 */
public sealed interface IncomingEvent {

    /** The entry point's name in the runner's logs. */
    String shape();

    /** The request is the event itself (direct invoke, Step Functions task, {@code sam local invoke}). */
    record Direct(JsonNode request) implements IncomingEvent {
        @Override
        public String shape() {
            return "STEP_REQUEST";
        }
    }

    /** An EventBridge event; its {@code detail} is the request. */
    record EventBridge(JsonNode detail) implements IncomingEvent {
        @Override
        public String shape() {
            return "EVENTBRIDGE";
        }
    }

    /** EventBridge's scheduled event: the hourly orphan sweep. */
    record Scheduled() implements IncomingEvent {
        @Override
        public String shape() {
            return "EVENTBRIDGE";
        }
    }

    /**
     * An API Gateway proxy event; {@link ApiGatewayProxy} answers it.
     *
     * @param body     the {@code body} field as sent (a JSON string, or {@code null} when absent)
     * @param isBase64 whether API Gateway marked the body base64-encoded
     * @param requestId API Gateway's {@code requestContext.requestId}, {@code null} when absent: names the role
     *                  session of a step that assumes a role
     */
    record ApiGateway(Api api, String method, String path, JsonNode body, boolean isBase64, String requestId)
            implements IncomingEvent {
        ApiGateway(Api api, String method, String path, JsonNode body, boolean isBase64) {
            this(api, method, path, body, isBase64, null);
        }

        @Override
        public String shape() {
            return api == Api.REST ? "API_GATEWAY_REST" : "API_GATEWAY_HTTP";
        }
    }

    /** Which API Gateway API sent a proxy event. */
    enum Api { REST, HTTP }

    /** Recognises {@code event}'s shape. Never fails: what is not another shape is a step request. */
    static IncomingEvent of(JsonNode event) {
        if (event == null || !event.isObject()) {
            return new Direct(event);
        }
        if (event.has("requestContext") && event.has("routeKey") && "2.0".equals(event.path("version").asText())) {
            return new ApiGateway(Api.HTTP, event.path("requestContext").path("http").path("method").asText(""),
                    event.path("rawPath").asText(""), event.get("body"), event.path("isBase64Encoded").asBoolean(false),
                    event.path("requestContext").path("requestId").textValue());
        }
        if (event.has("requestContext") && event.has("httpMethod")) {
            return new ApiGateway(Api.REST, event.path("httpMethod").asText(""), event.path("path").asText(""),
                    event.get("body"), event.path("isBase64Encoded").asBoolean(false),
                    event.path("requestContext").path("requestId").textValue());
        }
        if ("aws.events".equals(event.path("source").textValue())
                && "Scheduled Event".equals(event.path("detail-type").textValue())) {
            return new Scheduled();
        }
        if (event.has("detail-type") && event.has("source") && event.has("detail")) {
            return new EventBridge(event.get("detail"));
        }
        return new Direct(event);
    }
}
