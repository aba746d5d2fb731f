package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaLimits;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.InvokeOptions;
import io.lambdasteprunner.step.StepRequest.LogType;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the JSON a user writes into a {@link StepRequest}: checks every field's presence, type and
 * range, refuses unknown fields (a typo must not be silently ignored), and expands data variables in
 * {@code code}, {@code description} and the string values of {@code payload}.
 *
 * <p>Every problem is a {@link StepFailure} whose message names the field and says what to write
 * instead. Stateless and thread-safe.
 */
public final class StepRequestParser {

    private static final List<String> COMMON = List.of("action", "variables");
    /** Where the step acts: another region, another account (by an assumed role). {@code sweep} takes these too. */
    private static final List<String> TARGET = List.of("region", "assumeRoleArn", "externalId");
    private static final List<String> INVOKE_OPTIONS =
            List.of("payload", "invocationType", "clientContext", "logType", "failOnFunctionError");
    private static final List<String> INVOKE_ONLY = List.of("functionName", "qualifier");
    private static final List<String> CUSTOM_CODE_ONLY = List.of("runtime", "code", "handler", "roleArn",
            "deleteAfterExecution", "description", "tags", "timeoutSeconds", "memorySize", "environment", "reuse");
    /** Tags a step may ask for: Lambda's 50, less room for the runner's own. */
    private static final int MAX_STEP_TAGS = LambdaLimits.TAGS_PER_FUNCTION - 5;
    private static final Pattern ENV_KEY = Pattern.compile("[a-zA-Z]\\w*");
    /** The client context parts Lambda's runtimes read as maps of strings. */
    private static final List<String> CLIENT_CONTEXT_MAPS = List.of("client", "custom", "env");
    private static final DataVariables.Limit CODE_LIMIT = new DataVariables.Limit(FunctionSource.MAX_CODE_BYTES,
            StepError.CODE_TOO_LARGE, "a step accepts at most " + FunctionSource.MAX_CODE_BYTES
            + " bytes of code (deploy bigger functions yourself and use action invoke)");
    /** Base64 grows text by a third: this much JSON text is already past Lambda's limit. */
    private static final DataVariables.Limit CLIENT_CONTEXT_LIMIT = new DataVariables.Limit(
            LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES * 3 / 4 + 1, StepError.PAYLOAD_TOO_LARGE,
            "Lambda accepts " + LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES + " bytes of client context, base64-encoded");

    /**
     * What {@code json} asks for, decided here once from its {@code action}: a step ({@code invoke},
     * {@code customCode}) or the orphan sweep ({@code sweep}, which takes no other fields).
     *
     * @throws StepFailure {@code InvalidStepRequest}, {@code UnknownVariable}, {@code UnsupportedRuntime},
     *                     {@code CodeTooLarge} or {@code PayloadTooLarge}
     */
    public RunnerRequest parseRequest(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw invalid("the step request must be a JSON object with an \"action\" of \"invoke\" or \"customCode\"");
        }
        JsonNode action = json.get("action");
        if (action == null || action.isNull()) {
            throw invalid("action is required: \"invoke\" (run an existing function) or \"customCode\" "
                    + "(create a function from code, run it, delete it)");
        }
        String name = action.isTextual() ? action.textValue() : action.toString();
        return switch (name) {
            case "invoke" -> {
                DataVariables variables = DataVariables.from(json.get("variables"));
                checkFields(json, name, INVOKE_ONLY);
                yield parseInvoke(json, variables);
            }
            case "customCode" -> {
                DataVariables variables = DataVariables.from(json.get("variables"));
                checkFields(json, name, CUSTOM_CODE_ONLY);
                yield parseCustomCode(json, variables);
            }
            case "sweep" -> {
                for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (!field.equals("action") && !TARGET.contains(field)) {
                        throw invalid("a sweep request takes no other fields (not '" + field + "'); send {\"action\": "
                                + "\"sweep\"}, with region, assumeRoleArn and externalId to sweep another region or account");
                    }
                }
                yield new SweepRequest(target(json, DataVariables.from(null)));
            }
            default -> throw invalid("action '" + name + "' is unknown; use \"invoke\" or \"customCode\" "
                    + "({\"action\": \"sweep\"} alone runs the orphan sweep)");
        };
    }

    /**
     * A step request: {@link #parseRequest} for the callers that run steps only.
     *
     * @throws StepFailure as {@link #parseRequest}; {@code InvalidStepRequest} for a sweep request
     */
    public StepRequest parse(JsonNode json) {
        return switch (parseRequest(json)) {
            case StepRequest step -> step;
            case SweepRequest sweep -> throw invalid("{\"action\": \"sweep\"} runs the orphan sweep, not a step; "
                    + "send it to the step runner itself");
        };
    }

    private static StepRequest.Invoke parseInvoke(JsonNode json, DataVariables variables) {
        String functionName = variables.expand(requiredText(json, "functionName"), "functionName");
        FunctionNames.Reference reference = FunctionNames.parse(functionName);
        String qualifier = optionalText(json, "qualifier");
        if (qualifier != null) {
            qualifier = variables.expand(qualifier, "qualifier");
            if (!FunctionNames.isValidQualifier(qualifier)) {
                throw invalid("qualifier '" + qualifier + "' is not a version number, $LATEST or alias name");
            }
            if (reference.qualifier().isPresent() && !reference.qualifier().get().equals(qualifier)) {
                throw invalid("functionName ends in :" + reference.qualifier().get() + " but qualifier is '"
                        + qualifier + "'; give the version or alias once");
            }
        }
        TargetAccount target = target(json, variables);
        var arnRegion = FunctionNames.regionOf(functionName);
        if (target.region() != null && arnRegion.isPresent() && !arnRegion.get().equals(target.region())) {
            throw invalid("functionName is an ARN of region " + arnRegion.get() + " but region is '"
                    + target.region() + "'; give the region once");
        }
        return new StepRequest.Invoke(functionName, qualifier, invokeOptions(json, variables), target);
    }

    private static StepRequest.CustomCode parseCustomCode(JsonNode json, DataVariables variables) {
        String runtime = requiredText(json, "runtime");
        if (!LambdaRuntimes.isInterpreted(runtime)) {
            String why = LambdaRuntimes.isDeprecated(runtime)
                    ? "The runtime parameter of " + runtime + " is no longer supported for creating or updating "
                    + "AWS Lambda functions"
                    : LambdaRuntimes.isSupported(runtime)
                    ? "runtime " + runtime + " is not an interpreted runtime a step can ship one source file for"
                    : "runtime '" + runtime + "' is not a Lambda runtime (names are case-sensitive)";
            throw new StepFailure(StepError.UNSUPPORTED_RUNTIME, why + "; supported: "
                    + String.join(", ", LambdaRuntimes.INTERPRETED));
        }
        String code = requiredText(json, "code");
        if (code.isBlank()) {
            throw invalid("code is empty; give the source of the function's one file");
        }
        String handler = optionalText(json, "handler");
        if (handler == null) {
            handler = FunctionSource.defaultFunctionName(LambdaRuntimes.familyOf(runtime).orElseThrow());
        }
        FunctionSource source = FunctionSource.forRuntime(runtime, handler.trim(), variables.expand(code, "code", CODE_LIMIT));

        String roleArn = optionalText(json, "roleArn");
        if (roleArn != null) {
            roleArn = variables.expand(roleArn, "roleArn");
        }
        boolean reuse = optionalBoolean(json, "reuse", false);
        boolean delete = optionalBoolean(json, "deleteAfterExecution", !reuse);
        if (reuse && delete) {
            throw invalid("reuse true keeps the function for later steps, so deleteAfterExecution cannot be true; "
                    + "drop deleteAfterExecution (idle reused functions are removed by the sweeper)");
        }
        String description = optionalText(json, "description");
        if (description != null) {
            description = variables.expand(description, "description");
            if (description.length() > LambdaLimits.DESCRIPTION_LENGTH) {
                throw invalid("description is " + description.length() + " characters; Lambda allows "
                        + LambdaLimits.DESCRIPTION_LENGTH);
            }
        }
        Integer timeout = optionalInt(json, "timeoutSeconds", LambdaLimits.MIN_TIMEOUT_SECONDS,
                LambdaLimits.MAX_TIMEOUT_SECONDS);
        Integer memory = optionalInt(json, "memorySize", LambdaLimits.MIN_MEMORY_MB, LambdaLimits.MAX_MEMORY_MB);
        Map<String, String> tags = stringMap(json, "tags", variables);
        checkTags(tags);
        Map<String, String> environment = stringMap(json, "environment", variables);
        checkEnvironment(environment);
        InvokeOptions options = invokeOptions(json, variables);
        if (options.invocationType() == InvocationType.EVENT && delete) {
            throw invalid("invocationType Event returns before the function runs, so deleteAfterExecution true "
                    + "would delete it first; set \"deleteAfterExecution\": false (and delete it later) "
                    + "or use RequestResponse");
        }
        return new StepRequest.CustomCode(runtime, source, roleArn, delete, description, tags, timeout, memory,
                environment, options, reuse, target(json, variables));
    }

    /** {@code region}, {@code assumeRoleArn} and {@code externalId}, variables expanded; shapes checked by {@link TargetAccount}. */
    private static TargetAccount target(JsonNode json, DataVariables variables) {
        String region = optionalText(json, "region");
        String role = optionalText(json, "assumeRoleArn");
        String externalId = optionalText(json, "externalId");
        return new TargetAccount(region == null ? null : variables.expand(region, "region"),
                role == null ? null : variables.expand(role, "assumeRoleArn"),
                externalId == null ? null : variables.expand(externalId, "externalId"));
    }

    private static InvokeOptions invokeOptions(JsonNode json, DataVariables variables) {
        String typeName = optionalText(json, "invocationType");
        InvocationType type = typeName == null ? InvocationType.REQUEST_RESPONSE : switch (typeName) {
            case "RequestResponse", "Request" -> InvocationType.REQUEST_RESPONSE;
            case "Event" -> InvocationType.EVENT;
            case "DryRun" -> InvocationType.DRY_RUN;
            default -> throw invalid("invocationType '" + typeName
                    + "' is unknown; use RequestResponse (or Request), Event or DryRun");
        };
        int limit = type == InvocationType.EVENT ? LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES : LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES;
        JsonNode payload = json.get("payload");
        payload = payload == null ? JsonNodeFactory.instance.objectNode() : variables.expand(payload, "payload",
                new DataVariables.Limit(limit, StepError.PAYLOAD_TOO_LARGE, "Lambda accepts " + limit
                        + " bytes for invocationType " + type.wireName()));
        int payloadBytes = payload.toString().getBytes(StandardCharsets.UTF_8).length;
        if (payloadBytes > limit) {
            throw new StepFailure(StepError.PAYLOAD_TOO_LARGE, "payload is " + payloadBytes + " bytes; Lambda accepts "
                    + limit + " bytes for invocationType " + type.wireName());
        }

        JsonNode context = json.get("clientContext");
        ObjectNode clientContext = null;
        if (context != null && !context.isNull()) {
            if (!context.isObject()) {
                throw invalid("clientContext must be a JSON object, e.g. {\"custom\": {\"ticket\": \"INC-1\"}}");
            }
            clientContext = (ObjectNode) variables.expand(context, "clientContext", CLIENT_CONTEXT_LIMIT);
            checkClientContext(clientContext);
            int encoded = Base64.getEncoder().encode(clientContext.toString().getBytes(StandardCharsets.UTF_8)).length;
            if (encoded > LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES) {
                throw new StepFailure(StepError.PAYLOAD_TOO_LARGE, "clientContext is " + encoded
                        + " bytes base64-encoded; Lambda accepts " + LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES);
            }
        }

        String logName = optionalText(json, "logType");
        LogType logType = logName == null ? LogType.TAIL : switch (logName) {
            case "Tail" -> LogType.TAIL;
            case "None" -> LogType.NONE;
            default -> throw invalid("logType '" + logName + "' is unknown; use Tail or None");
        };
        boolean failOnError = optionalBoolean(json, "failOnFunctionError", false);
        return new InvokeOptions(payload, type, clientContext, logType, failOnError);
    }

    /**
     * The client context as Lambda's runtimes read it: {@code client}, {@code custom} and {@code env} are
     * objects of strings (Java's runtime client types them {@code Map<String, String>} and fails before the
     * handler runs on anything else). Other keys are passed on as given.
     */
    private static void checkClientContext(ObjectNode clientContext) {
        for (String part : CLIENT_CONTEXT_MAPS) {
            JsonNode map = clientContext.get(part);
            if (map == null || map.isNull()) {
                continue;
            }
            if (!map.isObject()) {
                throw invalid("clientContext." + part + " must be an object of string values, as Lambda's runtimes "
                        + "read it, e.g. {\"" + part + "\": {\"ticket\": \"INC-1\"}}; it was " + typeOf(map));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (!entry.getValue().isTextual()) {
                    throw invalid("clientContext." + part + "." + entry.getKey() + " must be a string (Lambda's Java "
                            + "runtime reads " + part + " as a map of strings), was " + typeOf(entry.getValue())
                            + "; write it in quotes, or as JSON text in a string");
                }
            }
        }
    }

    private static void checkFields(JsonNode json, String action, List<String> own) {
        Set<String> allowed = new LinkedHashSet<>(COMMON);
        allowed.addAll(own);
        allowed.addAll(TARGET);
        allowed.addAll(INVOKE_OPTIONS);
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                String hint = INVOKE_ONLY.contains(field) || CUSTOM_CODE_ONLY.contains(field)
                        ? "it belongs to the other action" : "check its spelling";
                throw invalid("field '" + field + "' is not part of a " + action + " step (" + hint + "); fields: "
                        + String.join(", ", allowed));
            }
        }
    }

    private static void checkTags(Map<String, String> tags) {
        if (tags.size() > MAX_STEP_TAGS) {
            throw invalid("tags has " + tags.size() + " entries; a step allows " + MAX_STEP_TAGS + " (Lambda allows "
                    + LambdaLimits.TAGS_PER_FUNCTION + ", the runner adds its own)");
        }
        tags.forEach((key, value) -> {
            if (key.isEmpty() || key.length() > LambdaLimits.TAG_KEY_LENGTH || key.toLowerCase().startsWith("aws:")) {
                throw invalid("tag key '" + key + "' must be 1-" + LambdaLimits.TAG_KEY_LENGTH
                        + " characters and not start with aws:");
            }
            if (value.length() > LambdaLimits.TAG_VALUE_LENGTH) {
                throw invalid("tag " + key + " has a value of " + value.length() + " characters; Lambda allows "
                        + LambdaLimits.TAG_VALUE_LENGTH);
            }
        });
    }

    private static void checkEnvironment(Map<String, String> environment) {
        for (String key : environment.keySet()) {
            if (!ENV_KEY.matcher(key).matches()) {
                throw invalid("environment variable name '" + key
                        + "' must start with a letter and contain only letters, digits and _");
            }
        }
        int size = LambdaLimits.environmentBytes(environment);
        if (size > LambdaLimits.ENVIRONMENT_BYTES) {
            throw invalid("environment is " + size + " bytes as Lambda measures it (the variables as one JSON "
                    + "object); Lambda allows 4 KB (" + LambdaLimits.ENVIRONMENT_BYTES + " bytes)");
        }
    }

    private static String requiredText(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw invalid(field + " is required for a " + json.path("action").asText() + " step");
        }
        if (!value.isTextual()) {
            throw invalid(field + " must be a string, was " + typeOf(value));
        }
        return value.textValue();
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(field + " must be a string, was " + typeOf(value));
        }
        return value.textValue();
    }

    /** Accepts JSON booleans and the strings "true"/"false" (Rundeck option values are strings). */
    private static boolean optionalBoolean(JsonNode json, String field, boolean otherwise) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return otherwise;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual() && (value.textValue().equals("true") || value.textValue().equals("false"))) {
            return Boolean.parseBoolean(value.textValue());
        }
        throw invalid(field + " must be true or false, was " + value);
    }

    /** Accepts whole JSON numbers and strings of digits. */
    private static Integer optionalInt(JsonNode json, String field, int min, int max) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        long number;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            number = value.longValue();
        } else if (value.isTextual() && value.textValue().matches("\\d{1,9}")) {
            number = Long.parseLong(value.textValue());
        } else {
            throw invalid(field + " must be a whole number from " + min + " to " + max + ", was " + value);
        }
        if (number < min || number > max) {
            throw invalid(field + " must be from " + min + " to " + max + ", was " + number);
        }
        return (int) number;
    }

    private static Map<String, String> stringMap(JsonNode json, String field, DataVariables variables) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw invalid(field + " must be an object of string values, was " + typeOf(value));
        }
        Map<String, String> map = new LinkedHashMap<>();
        value.fields().forEachRemaining(entry -> {
            JsonNode v = entry.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw invalid(field + "." + entry.getKey() + " must be a string, was " + typeOf(v));
            }
            map.put(entry.getKey(), variables.expand(v.asText(), field + "." + entry.getKey()));
        });
        return map;
    }

    private static String typeOf(JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case STRING -> "a string";
            case NULL, MISSING -> "null";
            case BINARY -> "binary";
        };
    }

    private static StepFailure invalid(String message) {
        return new StepFailure(StepError.INVALID_STEP_REQUEST, message);
    }
}
