package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where every request enters: turns the HTTP exchange into an {@link ApiRequest} and answers it with
 * STS ({@link SecurityTokenService}, for requests signed for {@code sts} or form posts to {@code /}),
 * the local service's own {@code /_local/faults} switch, or {@link LambdaRoutes} on the functions of
 * the caller's account and region; then writes the {@link ApiResponse} or AWS's error shape. No
 * request ends in a stack trace or a hang.
 *
 * <p>The caller's scope comes from the request's SigV4 credential ({@link CallerCredential}): the
 * account from its access key id ({@link AccessKeys}), the region from its credential scope. A
 * request without one (only the service's own callers) acts in the default scope.
 */
final class LambdaApi {

    /** The region part of an ARN, as Lambda's ARN patterns take it. */
    private static final Pattern REGION = Pattern.compile("(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d");

    private final FunctionScopes scopes;
    private final AccessKeys keys;
    private final SecurityTokenService sts;
    private final Faults faults;
    private final Clock clock;

    LambdaApi(FunctionScopes scopes, AccessKeys keys, SecurityTokenService sts, Faults faults, Clock clock) {
        this.scopes = scopes;
        this.keys = keys;
        this.sts = sts;
        this.faults = faults;
        this.clock = clock;
    }

    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Optional<CallerCredential> caller = CallerCredential.of(exchange);
            ApiResponse response;
            try {
                ApiRequest request = ApiRequest.of(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders()::getFirst,
                        exchange.getRequestBody());
                response = isSts(request, caller) ? securityTokenService(request, caller) : answer(request, caller);
            } catch (LambdaException e) {
                response = WireShapes.error(e);
            } catch (RuntimeException e) {
                response = WireShapes.error(new LambdaException(500, "ServiceException",
                        "The local Lambda service failed: " + e));
            }
            write(exchange, response);
        }
    }

    private ApiResponse answer(ApiRequest request, Optional<CallerCredential> caller) throws IOException {
        if (request.path().equals(List.of("_local", "faults"))) {
            return faults(request);
        }
        LambdaException injected = faults.apiFault();
        if (injected != null) {
            throw injected;
        }
        Scope scope = scopeOf(caller);
        // Another account's function is reached where its resource policy grants the caller's account.
        Scope acting = CrossAccountAccess.ownerGranting(request, scope, scopes).orElse(scope);
        return new LambdaRoutes(scopes.of(acting)).answer(request);
    }

    /**
     * The caller's account and region: the account of the access key id, the region it signed for.
     * A region Lambda's ARNs could not name is refused as AWS refuses a badly scoped signature.
     */
    private Scope scopeOf(Optional<CallerCredential> caller) {
        if (caller.isEmpty()) {
            return scopes.defaultScope();
        }
        String region = caller.get().region();
        if (!REGION.matcher(region).matches()) {
            throw new LambdaException(403, "InvalidSignatureException", "Credential should be scoped to a valid "
                    + "region, not '" + region + "'. The local service takes the caller's region from the SigV4 "
                    + "credential scope: sign for a region such as us-east-1 (AWS_REGION or the client's region).");
        }
        return new Scope(keys.accountOf(caller.get().accessKeyId(), clock.instant()), region);
    }

    // ---- STS ------------------------------------------------------------------------------------

    /**
     * STS's requests: signed for {@code sts}, or a form posted to {@code /} (no Lambda operation is a
     * POST to the root), as the STS clients send {@code Action=AssumeRole&Version=2011-06-15}.
     */
    private static boolean isSts(ApiRequest request, Optional<CallerCredential> caller) {
        if (caller.isPresent() && caller.get().service().equals("sts")) {
            return true;
        }
        String type = request.header("Content-Type", "").toLowerCase(Locale.ROOT);
        return request.path().isEmpty() && request.method().equals("POST")
                && type.startsWith("application/x-www-form-urlencoded");
    }

    /** STS's query protocol: fields in the query string or a form body; an XML answer, errors too. */
    private ApiResponse securityTokenService(ApiRequest request, Optional<CallerCredential> caller) throws IOException {
        SecurityTokenService.Answer answer;
        try {
            if (!request.method().equals("POST") && !request.method().equals("GET")) {
                throw LambdaException.invalidParameter("STS answers GET and POST requests to /, not "
                        + request.method() + ".");
            }
            byte[] body = request.bytes(LambdaRoutes.MAX_CONTROL_REQUEST_BYTES, size -> LambdaException.entityTooLarge(
                    "Request must be smaller than " + LambdaRoutes.MAX_CONTROL_REQUEST_BYTES + " bytes"));
            Map<String, String> fields = new LinkedHashMap<>();
            request.query().forEach((name, values) -> fields.put(name, values.get(0)));
            ApiRequest.fields(new String(body, StandardCharsets.UTF_8))
                    .forEach((name, values) -> fields.put(name, values.get(0)));
            answer = sts.handle(fields, caller.map(CallerCredential::accessKeyId).orElse(null));
        } catch (LambdaException e) {
            answer = SecurityTokenService.error(e.status(), e.status() == 413 ? "RequestEntityTooLarge"
                    : "InvalidParameterValue", e.getMessage());
        }
        return new ApiResponse(answer.status(), Map.of("Content-Type", "text/xml"),
                answer.xml().getBytes(StandardCharsets.UTF_8));
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

    /** Answers {@code refusal} without serving the request (its body unread: the connection is not reused). */
    static void refuse(HttpExchange exchange, LambdaException refusal) {
        try (exchange) {
            exchange.getResponseHeaders().set("Connection", "close");
            write(exchange, WireShapes.error(refusal));
        } catch (IOException e) {
            // The caller went away.
        }
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
