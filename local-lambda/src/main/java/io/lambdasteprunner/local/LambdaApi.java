package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Where every Lambda API request enters: turns the HTTP exchange into an {@link ApiRequest}, has
 * {@link LambdaRoutes} answer it (or the local service's own {@code /_local/faults} switch), and writes
 * the {@link ApiResponse} or AWS's error shape. No request ends in a stack trace or a hang.
 */
final class LambdaApi {

    private final LambdaRoutes routes;
    private final Faults faults;

    LambdaApi(FunctionRegistry functions, Faults faults) {
        this.routes = new LambdaRoutes(functions);
        this.faults = faults;
    }

    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            ApiResponse response;
            try {
                ApiRequest request = ApiRequest.of(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders()::getFirst,
                        exchange.getRequestBody());
                response = answer(request);
            } catch (LambdaException e) {
                response = WireShapes.error(e);
            } catch (RuntimeException e) {
                response = WireShapes.error(new LambdaException(500, "ServiceException",
                        "The local Lambda service failed: " + e));
            }
            write(exchange, response);
        }
    }

    private ApiResponse answer(ApiRequest request) throws IOException {
        if (request.path().equals(List.of("_local", "faults"))) {
            return faults(request);
        }
        LambdaException injected = faults.apiFault();
        if (injected != null) {
            throw injected;
        }
        return routes.answer(request);
    }

    /**
     * The local service's own switch for fault injection: {@code GET} shows it, {@code PUT} with
     * the fields of {@link FaultInjection} (rates 0-1, {@code pendingDelayMillis}, {@code seed}) sets it.
     */
    private ApiResponse faults(ApiRequest request) throws IOException {
        if (request.method().equals("PUT")) {
            JsonNode body = request.json(LambdaRoutes.MAX_CONTROL_REQUEST_BYTES,
                    size -> LambdaException.entityTooLarge("Request too large"));
            try {
                faults.set(new FaultInjection(body.path("throttleRate").asDouble(0),
                        body.path("serviceErrorRate").asDouble(0), body.path("deleteFailureRate").asDouble(0),
                        body.path("runtimeCrashRate").asDouble(0), body.path("runtimeHangRate").asDouble(0),
                        Duration.ofMillis(body.path("pendingDelayMillis").asLong(0)), body.path("seed").asLong(0),
                        body.path("errorAfterRunRate").asDouble(0)));
            } catch (IllegalArgumentException e) {
                throw LambdaException.invalidParameter(e.getMessage());
            }
        } else if (!request.method().equals("GET")) {
            throw Operations.unsupported(request.method(), request.path());
        }
        FaultInjection now = faults.settings();
        return ApiResponse.json(200, Json.object().put("throttleRate", now.throttleRate())
                .put("serviceErrorRate", now.serviceErrorRate()).put("deleteFailureRate", now.deleteFailureRate())
                .put("runtimeCrashRate", now.runtimeCrashRate()).put("runtimeHangRate", now.runtimeHangRate())
                .put("pendingDelayMillis", now.pendingDelay().toMillis()).put("seed", now.seed())
                .put("errorAfterRunRate", now.errorAfterRunRate()));
    }

    private static void write(HttpExchange exchange, ApiResponse response) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("x-amzn-RequestId", UUID.randomUUID().toString());
        response.headers().forEach(headers::set);
        byte[] body = response.body();
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
