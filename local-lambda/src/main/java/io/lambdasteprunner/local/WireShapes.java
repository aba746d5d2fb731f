package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Writes the Lambda API's JSON answers in the shapes AWS returns them: a function configuration as
 * each operation shows it, aliases, policies, concurrency, account settings and errors.
 */
final class WireShapes {

    /** Error codes whose message member botocore's model spells {@code Message}; the rest use {@code message}. */
    private static final Set<String> CAPITAL_MESSAGE = Set.of("ResourceNotFoundException", "ServiceException",
            "RequestEntityTooLargeException", "AccessDeniedException");
    /** Codes Lambda does not model: AWS sends them without the {@code Type} member. */
    private static final Set<String> UNMODELLED = Set.of("ValidationException", "RequestEntityTooLargeException",
            "AccessDeniedException", "UnknownOperationException", "NotImplementedException");

    private WireShapes() {
    }

    /**
     * How one answer shows a version: the ARN it is reached by, the function's state and update status
     * (null where the answer leaves them out: list items).
     */
    record View(String functionArn, LocalFunction.State state, LocalFunction.UpdateStatus lastUpdate) {

        /** As list items show it: no state, no update status, no runtime version. */
        static View listItem(String functionArn) {
            return new View(functionArn, null, null);
        }
    }

    static ObjectNode configuration(FunctionVersion version, View view, String region) {
        ObjectNode body = Json.object()
                .put("FunctionName", version.name())
                .put("FunctionArn", view.functionArn())
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
        if (version.environmentShown() || !version.environment().isEmpty()) {
            body.putObject("Environment").set("Variables", Json.MAPPER.valueToTree(version.environment()));
        }
        body.putObject("TracingConfig").put("Mode", "PassThrough");
        body.put("RevisionId", version.revisionId());
        if (view.state() != null) {
            body.put("State", view.state().name());
            if (view.state() == LocalFunction.State.Pending) {
                body.put("StateReason", "The function is being created.").put("StateReasonCode", "Creating");
            }
        }
        if (view.lastUpdate() != null) {
            body.put("LastUpdateStatus", view.lastUpdate().name());
            if (view.lastUpdate() == LocalFunction.UpdateStatus.InProgress) {
                // AWS's words for an update too (recorded).
                body.put("LastUpdateStatusReason", "The function is being created.")
                        .put("LastUpdateStatusReasonCode", "Creating");
            }
        }
        body.put("PackageType", "Zip");
        ArrayNode architectures = body.putArray("Architectures");
        version.architectures().forEach(architectures::add);
        body.putObject("EphemeralStorage").put("Size", version.ephemeralStorage());
        // A published version of a SnapStart function answers On (API_SnapStartResponse: "whether SnapStart is
        // activated for the specified function version"); $LATEST never has a snapshot.
        body.putObject("SnapStart").put("ApplyOn", version.snapStart()).put("OptimizationStatus",
                !version.isLatest() && !version.snapStart().equals(FunctionVersion.SNAP_START_OFF) ? "On" : "Off");
        if (view.state() != null) {
            body.putObject("RuntimeVersionConfig").put("RuntimeVersionArn", runtimeVersionArn(region, version.runtime()));
        }
        body.set("LoggingConfig", loggingConfig(version.loggingConfig()));
        if (version.vpcDetached()) {
            // As AWS answers a VpcConfig given without subnets (recorded: test_vpc_config, delete_vpcconfig_*).
            ObjectNode vpc = body.putObject("VpcConfig");
            vpc.putArray("SubnetIds");
            vpc.putArray("SecurityGroupIds");
            vpc.put("VpcId", "").put("Ipv6AllowedForDualStack", false);
        }
        return body;
    }

    /**
     * A runtime version's ARN as AWS writes it: 64 hex digits name the version. Here they are the
     * SHA-256 of the runtime's identifier, so each runtime keeps one version, as a function pinned to it would.
     */
    static String runtimeVersionArn(String region, String runtime) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(runtime.getBytes(StandardCharsets.UTF_8));
            return "arn:aws:lambda:" + region + "::runtime:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static ObjectNode loggingConfig(LoggingConfig logging) {
        ObjectNode node = Json.object().put("LogFormat", logging.logFormat());
        if (logging.applicationLogLevel() != null) {
            node.put("ApplicationLogLevel", logging.applicationLogLevel());
        }
        if (logging.systemLogLevel() != null) {
            node.put("SystemLogLevel", logging.systemLogLevel());
        }
        return node.put("LogGroup", logging.logGroup());
    }

    static ObjectNode list(String member, List<ObjectNode> items, String nextMarker) {
        ObjectNode body = Json.object();
        ArrayNode array = body.putArray(member);
        items.forEach(array::add);
        if (nextMarker != null) {
            body.put("NextMarker", nextMarker);
        }
        return body;
    }

    static ObjectNode alias(String functionArn, LocalFunction.Alias alias) {
        ObjectNode body = Json.object()
                .put("AliasArn", functionArn + ":" + alias.name())
                .put("Name", alias.name())
                .put("FunctionVersion", alias.functionVersion())
                .put("Description", alias.description());
        if (!alias.additionalVersionWeights().isEmpty()) {
            ObjectNode weights = body.putObject("RoutingConfig").putObject("AdditionalVersionWeights");
            alias.additionalVersionWeights().forEach(weights::put);
        }
        return body.put("RevisionId", alias.revisionId());
    }

    /** One policy statement as IAM policy JSON, as AWS renders AddPermission's request. */
    static ObjectNode statement(ResourcePolicy.Statement statement, String accountId) {
        ObjectNode node = Json.object().put("Sid", statement.statementId()).put("Effect", "Allow");
        String principal = statement.principal();
        if (principal.equals("*")) {
            node.put("Principal", "*");
        } else if (principal.matches("\\d{12}")) {
            node.putObject("Principal").put("AWS", "arn:aws:iam::" + principal + ":root");
        } else if (principal.startsWith("arn:")) {
            node.putObject("Principal").put("AWS", principal);
        } else {
            node.putObject("Principal").put("Service", principal);
        }
        node.put("Action", statement.action()).put("Resource", statement.resource());
        ObjectNode condition = Json.object();
        if (statement.sourceArn() != null) {
            condition.putObject("ArnLike").put("AWS:SourceArn", statement.sourceArn());
        }
        ObjectNode equals = Json.object();
        if (statement.sourceAccount() != null) {
            equals.put("AWS:SourceAccount", statement.sourceAccount());
        }
        if (statement.principalOrgId() != null) {
            equals.put("aws:PrincipalOrgID", statement.principalOrgId());
        }
        if (statement.eventSourceToken() != null) {
            equals.put("lambda:EventSourceToken", statement.eventSourceToken());
        }
        if (statement.functionUrlAuthType() != null) {
            equals.put("lambda:FunctionUrlAuthType", statement.functionUrlAuthType());
        }
        if (!equals.isEmpty()) {
            condition.set("StringEquals", equals);
        }
        if (!condition.isEmpty()) {
            node.set("Condition", condition);
        }
        return node;
    }

    /** AddPermission's answer: the statement as a JSON string. */
    static ObjectNode addedStatement(ResourcePolicy.Statement statement, String accountId) {
        return Json.object().put("Statement", statement(statement, accountId).toString());
    }

    /** GetPolicy's answer: the whole policy as a JSON string, and its RevisionId. */
    static ObjectNode policy(ResourcePolicy policy, String accountId) {
        ObjectNode document = Json.object().put("Version", "2012-10-17").put("Id", "default");
        ArrayNode statements = document.putArray("Statement");
        policy.statements().forEach(statement -> statements.add(statement(statement, accountId)));
        return Json.object().put("Policy", document.toString()).put("RevisionId", policy.revisionId());
    }

    /**
     * A FunctionEventInvokeConfig as AWS answers it (recorded: test_lambda_eventinvokeconfig_*): both
     * destinations always there, empty when not set; the settings only when set; LastModified in epoch
     * seconds, the model's timestamp.
     */
    static ObjectNode eventInvokeConfig(String functionArn, EventInvokeConfig config) {
        ObjectNode body = Json.object();
        ObjectNode destinations = body.putObject("DestinationConfig");
        ObjectNode onFailure = destinations.putObject("OnFailure");
        if (config.onFailure() != null) {
            onFailure.put("Destination", config.onFailure());
        }
        ObjectNode onSuccess = destinations.putObject("OnSuccess");
        if (config.onSuccess() != null) {
            onSuccess.put("Destination", config.onSuccess());
        }
        body.put("FunctionArn", functionArn + ":" + config.qualifier());
        body.put("LastModified", config.lastModified().toEpochMilli() / 1000.0);
        if (config.maximumEventAgeInSeconds() != null) {
            body.put("MaximumEventAgeInSeconds", config.maximumEventAgeInSeconds());
        }
        if (config.maximumRetryAttempts() != null) {
            body.put("MaximumRetryAttempts", config.maximumRetryAttempts());
        }
        return body;
    }

    private static final java.time.format.DateTimeFormatter RECORD_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /**
     * The invocation record Lambda sends a destination (as recorded in test_lambda_destinations: the
     * body of each SQS message, the detail of each EventBridge event): the request and the response
     * payloads as JSON, and for a failure the function error.
     */
    static ObjectNode invocationRecord(String requestId, String functionArn, String condition, int invokeCount,
                                       byte[] request, String executedVersion, InvocationResult result,
                                       java.time.Instant now) {
        ObjectNode record = Json.object().put("version", "1.0").put("timestamp", RECORD_TIME.format(now));
        record.putObject("requestContext").put("requestId", requestId).put("functionArn", functionArn)
                .put("condition", condition).put("approximateInvokeCount", invokeCount);
        record.set("requestPayload", payload(request));
        ObjectNode response = record.putObject("responseContext").put("statusCode", 200)
                .put("executedVersion", executedVersion);
        if (result.functionError() != null) {
            response.put("functionError", result.functionError());
        }
        record.set("responsePayload", payload(result.payload()));
        return record;
    }

    /** A payload as JSON, or as a string when it is none (a function may answer any bytes). */
    private static com.fasterxml.jackson.databind.JsonNode payload(byte[] bytes) {
        try {
            com.fasterxml.jackson.databind.JsonNode parsed = Json.MAPPER.readTree(bytes);
            return parsed == null || parsed.isMissingNode() ? Json.MAPPER.nullNode() : parsed;
        } catch (java.io.IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    static ObjectNode concurrency(Integer reserved) {
        ObjectNode body = Json.object();
        if (reserved != null) {
            body.put("ReservedConcurrentExecutions", reserved);
        }
        return body;
    }

    static ObjectNode accountSettings(FunctionRegistry.Usage usage) {
        ObjectNode body = Json.object();
        body.putObject("AccountLimit").put("TotalCodeSize", 80530636800L).put("CodeSizeUnzipped", 262144000)
                .put("CodeSizeZipped", 52428800).put("ConcurrentExecutions", usage.concurrentExecutions())
                .put("UnreservedConcurrentExecutions", usage.unreservedConcurrentExecutions());
        body.putObject("AccountUsage").put("TotalCodeSize", usage.totalCodeSize()).put("FunctionCount",
                usage.functionCount());
        return body;
    }

    /** An error body in the shape botocore's model gives its code (Lambda's codes are not all alike). */
    static ApiResponse error(LambdaException error) {
        ObjectNode body = Json.object();
        if (!UNMODELLED.contains(error.code()) && error.typed()) {
            body.put("Type", error.status() >= 500 ? "Service" : "User");
        }
        body.put(CAPITAL_MESSAGE.contains(error.code()) ? "Message" : "message", error.getMessage());
        ApiResponse response = ApiResponse.json(error.status(), body).withHeader("X-Amzn-ErrorType", error.code());
        if (error.reason() != null) {
            body.put("Reason", error.reason());
            response = ApiResponse.json(error.status(), body).withHeader("X-Amzn-ErrorType", error.code())
                    .withHeader("Retry-After", "1");
        }
        return response;
    }
}
