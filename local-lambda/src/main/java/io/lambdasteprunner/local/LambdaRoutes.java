package io.lambdasteprunner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The Lambda API's operations, one method each: finds the operation a path and method name, reads
 * the request with {@link WireRequests}, acts through the {@link FunctionRegistry} and answers with
 * {@link WireShapes}. Knows the API's paths and headers; knows nothing of sockets (see {@link LambdaApi}).
 */
final class LambdaRoutes {

    /** Lambda's limit on a synchronous invoke request. */
    static final int MAX_SYNC_PAYLOAD_BYTES = io.lambdasteprunner.facts.LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES;
    /** Lambda's limit on an asynchronous invoke request. */
    static final int MAX_ASYNC_PAYLOAD_BYTES = io.lambdasteprunner.facts.LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES;
    /** Lambda's limit on the client context, measured base64-encoded as AWS documents it. */
    static final int MAX_CLIENT_CONTEXT_BYTES = io.lambdasteprunner.facts.LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES;
    /** The most AWS takes in one CreateFunction request (a 50 MB zip in base64, plus the rest). */
    static final int MAX_CREATE_REQUEST_BYTES = 70_167_211;
    /** Control-plane requests other than code uploads are small; this bounds what one may make us hold. */
    static final int MAX_CONTROL_REQUEST_BYTES = 1_048_576;
    static final int LOG_TAIL_BYTES = io.lambdasteprunner.facts.LambdaLimits.LOG_TAIL_BYTES;
    /** Lambda returns at most 50 items a page, whatever MaxItems asks. */
    static final int PAGE_LIMIT = 50;

    private final FunctionRegistry functions;
    private final NothingConfigured unconfigured;

    LambdaRoutes(FunctionRegistry functions) {
        this.functions = functions;
        this.unconfigured = new NothingConfigured(functions);
    }

    ApiResponse answer(ApiRequest request) throws IOException {
        List<String> path = request.path();
        String api = path.isEmpty() ? "" : path.get(0);
        String method = request.method();
        if (path.size() >= 2 && path.get(1).equals("functions")) {
            List<String> rest = path.subList(2, path.size());
            switch (api) {
                case "2015-03-31" -> {
                    return functions(request, rest);
                }
                case "2017-10-31", "2019-09-30" -> {
                    if (rest.size() == 2 && rest.get(1).equals("concurrency")) {
                        return concurrency(request, rest.get(0), api);
                    }
                }
                case "2019-09-25" -> {
                    if (rest.size() >= 2 && rest.get(1).equals("event-invoke-config")) {
                        return eventInvokeConfig(request, rest);
                    }
                }
                case "2024-08-31" -> {
                    if (rest.size() == 2 && rest.get(1).equals("recursion-config")
                            && (method.equals("GET") || method.equals("PUT"))) {
                        return recursionConfig(request, FunctionName.parse(rest.get(0)));
                    }
                }
                default -> { }
            }
        } else if (api.equals("2017-03-31") && path.size() == 3 && path.get(1).equals("tags")) {
            return tags(request, path.get(2));
        } else if (api.equals("2016-08-19") && path.size() == 2 && path.get(1).equals("account-settings")
                && method.equals("GET")) {
            return ApiResponse.json(200, WireShapes.accountSettings(functions.usage()));
        }
        return unconfigured.answer(request).orElseThrow(() -> Operations.unsupported(method, path));
    }

    private ApiResponse functions(ApiRequest request, List<String> rest) throws IOException {
        String method = request.method();
        if (rest.isEmpty()) {
            return switch (method) {
                case "POST" -> createFunction(request);
                case "GET" -> listFunctions(request);
                default -> throw Operations.unsupported(method, request.path());
            };
        }
        String reference = rest.get(0);
        String resource = rest.size() > 1 ? rest.get(1) : "";
        String qualifier = FunctionName.checkQualifierOfRead(reference, request.query("Qualifier"));
        if (resource.equals("aliases") && rest.size() == 3) {
            return alias(request, FunctionName.parse(reference), rest.get(2));
        }
        if (resource.equals("policy") && rest.size() == 3 && method.equals("DELETE")) {
            functions.removePermission(FunctionName.parse(reference), qualifier,
                    WireRequests.statementIdToRemove(rest.get(2)), request.query("RevisionId"));
            return ApiResponse.empty(204);
        }
        if (rest.size() > 2) {
            throw Operations.unsupported(method, request.path());
        }
        return switch (resource + " " + method) {
            case " GET" -> getFunction(FunctionName.parse(reference), qualifier);
            case " DELETE" -> {
                functions.delete(FunctionName.parse(reference), qualifier);
                yield ApiResponse.empty(204);
            }
            case "configuration GET" -> {
                FunctionRegistry.Resolved resolved = functions.version(FunctionName.parse(reference), qualifier);
                yield ApiResponse.json(200, configuration(resolved));
            }
            case "configuration PUT" -> {
                FunctionName name = FunctionName.parseForUpdate(reference);
                FunctionVersion updated = functions.updateConfiguration(name,
                        WireRequests.configurationChange(json(request)));
                yield ApiResponse.json(200, WireShapes.configuration(updated, new WireShapes.View(updated.functionArn(),
                        LocalFunction.State.Active, LocalFunction.UpdateStatus.InProgress), functions.region()));
            }
            case "code PUT" -> updateCode(request, FunctionName.parseForUpdate(reference));
            case "invocations POST" -> invoke(request, FunctionName.parse(reference), qualifier);
            case "versions POST" -> {
                FunctionVersion version = functions.publishVersion(FunctionName.parse(reference),
                        WireRequests.publish(json(request)));
                yield ApiResponse.json(201, publishedView(version, LocalFunction.UpdateStatus.Successful));
            }
            case "versions GET" -> listVersions(request, FunctionName.parse(reference));
            case "aliases POST" -> {
                FunctionName name = FunctionName.parse(reference);
                LocalFunction.Alias alias = functions.createAlias(name, WireRequests.newAlias(json(request)));
                yield ApiResponse.json(201, WireShapes.alias(functions.functionArn(name.name()), alias));
            }
            case "aliases GET" -> listAliases(request, FunctionName.parse(reference));
            case "policy POST" -> {
                ResourcePolicy.Statement statement = functions.addPermission(FunctionName.parse(reference), qualifier,
                        WireRequests.permission(json(request)));
                yield ApiResponse.json(201, WireShapes.addedStatement(statement, functions.scope().accountId()));
            }
            case "policy GET" -> ApiResponse.json(200, WireShapes.policy(
                    functions.policy(FunctionName.parse(reference), qualifier), functions.scope().accountId()));
            default -> throw Operations.unsupported(method, request.path());
        };
    }

    // ---- functions ------------------------------------------------------------------------------

    private ApiResponse createFunction(ApiRequest request) throws IOException {
        JsonNode body = request.json(MAX_CREATE_REQUEST_BYTES, size -> LambdaException.tooLarge(
                MAX_CREATE_REQUEST_BYTES, "CreateFunction"));
        FunctionRegistry.Created created = functions.create(WireRequests.newFunction(body));
        // Lambda answers Pending however soon the function becomes Active; with Publish, the new version.
        FunctionVersion shown = created.published() != null ? created.published() : created.latest();
        return ApiResponse.json(201, WireShapes.configuration(shown, new WireShapes.View(
                created.latest().functionArn(), LocalFunction.State.Pending, null), functions.region()));
    }

    private ApiResponse updateCode(ApiRequest request, FunctionName name) throws IOException {
        JsonNode body = request.json(MAX_CREATE_REQUEST_BYTES, size -> LambdaException.tooLarge(
                MAX_CREATE_REQUEST_BYTES, "UpdateFunctionCode"));
        FunctionVersion updated = functions.updateCode(name, WireRequests.codeChange(body));
        // With Publish, the new version: Pending (no update status) until the update's code is ready, as recorded.
        WireShapes.View view = updated.isLatest()
                ? new WireShapes.View(updated.versionArn(), LocalFunction.State.Active, LocalFunction.UpdateStatus.InProgress)
                : new WireShapes.View(updated.versionArn(), LocalFunction.State.Pending, null);
        return ApiResponse.json(200, WireShapes.configuration(updated, view, functions.region()));
    }

    private ApiResponse getFunction(FunctionName name, String qualifier) {
        FunctionRegistry.Resolved resolved = functions.version(name, qualifier);
        ObjectNode body = Json.object();
        body.set("Configuration", configuration(resolved));
        body.putObject("Code").put("RepositoryType", "S3")
                .put("Location", "file://" + resolved.version().code().directory());
        Map<String, String> tags = resolved.function().tags();
        if (!tags.isEmpty()) {
            body.set("Tags", Json.MAPPER.valueToTree(tags));
        }
        resolved.function().reservedConcurrency().ifPresent(reserved ->
                body.set("Concurrency", WireShapes.concurrency(reserved)));
        return ApiResponse.json(200, body);
    }

    /** A version's configuration as GetFunction(Configuration) shows it, reached by {@code resolved.arn()}. */
    private ObjectNode configuration(FunctionRegistry.Resolved resolved) {
        FunctionVersion version = resolved.version();
        LocalFunction function = resolved.function();
        WireShapes.View view;
        if (version.isLatest()) {
            view = new WireShapes.View(resolved.arn(), function.state(), function.lastUpdateStatus());
        } else if (function.isPending(version.version())) {
            view = new WireShapes.View(resolved.arn(), LocalFunction.State.Pending, null);
        } else {
            view = new WireShapes.View(resolved.arn(), LocalFunction.State.Active, LocalFunction.UpdateStatus.Successful);
        }
        return WireShapes.configuration(version, view, functions.region());
    }

    private ObjectNode publishedView(FunctionVersion version, LocalFunction.UpdateStatus status) {
        return WireShapes.configuration(version, new WireShapes.View(version.versionArn(), LocalFunction.State.Active,
                status), functions.region());
    }

    private ApiResponse listFunctions(ApiRequest request) {
        String all = request.query("FunctionVersion");
        if (all != null && !all.equals("ALL")) {
            throw LambdaException.validation(all, "functionVersion", "Member must satisfy enum value set: [ALL]");
        }
        ControlRequests.Page page = WireRequests.page(request, PAGE_LIMIT);
        List<FunctionVersion> versions = new ArrayList<>();
        for (LocalFunction function : functions.all()) {
            if (all == null) {
                versions.add(function.latest());
            } else {
                versions.addAll(function.versions());
            }
        }
        // The marker is the last item of the previous page (names sort uniquely), so functions deleted
        // between pages make no one else skip a page, as with AWS's opaque markers.
        List<String> keys = versions.stream().map(FunctionVersion::qualifiedArn).toList();
        int from = page.marker() == null ? 0 : keys.indexOf(page.marker()) + 1;
        if (page.marker() != null && from == 0) {
            from = (int) keys.stream().filter(key -> key.compareTo(page.marker()) <= 0).count();
        }
        int to = Math.min(versions.size(), from + page.maxItems());
        List<ObjectNode> items = versions.subList(from, to).stream()
                .map(version -> WireShapes.configuration(version, WireShapes.View.listItem(
                        all == null ? version.versionArn() : version.qualifiedArn()), functions.region()))
                .toList();
        return ApiResponse.json(200, WireShapes.list("Functions", items, to < versions.size() ? keys.get(to - 1) : null));
    }

    private ApiResponse listVersions(ApiRequest request, FunctionName name) {
        ControlRequests.Page page = WireRequests.page(request, PAGE_LIMIT);
        List<FunctionVersion> versions = functions.function(name).versions();
        List<String> keys = versions.stream().map(FunctionVersion::version).toList();
        int from = page.marker() == null ? 0 : keys.indexOf(page.marker()) + 1;
        int to = Math.min(versions.size(), from + page.maxItems());
        List<ObjectNode> items = versions.subList(from, to).stream()
                .map(version -> WireShapes.configuration(version, WireShapes.View.listItem(version.qualifiedArn()),
                        functions.region()))
                .toList();
        return ApiResponse.json(200, WireShapes.list("Versions", items, to < versions.size() ? keys.get(to - 1) : null));
    }

    // ---- aliases --------------------------------------------------------------------------------

    private ApiResponse listAliases(ApiRequest request, FunctionName name) {
        String version = request.query("FunctionVersion");
        WireRequests.Violations violations = new WireRequests.Violations();
        violations.lengthBetween(version, "functionVersion", 1, 1024);
        violations.pattern(version, "functionVersion", WireRequests.ALIAS_VERSION);
        violations.throwIfAny();
        ControlRequests.Page page = WireRequests.page(request, PAGE_LIMIT);
        List<LocalFunction.Alias> aliases = functions.aliases(name, version);
        List<String> keys = aliases.stream().map(LocalFunction.Alias::name).toList();
        int from = page.marker() == null ? 0 : (int) keys.stream().filter(key -> key.compareTo(page.marker()) <= 0).count();
        int to = Math.min(aliases.size(), from + page.maxItems());
        String arn = functions.functionArn(name.name());
        List<ObjectNode> items = aliases.subList(from, to).stream().map(alias -> WireShapes.alias(arn, alias)).toList();
        return ApiResponse.json(200, WireShapes.list("Aliases", items, to < aliases.size() ? keys.get(to - 1) : null));
    }

    private ApiResponse alias(ApiRequest request, FunctionName name, String aliasName) throws IOException {
        String arn = functions.functionArn(name.name());
        return switch (request.method()) {
            case "GET" -> ApiResponse.json(200, WireShapes.alias(arn, functions.alias(name, aliasName)));
            case "PUT" -> ApiResponse.json(200, WireShapes.alias(arn,
                    functions.updateAlias(name, WireRequests.aliasUpdate(aliasName, json(request)))));
            case "DELETE" -> {
                functions.deleteAlias(name, aliasName);
                yield ApiResponse.empty(204);
            }
            default -> throw Operations.unsupported(request.method(), request.path());
        };
    }

    // ---- tags and concurrency -------------------------------------------------------------------

    private ApiResponse tags(ApiRequest request, String arn) throws IOException {
        FunctionName name = WireRequests.taggableArn(arn);
        return switch (request.method()) {
            case "GET" -> {
                ObjectNode body = Json.object();
                body.set("Tags", Json.MAPPER.valueToTree(functions.function(name).tags()));
                yield ApiResponse.json(200, body);
            }
            case "POST" -> {
                functions.tag(name, WireRequests.tags(json(request)));
                yield ApiResponse.empty(204);
            }
            case "DELETE" -> {
                List<String> keys = request.queryValues("tagKeys");
                if (keys.isEmpty()) {
                    throw LambdaException.validation(null, "tagKeys", "Member must not be null");
                }
                functions.function(name).untag(keys);
                yield ApiResponse.empty(204);
            }
            default -> throw Operations.unsupported(request.method(), request.path());
        };
    }

    private ApiResponse concurrency(ApiRequest request, String reference, String api) throws IOException {
        FunctionName name = FunctionName.parseForUpdate(reference);
        return switch (api + " " + request.method()) {
            case "2017-10-31 PUT" -> ApiResponse.json(200, WireShapes.concurrency(
                    functions.reserveConcurrency(name, WireRequests.reservedConcurrency(json(request)))));
            case "2019-09-30 GET" -> ApiResponse.json(200,
                    WireShapes.concurrency(functions.reservedConcurrency(name).orElse(null)));
            case "2017-10-31 DELETE" -> {
                functions.releaseConcurrency(name);
                yield ApiResponse.empty(204);
            }
            default -> throw Operations.unsupported(request.method(), request.path());
        };
    }

    /** Get/PutFunctionRecursionConfig; the model's enum is checked before the function is looked up (recorded). */
    private ApiResponse recursionConfig(ApiRequest request, FunctionName name) throws IOException {
        String loop = request.method().equals("GET") ? functions.recursiveLoop(name)
                : functions.putRecursiveLoop(name, WireRequests.recursiveLoop(json(request)));
        return ApiResponse.json(200, Json.object().put("RecursiveLoop", loop));
    }

    // ---- asynchronous invocation settings ---------------------------------------------------------

    /** Put/Update/Get/DeleteFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs. */
    private ApiResponse eventInvokeConfig(ApiRequest request, List<String> rest) throws IOException {
        String method = request.method();
        String reference = rest.get(0);
        if (rest.size() == 3 && rest.get(2).equals("list") && method.equals("GET")) {
            return listEventInvokeConfigs(request, FunctionName.parse(reference));
        }
        if (rest.size() != 2) {
            throw Operations.unsupported(method, request.path());
        }
        String qualifier = FunctionName.checkQualifierOfRead(reference, request.query("Qualifier"));
        FunctionName name = FunctionName.parse(reference);
        EventInvokeConfig config = switch (method) {
            case "PUT" -> functions.putEventInvokeConfig(name, qualifier, WireRequests.eventInvokeConfig(json(request)));
            case "POST" -> functions.updateEventInvokeConfig(name, qualifier,
                    WireRequests.eventInvokeConfig(json(request)));
            case "GET" -> functions.eventInvokeConfig(name, qualifier);
            case "DELETE" -> {
                functions.deleteEventInvokeConfig(name, qualifier);
                yield null;
            }
            default -> throw Operations.unsupported(method, request.path());
        };
        return config == null ? ApiResponse.empty(204)
                : ApiResponse.json(200, WireShapes.eventInvokeConfig(functions.functionArn(name.name()), config));
    }

    /** At most {@code MaxItems} (1-50, the model's range) a page; the marker is the last qualifier shown. */
    private ApiResponse listEventInvokeConfigs(ApiRequest request, FunctionName name) {
        ControlRequests.Page page = WireRequests.page(request, PAGE_LIMIT);
        String max = request.query("MaxItems");
        if (max != null && Integer.parseInt(max) > PAGE_LIMIT) {
            throw LambdaException.validation(max, "maxItems", "Member must have value less than or equal to "
                    + PAGE_LIMIT);
        }
        List<EventInvokeConfig> configs = functions.eventInvokeConfigs(name);
        int from = page.marker() == null ? 0
                : (int) configs.stream().filter(c -> c.qualifier().compareTo(page.marker()) <= 0).count();
        int to = Math.min(configs.size(), from + page.maxItems());
        String arn = functions.functionArn(name.name());
        List<ObjectNode> items = configs.subList(from, to).stream()
                .map(config -> WireShapes.eventInvokeConfig(arn, config)).toList();
        return ApiResponse.json(200, WireShapes.list("FunctionEventInvokeConfigs", items,
                to < configs.size() ? configs.get(to - 1).qualifier() : null));
    }

    // ---- invoke ---------------------------------------------------------------------------------

    private ApiResponse invoke(ApiRequest request, FunctionName name, String qualifier) throws IOException {
        String invocationType = request.header("X-Amz-Invocation-Type", "RequestResponse");
        String logType = request.header("X-Amz-Log-Type", "None");
        if (!List.of("RequestResponse", "Event", "DryRun").contains(invocationType)) {
            throw LambdaException.validation(invocationType, "invocationType",
                    "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        }
        if (!List.of("None", "Tail").contains(logType)) {
            throw LambdaException.validation(logType, "logType", "Member must satisfy enum value set: [None, Tail]");
        }
        boolean event = invocationType.equals("Event");
        byte[] payload = request.bytes(MAX_SYNC_PAYLOAD_BYTES, size -> LambdaException.tooLarge(MAX_SYNC_PAYLOAD_BYTES,
                "InvokeFunction"));
        if (event && payload.length > MAX_ASYNC_PAYLOAD_BYTES) {
            throw LambdaException.entityTooLarge(payload.length + " byte payload is too large for the Event invocation "
                    + "type (limit " + MAX_ASYNC_PAYLOAD_BYTES + " bytes)");
        }
        if (payload.length == 0) {
            payload = "{}".getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                Json.MAPPER.readTree(payload);
            } catch (JsonProcessingException e) {
                // Jackson's message with its location, as AWS's own parser (Jackson too) words it.
                throw LambdaException.invalidContent("Could not parse request body into json: Could not parse payload "
                        + "into json: " + e.getMessage());
            }
        }
        String clientContext = decodeClientContext(request.header("X-Amz-Client-Context", null));
        FunctionRegistry.Target target = functions.invocationTarget(name, qualifier);
        Invocation invocation = new Invocation(UUID.randomUUID().toString(), payload, clientContext, target.invokedArn());
        // Only a synchronous answer says which version ran (Event and DryRun carry no X-Amz-Executed-Version).
        return switch (invocationType) {
            case "DryRun" -> ApiResponse.empty(204);
            case "Event" -> {
                functions.invokeAsync(target, invocation);
                yield ApiResponse.empty(202).withHeader("x-amzn-RequestId", invocation.requestId);
            }
            default -> {
                InvocationResult result = functions.invoke(target, invocation);
                // One request id per invocation: the header, the function's context and the log lines agree.
                ApiResponse response = ApiResponse.bytes(200, result.payload())
                        .withHeader("x-amzn-RequestId", invocation.requestId)
                        .withHeader("X-Amz-Executed-Version", target.version().version());
                if (result.functionError() != null) {
                    response = response.withHeader("X-Amz-Function-Error", result.functionError());
                }
                if (logType.equals("Tail")) {
                    response = response.withHeader("X-Amz-Log-Result", tail(result.log()));
                }
                yield response;
            }
        };
    }

    /** The last 4 KB of the invocation's log, base64, as Lambda returns it. */
    static String tail(String log) {
        byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        int from = Math.max(0, bytes.length - LOG_TAIL_BYTES);
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, from, bytes.length));
    }

    private static String decodeClientContext(String encoded) {
        if (encoded == null) {
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

    private static JsonNode json(ApiRequest request) throws IOException {
        return request.json(MAX_CONTROL_REQUEST_BYTES, size -> LambdaException.entityTooLarge(
                "Request must be smaller than " + MAX_CONTROL_REQUEST_BYTES + " bytes"));
    }
}
