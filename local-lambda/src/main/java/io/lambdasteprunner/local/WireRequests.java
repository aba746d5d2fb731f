package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the Lambda API's JSON request bodies into {@link ControlRequests}, checking the constraints
 * of Lambda's API model (botocore's {@code service-2.json}: lengths, patterns, enums, ranges). A broken
 * constraint is AWS's {@code ValidationException}, listing every broken one; a member of the wrong
 * JSON type is {@code InvalidRequestContentException}. Rules that need the service's state live in
 * {@link FunctionRegistry}.
 */
final class WireRequests {

    static final Pattern ROLE = Pattern.compile("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    static final Pattern HANDLER = Pattern.compile("[^\\s]+");
    static final Pattern ENVIRONMENT_KEY = Pattern.compile("[a-zA-Z]([a-zA-Z0-9_])+");
    static final Pattern TAG = Pattern.compile("([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)");
    static final Pattern ALIAS_NAME = Pattern.compile("(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    static final Pattern ALIAS_VERSION = Pattern.compile("(\\$LATEST|[0-9]+)");
    static final Pattern VERSION_NUMBER = Pattern.compile("[0-9]+");
    static final Pattern STATEMENT_ID = Pattern.compile("([a-zA-Z0-9-_]+)");
    static final Pattern REMOVE_STATEMENT_ID = Pattern.compile("([a-zA-Z0-9-_.]+)");
    static final Pattern ACTION = Pattern.compile("(lambda:[*]|lambda:[a-zA-Z]+|[*])");
    static final Pattern PRINCIPAL = Pattern.compile("[^\\s]+");
    static final Pattern SOURCE_ARN = Pattern.compile(
            "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)");
    static final Pattern SOURCE_ACCOUNT = Pattern.compile("\\d{12}");
    static final Pattern LOG_GROUP = Pattern.compile("[\\.\\-_/#A-Za-z0-9]+");
    static final Pattern TAGGABLE_ARN = Pattern.compile("arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
            + "-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)"
            + "|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
            + "-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)");
    static final Pattern LAYER_VERSION_ARN = Pattern.compile("(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}"
            + "((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)"
            + "|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)");
    static final List<String> ARCHITECTURES = List.of("x86_64", "arm64");
    static final List<String> LOG_FORMATS = List.of("JSON", "Text");
    static final List<String> APPLICATION_LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");
    static final List<String> SYSTEM_LOG_LEVELS = List.of("DEBUG", "INFO", "WARN");
    /** Lambda's standard limits, lower than the model's (which also covers durable and managed-instance functions). */
    static final int MAX_TIMEOUT_SECONDS = 900;
    static final int MIN_MEMORY_MB = 128;
    static final int MAX_MEMORY_MB = 10240;
    static final int MIN_EPHEMERAL_STORAGE_MB = 512;
    static final int MAX_EPHEMERAL_STORAGE_MB = 10240;

    private WireRequests() {
    }

    // ---- functions --------------------------------------------------------------------------------

    static ControlRequests.NewFunction newFunction(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        String name = body.string("FunctionName");
        String role = body.string("Role");
        violations.required(role, "role");
        violations.pattern(role, "role", ROLE);
        String handler = checkHandler(body.string("Handler"), violations);
        String description = body.string("Description");
        violations.maxLength(description, "description", 256);
        Integer timeout = checkTimeout(body.integer("Timeout"), violations);
        Integer memory = checkMemory(body.integer("MemorySize"), violations);
        Integer ephemeralStorage = checkEphemeralStorage(body, violations);
        List<String> architectures = checkArchitectures(body.stringList("Architectures"), violations);
        Map<String, String> environment = body.has("Environment")
                ? checkEnvironment(environmentVariables(body), violations) : null;
        Map<String, String> tags = checkTags(body.stringMap("Tags"), violations);
        ControlRequests.LoggingChange logging = loggingChange(body.object("LoggingConfig"), violations);
        ControlRequests.Settings settings = settings(body, violations);
        String packageType = body.string("PackageType");
        violations.oneOf(packageType, "packageType", List.of("Zip", "Image"));
        Body code = body.object("Code");
        byte[] zip = code.binary("ZipFile");
        boolean fromS3 = code.string("S3Bucket") != null || code.string("S3Key") != null;
        violations.throwIfAny();
        if ("Image".equals(packageType) || code.string("ImageUri") != null) {
            throw imagesNotRun();
        }
        // The name goes last: its own errors (and the 64-character rule) come after the model's.
        return new ControlRequests.NewFunction(FunctionName.parseForCreate(name), body.string("Runtime"), role,
                handler, description, timeout, memory, ephemeralStorage, environment, architectures, zip, fromS3, tags,
                logging, body.bool("Publish"), settings);
    }

    static ControlRequests.ConfigurationChange configurationChange(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        String role = body.string("Role");
        violations.pattern(role, "role", ROLE);
        String handler = checkHandler(body.string("Handler"), violations);
        String description = body.string("Description");
        violations.maxLength(description, "description", 256);
        Integer timeout = checkTimeout(body.integer("Timeout"), violations);
        Integer memory = checkMemory(body.integer("MemorySize"), violations);
        Integer ephemeralStorage = checkEphemeralStorage(body, violations);
        Map<String, String> environment = body.has("Environment")
                ? checkEnvironment(environmentVariables(body), violations) : null;
        ControlRequests.LoggingChange logging = body.has("LoggingConfig")
                ? loggingChange(body.object("LoggingConfig"), violations) : null;
        ControlRequests.Settings settings = settings(body, violations);
        violations.throwIfAny();
        return new ControlRequests.ConfigurationChange(body.string("Runtime"), role, handler, description, timeout,
                memory, ephemeralStorage, environment, logging, body.string("RevisionId"), settings);
    }

    static ControlRequests.CodeChange codeChange(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        List<String> architectures = body.has("Architectures")
                ? checkArchitectures(body.stringList("Architectures"), violations) : null;
        byte[] zip = body.binary("ZipFile");
        violations.throwIfAny();
        if (body.string("ImageUri") != null) {
            throw imagesNotRun();
        }
        return new ControlRequests.CodeChange(zip, body.string("S3Bucket") != null || body.string("S3Key") != null,
                architectures, body.bool("Publish"), body.string("RevisionId"));
    }

    /** Functions here run from .zip packages; a container image is refused by name, before the runtime is asked for. */
    private static LambdaException imagesNotRun() {
        return LambdaException.invalidParameter("The local Lambda service runs .zip packages only (PackageType Zip, "
                + "Code.ZipFile): it does not run container images (PackageType Image, ImageUri).");
    }

    static ControlRequests.Publish publish(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        String description = body.string("Description");
        violations.maxLength(description, "description", 256);
        violations.throwIfAny();
        return new ControlRequests.Publish(description, body.string("CodeSha256"), body.string("RevisionId"));
    }

    private static String checkHandler(String handler, Violations violations) {
        violations.maxLength(handler, "handler", 128);
        violations.pattern(handler, "handler", HANDLER);
        return handler;
    }

    private static Integer checkTimeout(Integer timeout, Violations violations) {
        violations.range(timeout, "timeout", 1, MAX_TIMEOUT_SECONDS);
        return timeout;
    }

    private static Integer checkMemory(Integer memory, Violations violations) {
        violations.range(memory, "memorySize", MIN_MEMORY_MB, MAX_MEMORY_MB);
        return memory;
    }

    /** {@code EphemeralStorage.Size}, null when the request has no {@code EphemeralStorage}. */
    private static Integer checkEphemeralStorage(Body body, Violations violations) {
        if (!body.has("EphemeralStorage")) {
            return null;
        }
        Integer size = body.object("EphemeralStorage").integer("Size");
        violations.required(size, "ephemeralStorage.size");
        violations.range(size, "ephemeralStorage.size", MIN_EPHEMERAL_STORAGE_MB, MAX_EPHEMERAL_STORAGE_MB);
        return size;
    }

    private static List<String> checkArchitectures(List<String> architectures, Violations violations) {
        if (architectures == null) {
            return null;
        }
        if (architectures.isEmpty()) {
            violations.add(architectures, "architectures", "Member must have length greater than or equal to 1");
        } else if (architectures.size() > 1) {
            violations.add(architectures, "architectures", "Member must have length less than or equal to 1");
        } else if (!ARCHITECTURES.contains(architectures.get(0))) {
            violations.add(architectures, "architectures", "Member must satisfy constraint: [Member must satisfy enum "
                    + "value set: " + ARCHITECTURES + ", Member must not be null]");
        }
        return architectures;
    }

    /**
     * Layers, SnapStart and VpcConfig, checked against the model as AWS checks them (recorded in
     * LocalStack's test_layer_function_exceptions, test_snapstart_exceptions and test_invalid_vpc_config_*);
     * what needs the function (a layer's region, SnapStart's runtime) is {@link FunctionRegistry}'s.
     */
    private static ControlRequests.Settings settings(Body body, Violations violations) {
        List<String> layers = body.stringList("Layers");
        if (layers != null && layers.stream().anyMatch(layer -> layer == null || layer.isEmpty()
                || layer.length() > 2048 || !LAYER_VERSION_ARN.matcher(layer).matches())) {
            violations.add(layers, "layers", "Member must satisfy constraint: [Member must have length less than or "
                    + "equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular "
                    + "expression pattern: " + LAYER_VERSION_ARN.pattern() + ", Member must not be null]");
        }
        String snapStart = null;
        if (body.has("SnapStart")) {
            snapStart = body.object("SnapStart").string("ApplyOn");
            violations.oneOf(snapStart, "snapStart.applyOn", List.of("PublishedVersions", "None"));
        }
        ControlRequests.VpcConfig vpc = null;
        if (body.has("VpcConfig")) {
            Body config = body.object("VpcConfig");
            List<String> subnets = config.stringList("SubnetIds");
            List<String> groups = config.stringList("SecurityGroupIds");
            checkIds(subnets, "vpcConfig.subnetIds", SUBNET_ID, violations);
            checkIds(groups, "vpcConfig.securityGroupIds", SECURITY_GROUP_ID, violations);
            vpc = new ControlRequests.VpcConfig(subnets == null ? List.of() : subnets,
                    groups == null ? List.of() : groups);
        }
        return new ControlRequests.Settings(layers, snapStart, vpc);
    }

    private static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-z]*");
    private static final Pattern SECURITY_GROUP_ID = Pattern.compile("sg-[0-9a-zA-Z]*");

    private static void checkIds(List<String> ids, String field, Pattern pattern, Violations violations) {
        if (ids != null && ids.stream().anyMatch(id -> id.length() > 1024 || !pattern.matcher(id).matches())) {
            violations.add(ids, field, "Member must satisfy constraint: [Member must have length less than or equal "
                    + "to 1024, Member must have length greater than or equal to 0, Member must satisfy regular "
                    + "expression pattern: " + pattern.pattern() + "]");
        }
    }

    /** An {@code Environment} without {@code Variables} is an empty set of variables, as AWS answers it back. */
    private static Map<String, String> environmentVariables(Body body) {
        Map<String, String> variables = body.object("Environment").stringMap("Variables");
        return variables == null ? Map.of() : variables;
    }

    private static Map<String, String> checkEnvironment(Map<String, String> variables, Violations violations) {
        if (variables == null) {
            return null;
        }
        // The variables are sensitive: AWS's message, like this one, shows none of them.
        if (variables.keySet().stream().anyMatch(key -> !ENVIRONMENT_KEY.matcher(key).matches())) {
            violations.sensitive("environment.variables", "Map keys must satisfy constraint: [Member must satisfy "
                    + "regular expression pattern: " + ENVIRONMENT_KEY.pattern() + "]");
        }
        return variables;
    }

    static Map<String, String> checkTags(Map<String, String> tags, Violations violations) {
        if (tags == null) {
            return null;
        }
        for (var tag : tags.entrySet()) {
            if (tag.getKey().isEmpty() || tag.getKey().length() > 128 || !TAG.matcher(tag.getKey()).matches()) {
                violations.add(tags, "tags", "Map keys must satisfy constraint: [Member must have length less than or "
                        + "equal to 128, Member must have length greater than or equal to 1, Member must satisfy "
                        + "regular expression pattern: " + TAG.pattern() + "]");
                break;
            }
            if (tag.getValue().length() > 256 || !TAG.matcher(tag.getValue()).matches()) {
                violations.add(tags, "tags", "Map value must satisfy constraint: [Member must have length less than "
                        + "or equal to 256, Member must satisfy regular expression pattern: " + TAG.pattern() + "]");
                break;
            }
        }
        return tags;
    }

    private static ControlRequests.LoggingChange loggingChange(Body body, Violations violations) {
        if (body.isMissing()) {
            return null;
        }
        String format = body.string("LogFormat");
        String application = body.string("ApplicationLogLevel");
        String system = body.string("SystemLogLevel");
        String group = body.string("LogGroup");
        violations.oneOf(format, "loggingConfig.logFormat", LOG_FORMATS);
        violations.oneOf(application, "loggingConfig.applicationLogLevel", APPLICATION_LOG_LEVELS);
        violations.oneOf(system, "loggingConfig.systemLogLevel", SYSTEM_LOG_LEVELS);
        if (group != null) {
            violations.lengthBetween(group, "loggingConfig.logGroup", 1, 512);
            violations.pattern(group, "loggingConfig.logGroup", LOG_GROUP);
        }
        return new ControlRequests.LoggingChange(format, application, system, group);
    }

    // ---- aliases ----------------------------------------------------------------------------------

    /** CreateAlias's body; {@code Name} and {@code FunctionVersion} are required. */
    static ControlRequests.AliasChange newAlias(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        String name = body.string("Name");
        violations.required(name, "name");
        checkAliasName(name, violations);
        String version = body.string("FunctionVersion");
        violations.required(version, "functionVersion");
        return aliasChange(body, name, version, violations);
    }

    /** UpdateAlias's body; the alias's name is in the path. */
    static ControlRequests.AliasChange aliasUpdate(String name, JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        checkAliasName(name, violations);
        return aliasChange(body, name, body.string("FunctionVersion"), violations);
    }

    static void checkAliasName(String name, Violations violations) {
        violations.lengthBetween(name, "name", 1, 128);
        violations.pattern(name, "name", ALIAS_NAME);
    }

    private static ControlRequests.AliasChange aliasChange(Body body, String name, String version,
                                                           Violations violations) {
        violations.lengthBetween(version, "functionVersion", 1, 1024);
        violations.pattern(version, "functionVersion", ALIAS_VERSION);
        String description = body.string("Description");
        violations.maxLength(description, "description", 256);
        Map<String, Double> weights = null;
        Body routing = body.object("RoutingConfig");
        if (!routing.isMissing()) {
            weights = routing.doubleMap("AdditionalVersionWeights");
            weights = weights == null ? Map.of() : weights;
            checkWeights(weights, violations);
        }
        violations.throwIfAny();
        if (weights != null && weights.size() > 1) {
            throw LambdaException.invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
        }
        return new ControlRequests.AliasChange(name, version, description, weights, body.string("RevisionId"));
    }

    private static void checkWeights(Map<String, Double> weights, Violations violations) {
        // AWS prints the map Java-style with doubles: {2=2.0}.
        for (var weight : weights.entrySet()) {
            String key = weight.getKey();
            if (key.isEmpty() || key.length() > 1024 || !VERSION_NUMBER.matcher(key).matches()) {
                violations.add(weights, "routingConfig.additionalVersionWeights", "Map keys must satisfy constraint: "
                        + "[Member must have length less than or equal to 1024, Member must have length greater than or "
                        + "equal to 1, Member must satisfy regular expression pattern: [0-9]+]");
                return;
            }
            Double value = weight.getValue();
            if (value == null || value < 0.0 || value > 1.0) {
                violations.add(weights, "routingConfig.additionalVersionWeights", "Map value must satisfy constraint: "
                        + "[Member must have value less than or equal to 1.0, Member must have value greater than or "
                        + "equal to 0.0, Member must not be null]");
                return;
            }
        }
    }

    // ---- tags, permissions, concurrency -----------------------------------------------------------

    static Map<String, String> tags(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        Map<String, String> tags = body.stringMap("Tags");
        violations.required(tags, "tags");
        checkTags(tags, violations);
        violations.throwIfAny();
        return tags;
    }

    /** The {@code Resource} of TagResource, UntagResource and ListTags: a function ARN, nothing less. */
    static FunctionName taggableArn(String arn) {
        if (!TAGGABLE_ARN.matcher(arn).matches()) {
            throw LambdaException.validation(arn, "resource", "Member must satisfy regular expression pattern: "
                    + TAGGABLE_ARN.pattern());
        }
        if (!arn.contains(":function:")) {
            throw LambdaException.invalidParameter("The local Lambda service keeps tags on functions only: " + arn);
        }
        FunctionName name = FunctionName.parse(arn);
        if (name.qualifier() != null) {
            throw LambdaException.invalidParameter(
                    "Tags on function aliases and versions are not supported. Please specify a function ARN.");
        }
        return name;
    }

    static ControlRequests.Permission permission(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        String statementId = body.string("StatementId");
        violations.required(statementId, "statementId");
        violations.lengthBetween(statementId, "statementId", 1, 100);
        violations.pattern(statementId, "statementId", STATEMENT_ID);
        String action = body.string("Action");
        violations.required(action, "action");
        violations.pattern(action, "action", ACTION);
        String principal = body.string("Principal");
        violations.required(principal, "principal");
        violations.pattern(principal, "principal", PRINCIPAL);
        String sourceArn = body.string("SourceArn");
        violations.pattern(sourceArn, "sourceArn", SOURCE_ARN);
        String sourceAccount = body.string("SourceAccount");
        violations.pattern(sourceAccount, "sourceAccount", SOURCE_ACCOUNT);
        String authType = body.string("FunctionUrlAuthType");
        violations.oneOf(authType, "functionUrlAuthType", List.of("NONE", "AWS_IAM"));
        violations.throwIfAny();
        return new ControlRequests.Permission(statementId, action, principal, sourceArn, sourceAccount,
                body.string("EventSourceToken"), body.string("PrincipalOrgID"), authType, body.string("RevisionId"));
    }

    static String statementIdToRemove(String statementId) {
        Violations violations = new Violations();
        violations.lengthBetween(statementId, "statementId", 1, 100);
        violations.pattern(statementId, "statementId", REMOVE_STATEMENT_ID);
        violations.throwIfAny();
        return statementId;
    }

    static int reservedConcurrency(JsonNode json) {
        Body body = new Body(json);
        Integer reserved = body.integer("ReservedConcurrentExecutions");
        Violations violations = new Violations();
        violations.required(reserved, "reservedConcurrentExecutions");
        if (reserved != null && reserved < 0) {
            violations.add(reserved, "reservedConcurrentExecutions", "Member must have value greater than or equal to 0");
        }
        violations.throwIfAny();
        return reserved;
    }

    /** PutFunctionRecursionConfig's {@code RecursiveLoop}. */
    static String recursiveLoop(JsonNode json) {
        String loop = new Body(json).string("RecursiveLoop");
        Violations violations = new Violations();
        violations.required(loop, "recursiveLoop");
        violations.oneOf(loop, "recursiveLoop", List.of("Terminate", "Allow"));
        violations.throwIfAny();
        return loop;
    }

    /** A destination's ARN as AWS quotes the model's pattern (recorded: put_destination_invalid_arn_pattern). */
    static final Pattern DESTINATION_ARN = Pattern.compile("$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:"
            + "(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:"
            + "(\\d{12})?:(.*)");

    /**
     * Put/UpdateFunctionEventInvokeConfig's body: the model's ranges (retries 0-2, age 60-21600 seconds)
     * and the destinations' ARN pattern and length.
     */
    static ControlRequests.EventInvokeConfigChange eventInvokeConfig(JsonNode json) {
        Body body = new Body(json);
        Violations violations = new Violations();
        Integer retries = body.integer("MaximumRetryAttempts");
        violations.range(retries, "maximumRetryAttempts", 0, 2);
        Integer age = body.integer("MaximumEventAgeInSeconds");
        violations.range(age, "maximumEventAgeInSeconds", 60, 21600);
        Body destinations = body.object("DestinationConfig");
        Body onSuccess = destinations.object("OnSuccess");
        Body onFailure = destinations.object("OnFailure");
        String success = destination(onSuccess, "destinationConfig.onSuccess.destination", violations);
        String failure = destination(onFailure, "destinationConfig.onFailure.destination", violations);
        violations.throwIfAny();
        return new ControlRequests.EventInvokeConfigChange(retries, age, !onSuccess.isMissing(), success,
                !onFailure.isMissing(), failure, !destinations.isMissing());
    }

    private static String destination(Body target, String field, Violations violations) {
        String arn = target.string("Destination");
        violations.maxLength(arn, field, 350);
        violations.pattern(arn, field, DESTINATION_ARN);
        return arn == null || arn.isEmpty() ? null : arn;
    }

    // ---- query parameters -------------------------------------------------------------------------

    /** {@code Marker} and {@code MaxItems} (1-10000 in the model; Lambda returns at most 50 a page). */
    static ControlRequests.Page page(ApiRequest request, int pageLimit) {
        String max = request.query("MaxItems");
        int maxItems = pageLimit;
        if (max != null) {
            int parsed;
            try {
                parsed = Integer.parseInt(max);
            } catch (NumberFormatException e) {
                throw LambdaException.validation(max, "maxItems", "Member must be a number between 1 and 10000");
            }
            Violations violations = new Violations();
            violations.range(parsed, "maxItems", 1, 10000);
            violations.throwIfAny();
            maxItems = Math.min(parsed, pageLimit);
        }
        return new ControlRequests.Page(request.query("Marker"), maxItems);
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    /** Typed access to a JSON object; a member of the wrong type is the caller's error. */
    static final class Body {
        private final JsonNode node;

        Body(JsonNode node) {
            this.node = node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        }

        boolean isMissing() {
            return node.isMissingNode() || node.isNull();
        }

        boolean has(String field) {
            return node.has(field) && !node.get(field).isNull();
        }

        private JsonNode get(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value;
        }

        String string(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            if (!value.isValueNode() || value.isBinary()) {
                throw wrongType(field, "a string");
            }
            return value.asText();
        }

        Integer integer(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            if (value.isIntegralNumber() && value.canConvertToInt()) {
                return value.intValue();
            }
            if (value.isTextual()) {
                try {
                    return Integer.parseInt(value.asText());
                } catch (NumberFormatException e) {
                    throw wrongType(field, "an integer");
                }
            }
            throw wrongType(field, "an integer");
        }

        boolean bool(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return false;
            }
            if (!value.isBoolean()) {
                throw wrongType(field, "true or false");
            }
            return value.booleanValue();
        }

        Body object(String field) {
            JsonNode value = get(field);
            if (value != null && !value.isObject()) {
                throw wrongType(field, "an object");
            }
            return new Body(value);
        }

        Map<String, String> stringMap(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            if (!value.isObject()) {
                throw wrongType(field, "an object of strings");
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (var entry : value.properties()) {
                if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                    throw wrongType(field + "." + entry.getKey(), "a string");
                }
                map.put(entry.getKey(), entry.getValue().asText());
            }
            return map;
        }

        Map<String, Double> doubleMap(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            if (!value.isObject()) {
                throw wrongType(field, "an object of numbers");
            }
            Map<String, Double> map = new LinkedHashMap<>();
            for (var entry : value.properties()) {
                if (!entry.getValue().isNumber()) {
                    throw wrongType(field + "." + entry.getKey(), "a number");
                }
                map.put(entry.getKey(), entry.getValue().doubleValue());
            }
            return map;
        }

        List<String> stringList(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            if (!value.isArray()) {
                throw wrongType(field, "a list of strings");
            }
            List<String> list = new ArrayList<>();
            value.forEach(item -> list.add(item.isNull() ? null : item.asText()));
            return list;
        }

        byte[] binary(String field) {
            JsonNode value = get(field);
            if (value == null) {
                return null;
            }
            try {
                return value.binaryValue();
            } catch (IOException | IllegalArgumentException e) {
                throw LambdaException.invalidParameter(
                        "Could not unzip uploaded file. Please check your file, then try to upload again.");
            }
        }

        private static LambdaException wrongType(String field, String expected) {
            return LambdaException.invalidContent("Could not parse request body into json: " + field
                    + " must be " + expected);
        }
    }

    /** Broken constraints of one request, reported together as AWS does. */
    static final class Violations {
        private final List<LambdaException.Violation> found = new ArrayList<>();

        void add(Object value, String field, String constraint) {
            found.add(LambdaException.Violation.of(value, field, constraint));
        }

        void sensitive(String field, String constraint) {
            found.add(LambdaException.Violation.sensitive(field, constraint));
        }

        void required(Object value, String field) {
            if (value == null) {
                add(null, field, "Member must not be null");
            }
        }

        void maxLength(String value, String field, int max) {
            if (value != null && value.length() > max) {
                add(value, field, "Member must have length less than or equal to " + max);
            }
        }

        void lengthBetween(String value, String field, int min, int max) {
            if (value != null && value.length() < min) {
                add(value, field, "Member must have length greater than or equal to " + min);
            }
            maxLength(value, field, max);
        }

        void pattern(String value, String field, Pattern pattern) {
            if (value != null && !pattern.matcher(value).matches()) {
                add(value, field, "Member must satisfy regular expression pattern: " + pattern.pattern());
            }
        }

        void oneOf(String value, String field, List<String> allowed) {
            if (value != null && !allowed.contains(value)) {
                add(value, field, "Member must satisfy enum value set: " + allowed);
            }
        }

        void range(Integer value, String field, int min, int max) {
            if (value != null && value < min) {
                add(value, field, "Member must have value greater than or equal to " + min);
            }
            if (value != null && value > max) {
                add(value, field, "Member must have value less than or equal to " + max);
            }
        }

        void throwIfAny() {
            if (!found.isEmpty()) {
                throw LambdaException.validation(found);
            }
        }
    }
}
