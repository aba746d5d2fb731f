package io.lambdasteprunner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The Lambda API (rest-json) as the AWS SDKs and CLI call it: routes each request to the
 * {@link FunctionRegistry} and writes AWS's answers, including its error codes and statuses.
 */
final class LambdaApi {

    /** Lambda's limit on a synchronous invoke request. */
    static final int MAX_SYNC_PAYLOAD_BYTES = io.lambdasteprunner.facts.LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES;
    /** Lambda's limit on an asynchronous invoke request. */
    static final int MAX_ASYNC_PAYLOAD_BYTES = io.lambdasteprunner.facts.LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES;
    /** Lambda's limit on the client context, measured base64-encoded as AWS documents it. */
    static final int MAX_CLIENT_CONTEXT_BYTES = io.lambdasteprunner.facts.LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES;
    static final int LOG_TAIL_BYTES = io.lambdasteprunner.facts.LambdaLimits.LOG_TAIL_BYTES;

    private final FunctionRegistry functions;
    private final Faults faults;

    LambdaApi(FunctionRegistry functions, Faults faults) {
        this.functions = functions;
        this.faults = faults;
    }

    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            try {
                route(exchange);
            } catch (LambdaException e) {
                sendError(exchange, e);
            } catch (JsonProcessingException e) {
                sendError(exchange, LambdaException.invalidContent("Could not parse request body into json: "
                        + e.getOriginalMessage()));
            } catch (RuntimeException e) {
                sendError(exchange, new LambdaException(500, "ServiceException",
                        "The local Lambda service failed: " + e));
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        List<String> path = Arrays.stream(exchange.getRequestURI().getPath().split("/"))
                .filter(segment -> !segment.isEmpty()).toList();
        Map<String, List<String>> query = parseQuery(exchange.getRequestURI().getRawQuery());
        String api = path.isEmpty() ? "" : path.get(0);
        if (api.equals("_local") && path.size() == 2 && path.get(1).equals("faults")) {
            routeFaults(exchange, method);
            return;
        }
        LambdaException injected = faults.apiFault();
        if (injected != null) {
            throw injected;
        }
        if (api.equals("2015-03-31") && path.size() >= 2 && path.get(1).equals("functions")) {
            routeFunctions(exchange, method, path.subList(2, path.size()), query);
        } else if (api.equals("2017-03-31") && path.size() == 3 && path.get(1).equals("tags")) {
            routeTags(exchange, method, path.get(2), query);
        } else if (api.equals("2016-08-19") && path.size() == 2 && path.get(1).equals("account-settings")) {
            sendJson(exchange, 200, accountSettings());
        } else {
            throw new LambdaException(404, "UnknownOperationException", "Unknown operation " + method + " "
                    + exchange.getRequestURI().getPath());
        }
    }

    private void routeFunctions(HttpExchange exchange, String method, List<String> rest,
                                Map<String, List<String>> query) throws IOException {
        String qualifier = first(query, "Qualifier");
        if (rest.isEmpty()) {
            switch (method) {
                // Lambda answers Pending however soon the function becomes Active.
                case "POST" -> sendJson(exchange, 201,
                        configuration(functions.create(readJson(exchange)), LocalFunction.State.Pending));
                case "GET" -> sendJson(exchange, 200, listFunctions(query));
                default -> throw unknown(method, "functions");
            }
            return;
        }
        FunctionName name = FunctionName.parse(rest.get(0));
        String resource = rest.size() > 1 ? rest.get(1) : "";
        switch (resource + " " + method) {
            case " GET" -> sendJson(exchange, 200, getFunction(name, qualifier));
            case " DELETE" -> {
                functions.delete(name, qualifier);
                sendEmpty(exchange, 204);
            }
            case "configuration GET" -> sendJson(exchange, 200, configuration(functions.version(name, qualifier)));
            case "configuration PUT" -> sendJson(exchange, 200,
                    configuration(functions.updateConfiguration(name, readJson(exchange))));
            case "code PUT" -> sendJson(exchange, 200, configuration(functions.updateCode(name, readJson(exchange))));
            case "invocations POST" -> invoke(exchange, name, qualifier);
            case "versions POST" -> sendJson(exchange, 201,
                    configuration(functions.publishVersion(name, readJson(exchange))));
            case "versions GET" -> sendJson(exchange, 200, listVersions(name));
            case "aliases POST" -> sendJson(exchange, 201, aliasJson(name, functions.createAlias(name, readJson(exchange))));
            case "aliases GET" -> routeAlias(exchange, method, name, rest);
            case "aliases PUT", "aliases DELETE" -> routeAlias(exchange, method, name, rest);
            default -> throw unknown(method, String.join("/", rest));
        }
    }

    private void routeAlias(HttpExchange exchange, String method, FunctionName name, List<String> rest)
            throws IOException {
        LocalFunction function = functions.function(name);
        if (rest.size() == 2 && method.equals("GET")) {
            ArrayNode aliases = Json.MAPPER.createArrayNode();
            function.aliases().forEach(alias -> aliases.add(aliasJson(name, alias)));
            ObjectNode body = Json.object();
            body.set("Aliases", aliases);
            sendJson(exchange, 200, body);
            return;
        }
        String aliasName = rest.get(2);
        switch (method) {
            case "GET" -> sendJson(exchange, 200, aliasJson(name, function.alias(aliasName).orElseThrow(() ->
                    LambdaException.notFound("Alias not found: " + function.latest().functionArn() + ":" + aliasName))));
            case "PUT" -> {
                JsonNode body = readJson(exchange);
                LocalFunction.Alias existing = function.alias(aliasName).orElseThrow(() ->
                        LambdaException.notFound("Alias not found: " + function.latest().functionArn() + ":" + aliasName));
                sendJson(exchange, 200, aliasJson(name, function.putAlias(aliasName,
                        text(body, "FunctionVersion", existing.functionVersion()),
                        text(body, "Description", existing.description()), false)));
            }
            case "DELETE" -> {
                function.deleteAlias(aliasName);
                sendEmpty(exchange, 204);
            }
            default -> throw unknown(method, "aliases");
        }
    }

    private void routeTags(HttpExchange exchange, String method, String arn, Map<String, List<String>> query)
            throws IOException {
        LocalFunction function = functions.function(FunctionName.parse(arn));
        switch (method) {
            case "GET" -> {
                ObjectNode body = Json.object();
                body.set("Tags", Json.MAPPER.valueToTree(function.tags()));
                sendJson(exchange, 200, body);
            }
            case "POST" -> {
                JsonNode tags = readJson(exchange).path("Tags");
                Map<String, String> newTags = new LinkedHashMap<>();
                tags.fields().forEachRemaining(entry -> newTags.put(entry.getKey(), entry.getValue().asText()));
                function.tag(newTags);
                sendEmpty(exchange, 204);
            }
            case "DELETE" -> {
                function.untag(query.getOrDefault("tagKeys", List.of()));
                sendEmpty(exchange, 204);
            }
            default -> throw unknown(method, "tags");
        }
    }

    /**
     * The local service's own switch for fault injection: {@code GET} shows it, {@code PUT} with
     * the fields of {@link FaultInjection} (rates 0-1, {@code pendingDelayMillis}, {@code seed}) sets it.
     */
    private void routeFaults(HttpExchange exchange, String method) throws IOException {
        if (method.equals("PUT")) {
            JsonNode body = readJson(exchange);
            try {
                faults.set(new FaultInjection(body.path("throttleRate").asDouble(0),
                        body.path("serviceErrorRate").asDouble(0), body.path("deleteFailureRate").asDouble(0),
                        body.path("runtimeCrashRate").asDouble(0), body.path("runtimeHangRate").asDouble(0),
                        java.time.Duration.ofMillis(body.path("pendingDelayMillis").asLong(0)), body.path("seed").asLong(0),
                        body.path("errorAfterRunRate").asDouble(0)));
            } catch (IllegalArgumentException e) {
                throw LambdaException.invalidParameter(e.getMessage());
            }
        } else if (!method.equals("GET")) {
            throw unknown(method, "_local/faults");
        }
        FaultInjection now = faults.settings();
        sendJson(exchange, 200, Json.object().put("throttleRate", now.throttleRate())
                .put("serviceErrorRate", now.serviceErrorRate()).put("deleteFailureRate", now.deleteFailureRate())
                .put("runtimeCrashRate", now.runtimeCrashRate()).put("runtimeHangRate", now.runtimeHangRate())
                .put("pendingDelayMillis", now.pendingDelay().toMillis()).put("seed", now.seed())
                .put("errorAfterRunRate", now.errorAfterRunRate()));
    }

    // ---- Invoke ---------------------------------------------------------------------------------

    private void invoke(HttpExchange exchange, FunctionName name, String qualifier) throws IOException {
        var headers = exchange.getRequestHeaders();
        String invocationType = headerOr(exchange, "X-Amz-Invocation-Type", "RequestResponse");
        String logType = headerOr(exchange, "X-Amz-Log-Type", "None");
        if (!List.of("RequestResponse", "Event", "DryRun").contains(invocationType)) {
            throw LambdaException.validation(invocationType, "invocationType",
                    "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        }
        if (!List.of("None", "Tail").contains(logType)) {
            throw LambdaException.validation(logType, "logType", "Member must satisfy enum value set: [None, Tail]");
        }
        int limit = invocationType.equals("Event") ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
        byte[] payload = exchange.getRequestBody().readNBytes(limit + 1);
        if (payload.length > limit) {
            throw LambdaException.tooLarge(limit, invocationType.equals("Event") ? "InvokeAsync" : "InvokeFunction");
        }
        if (payload.length == 0) {
            payload = "{}".getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                Json.MAPPER.readTree(payload);
            } catch (JsonProcessingException e) {
                throw LambdaException.invalidContent("Could not parse request body into json: Could not parse payload into json: "
                        + e.getOriginalMessage());
            }
        }
        String clientContext = decodeClientContext(headers.getFirst("X-Amz-Client-Context"));
        FunctionRegistry.Target target = functions.invocationTarget(name, qualifier);
        var responseHeaders = exchange.getResponseHeaders();
        responseHeaders.set("X-Amz-Executed-Version", target.version().version());
        Invocation invocation = new Invocation(UUID.randomUUID().toString(), payload, clientContext,
                target.invokedArn());
        switch (invocationType) {
            case "DryRun" -> sendEmpty(exchange, 204);
            case "Event" -> {
                functions.invokeAsync(target, invocation);
                sendEmpty(exchange, 202);
            }
            default -> {
                InvocationResult result = functions.invoke(target, invocation);
                if (faults.failAfterRun()) {
                    throw new LambdaException(500, "ServiceException", "An internal error occurred (injected fault, after the function ran).");
                }
                if (result.functionError() != null) {
                    responseHeaders.set("X-Amz-Function-Error", result.functionError());
                }
                if (logType.equals("Tail")) {
                    responseHeaders.set("X-Amz-Log-Result", tail(result.log()));
                }
                send(exchange, 200, "application/json", result.payload());
            }
        }
    }

    /** The last 4 KB of the invocation's log, base64, as Lambda returns it. */
    static String tail(String log) {
        byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        int from = Math.max(0, bytes.length - LOG_TAIL_BYTES);
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, from, bytes.length));
    }

    private static String decodeClientContext(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded.trim());
            Json.MAPPER.readTree(decoded);
        } catch (IllegalArgumentException | IOException e) {
            throw LambdaException.invalidContent("Client context must be a valid Base64-encoded JSON object.");
        }
        if (encoded.trim().length() > MAX_CLIENT_CONTEXT_BYTES) {
            throw LambdaException.invalidParameter("Client context must be smaller than "
                    + MAX_CLIENT_CONTEXT_BYTES + " bytes.");
        }
        return new String(decoded, StandardCharsets.UTF_8);
    }

    // ---- answers --------------------------------------------------------------------------------

    private ObjectNode getFunction(FunctionName name, String qualifier) {
        FunctionVersion version = functions.version(name, qualifier);
        ObjectNode body = Json.object();
        body.set("Configuration", configuration(version));
        body.putObject("Code").put("RepositoryType", "S3")
                .put("Location", "file://" + version.code().directory());
        body.set("Tags", Json.MAPPER.valueToTree(functions.function(name).tags()));
        return body;
    }

    private ObjectNode listFunctions(Map<String, List<String>> query) {
        // The marker is the last name of the previous page (names sort uniquely), so functions deleted
        // between pages make no one else skip a page, as with AWS's opaque markers.
        String after = first(query, "Marker");
        int max = Math.max(1, Math.min(50, parseInt(first(query, "MaxItems"), 50)));
        List<FunctionVersion> rest = functions.all().stream().map(LocalFunction::latest)
                .filter(version -> after == null || version.name().compareTo(after) > 0).toList();
        ArrayNode page = Json.MAPPER.createArrayNode();
        rest.stream().limit(max).forEach(version -> page.add(configuration(version)));
        ObjectNode body = Json.object();
        body.set("Functions", page);
        if (rest.size() > max) {
            body.put("NextMarker", rest.get(max - 1).name());
        }
        return body;
    }

    private ObjectNode listVersions(FunctionName name) {
        ArrayNode versions = Json.MAPPER.createArrayNode();
        functions.function(name).versions().forEach(version -> versions.add(configuration(version)));
        ObjectNode body = Json.object();
        body.set("Versions", versions);
        return body;
    }

    private ObjectNode aliasJson(FunctionName name, LocalFunction.Alias alias) {
        return Json.object()
                .put("AliasArn", functions.function(name).latest().functionArn() + ":" + alias.name())
                .put("Name", alias.name())
                .put("FunctionVersion", alias.functionVersion())
                .put("Description", alias.description())
                .put("RevisionId", alias.revisionId());
    }

    private static ObjectNode accountSettings() {
        ObjectNode body = Json.object();
        body.putObject("AccountLimit").put("TotalCodeSize", 80530636800L).put("CodeSizeUnzipped", 262144000)
                .put("CodeSizeZipped", 52428800).put("ConcurrentExecutions", 1000)
                .put("UnreservedConcurrentExecutions", 1000);
        body.putObject("AccountUsage").put("TotalCodeSize", 0).put("FunctionCount", 0);
        return body;
    }

    /** A version's configuration as GetFunctionConfiguration, CreateFunction and ListFunctions return it. */
    ObjectNode configuration(FunctionVersion version) {
        return configuration(version, version.version().equals("$LATEST")
                ? functions.stateOf(version.name()) : LocalFunction.State.Active);
    }

    private ObjectNode configuration(FunctionVersion version, LocalFunction.State state) {
        ObjectNode body = Json.object()
                .put("FunctionName", version.name())
                .put("FunctionArn", version.versionArn())
                .put("Runtime", version.runtime())
                .put("Role", version.role())
                .put("Handler", version.handler())
                .put("CodeSize", version.code().size())
                .put("Description", version.description())
                .put("Timeout", version.timeout())
                .put("MemorySize", version.memorySize())
                .put("LastModified", version.lastModified())
                .put("CodeSha256", version.code().sha256())
                .put("Version", version.version());
        if (!version.environment().isEmpty()) {
            body.putObject("Environment").set("Variables", Json.MAPPER.valueToTree(version.environment()));
        }
        body.putObject("TracingConfig").put("Mode", "PassThrough");
        body.put("RevisionId", version.revisionId());
        body.put("State", state.name());
        if (state == LocalFunction.State.Pending) {
            body.put("StateReason", "The function is being created.").put("StateReasonCode", "Creating");
        } else {
            body.put("LastUpdateStatus", "Successful");
        }
        body.put("PackageType", "Zip");
        ArrayNode architectures = body.putArray("Architectures");
        version.architectures().forEach(architectures::add);
        body.putObject("EphemeralStorage").put("Size", 512);
        body.putObject("SnapStart").put("ApplyOn", "None").put("OptimizationStatus", "Off");
        body.putObject("RuntimeVersionConfig").put("RuntimeVersionArn",
                "arn:aws:lambda:" + functions.region() + "::runtime:local-" + version.runtime());
        body.putObject("LoggingConfig").put("LogFormat", "Text").put("LogGroup", "/aws/lambda/" + version.name());
        return body;
    }

    // ---- HTTP plumbing --------------------------------------------------------------------------

    private static JsonNode readJson(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readNBytes((int) FunctionCode.MAX_CREATE_REQUEST_BYTES + 1);
        if (body.length > FunctionCode.MAX_CREATE_REQUEST_BYTES) {
            throw LambdaException.tooLarge(FunctionCode.MAX_CREATE_REQUEST_BYTES, "CreateFunction");
        }
        if (body.length == 0) {
            return Json.object();
        }
        JsonNode node = Json.MAPPER.readTree(body);
        if (!node.isObject()) {
            throw LambdaException.invalidContent("Could not parse request body into json: expected an object");
        }
        return node;
    }

    static String text(JsonNode body, String field, String fallback) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }

    private static String headerOr(HttpExchange exchange, String name, String fallback) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return query;
    }

    private static String first(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    private static int parseInt(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static LambdaException unknown(String method, String path) {
        return new LambdaException(404, "UnknownOperationException", "Unknown operation " + method + " " + path);
    }

    private static void sendError(HttpExchange exchange, LambdaException error) throws IOException {
        exchange.getResponseHeaders().set("X-Amzn-ErrorType", error.code());
        ObjectNode body = Json.object().put("Type", error.status() >= 500 ? "Service" : "User");
        // AWS spells the field "Message" for ResourceNotFoundException and "message" elsewhere.
        body.put(error.code().equals("ResourceNotFoundException") ? "Message" : "message", error.getMessage());
        if (error.code().equals("TooManyRequestsException")) {
            body.put("Reason", "ConcurrentInvocationLimitExceeded");
            exchange.getResponseHeaders().set("Retry-After", "1");
        }
        sendJson(exchange, error.status(), body);
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", Json.MAPPER.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void sendEmpty(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

}
