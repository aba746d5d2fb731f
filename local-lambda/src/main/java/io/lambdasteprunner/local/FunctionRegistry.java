package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.lambdasteprunner.facts.LambdaRuntimes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The functions the local service holds, and the rules Lambda applies to creating, changing,
 * invoking and deleting them. Thread-safe.
 */
final class FunctionRegistry {

    private static final Pattern ROLE = Pattern.compile(
            "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    private static final DateTimeFormatter LAST_MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    private static final int MAX_ENVIRONMENT_BYTES = 4096;
    private static final Set<String> RESERVED_VARIABLES = Set.of(
            "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR");

    /** A function version chosen for an invoke, with the ARN the runtime is told it was invoked by. */
    record Target(LocalFunction function, FunctionVersion version, String invokedArn) {
    }

    private final LocalLambdaConfig config;
    private final Path codeRoot;
    private final Launcher launcher;
    private final ExecutorService executor;
    private final Consumer<String> logEcho;
    private final Faults faults;
    private final Map<String, LocalFunction> functions = new ConcurrentHashMap<>();

    FunctionRegistry(LocalLambdaConfig config, Path codeRoot, Launcher launcher, ExecutorService executor,
                     Consumer<String> logEcho, Faults faults) {
        this.faults = faults;
        this.config = config;
        this.codeRoot = codeRoot;
        this.launcher = launcher;
        this.executor = executor;
        this.logEcho = logEcho;
    }

    String region() {
        return config.region();
    }

    String functionArn(String name) {
        return "arn:aws:lambda:" + config.region() + ":" + config.accountId() + ":function:" + name;
    }

    // ---- create and change ----------------------------------------------------------------------

    FunctionVersion create(JsonNode request) {
        String name = FunctionName.validNewName(LambdaApi.text(request, "FunctionName", null));
        String role = LambdaApi.text(request, "Role", null);
        if (role == null) {
            throw LambdaException.validation(null, "role", "Member must not be null");
        }
        if (!ROLE.matcher(role).matches()) {
            throw LambdaException.validation(role, "role", "Member must satisfy regular expression pattern: "
                    + ROLE.pattern());
        }
        String runtime = LambdaApi.text(request, "Runtime", null);
        checkRuntime(runtime);
        String handler = LambdaApi.text(request, "Handler", null);
        if (handler == null || handler.isBlank()) {
            throw LambdaException.invalidParameter("Handler must be specified for functions of package type Zip.");
        }
        if (handler.length() > 128) {
            throw LambdaException.validation(handler, "handler", "Member must have length less than or equal to 128");
        }
        int timeout = checkTimeout(request.path("Timeout").asInt(3));
        int memory = checkMemory(request.path("MemorySize").asInt(128));
        String description = checkDescription(LambdaApi.text(request, "Description", ""));
        Map<String, String> environment = checkEnvironment(request.path("Environment").path("Variables"));
        List<String> architectures = new ArrayList<>();
        request.path("Architectures").forEach(node -> architectures.add(node.asText()));
        if (architectures.isEmpty()) {
            architectures.add("x86_64");
        }
        JsonNode zip = request.path("Code").path("ZipFile");
        if (zip.isMissingNode() || zip.isNull()) {
            throw LambdaException.invalidParameter(request.path("Code").has("S3Bucket")
                    ? "The local Lambda service takes code as Code.ZipFile; S3 locations are not reachable here."
                    : "Please provide a source for function code.");
        }
        if (functions.containsKey(name)) {
            throw LambdaException.conflict("Function already exist: " + name);
        }
        FunctionCode code = FunctionCode.unpack(binary(zip), codeRoot.resolve(name + "-" + UUID.randomUUID()));
        Map<String, String> tags = new LinkedHashMap<>();
        request.path("Tags").fields().forEachRemaining(entry -> tags.put(entry.getKey(), entry.getValue().asText()));
        FunctionVersion latest = new FunctionVersion(name, functionArn(name), "$LATEST", runtime, handler, role,
                description, timeout, memory, environment, architectures, code, now(), UUID.randomUUID().toString());
        FunctionLog log = new FunctionLog(logEcho);
        LocalFunction function = new LocalFunction(latest, tags, log, version -> launcher.start(version, log),
                config.maxEnvironmentsPerFunction(), launcher.budget());
        if (functions.putIfAbsent(name, function) != null) {
            deleteQuietly(code.directory());
            throw LambdaException.conflict("Function already exist: " + name);
        }
        executor.execute(() -> function.activate(config.initTimeout(), faults.settings().pendingDelay()));
        return latest;
    }

    private void checkRuntime(String runtime) {
        if (runtime == null) {
            throw LambdaException.invalidParameter("The runtime parameter is required for functions of package type Zip.");
        }
        if (!LambdaRuntimes.isSupported(runtime) && !LambdaRuntimes.isDeprecated(runtime)) {
            throw LambdaException.invalidParameter("Value " + runtime + " at 'runtime' failed to satisfy constraint: "
                    + "Member must satisfy enum value set: " + LambdaRuntimes.enumValues() + " or be a valid ARN");
        }
        if (LambdaRuntimes.isDeprecated(runtime)) {
            throw LambdaException.invalidParameter("The runtime parameter of " + runtime + " is no longer supported "
                    + "for creating or updating AWS Lambda functions. We recommend you use a supported runtime "
                    + "while creating or updating functions.");
        }
        if (!launcher.canRun(runtime)) {
            throw LambdaException.invalidParameter(Launcher.cannotRun(runtime));
        }
    }

    private static int checkTimeout(int timeout) {
        if (timeout < 1) {
            throw LambdaException.validation(timeout, "timeout", "Member must have value greater than or equal to 1");
        }
        if (timeout > 900) {
            throw LambdaException.validation(timeout, "timeout", "Member must have value less than or equal to 900");
        }
        return timeout;
    }

    private static int checkMemory(int memory) {
        if (memory < 128) {
            throw LambdaException.validation(memory, "memorySize", "Member must have value greater than or equal to 128");
        }
        if (memory > 10240) {
            throw LambdaException.validation(memory, "memorySize", "Member must have value less than or equal to 10240");
        }
        return memory;
    }

    private static String checkDescription(String description) {
        if (description.length() > 256) {
            throw LambdaException.validation(description.substring(0, 16) + "...", "description",
                    "Member must have length less than or equal to 256");
        }
        return description;
    }

    private static Map<String, String> checkEnvironment(JsonNode variables) {
        Map<String, String> environment = new LinkedHashMap<>();
        variables.fields().forEachRemaining(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
        List<String> reserved = environment.keySet().stream().filter(RESERVED_VARIABLES::contains).sorted().toList();
        if (!reserved.isEmpty()) {
            throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables because "
                    + "the environment variables you have provided contains reserved keys that are currently not "
                    + "supported for modification. Reserved keys used in this request: " + String.join(", ", reserved));
        }
        int size = environment.entrySet().stream()
                .mapToInt(e -> e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                        + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .sum();
        if (size > MAX_ENVIRONMENT_BYTES) {
            // AWS quotes the variables back; their values may be secrets, so only the size is given here.
            throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables because "
                    + "the environment variables you have provided exceeded the 4KB limit. Size measured: " + size
                    + " bytes.");
        }
        return environment;
    }

    private static byte[] binary(JsonNode node) {
        try {
            return node.binaryValue();
        } catch (IOException e) {
            throw LambdaException.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
    }

    private static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC).format(LAST_MODIFIED);
    }

    FunctionVersion updateConfiguration(FunctionName name, JsonNode request) {
        LocalFunction function = function(name);
        FunctionVersion old = function.latest();
        FunctionVersion updated = new FunctionVersion(old.name(), old.functionArn(), old.version(),
                request.has("Runtime") ? checkedRuntime(request.get("Runtime").asText()) : old.runtime(),
                LambdaApi.text(request, "Handler", old.handler()),
                LambdaApi.text(request, "Role", old.role()),
                checkDescription(LambdaApi.text(request, "Description", old.description())),
                request.has("Timeout") ? checkTimeout(request.get("Timeout").asInt()) : old.timeout(),
                request.has("MemorySize") ? checkMemory(request.get("MemorySize").asInt()) : old.memorySize(),
                request.has("Environment") ? checkEnvironment(request.path("Environment").path("Variables"))
                        : old.environment(),
                old.architectures(), old.code(), now(), UUID.randomUUID().toString());
        function.replaceLatest(updated);
        return updated;
    }

    private String checkedRuntime(String runtime) {
        checkRuntime(runtime);
        return runtime;
    }

    FunctionVersion updateCode(FunctionName name, JsonNode request) {
        LocalFunction function = function(name);
        FunctionVersion old = function.latest();
        JsonNode zip = request.path("ZipFile");
        if (zip.isMissingNode() || zip.isNull()) {
            throw LambdaException.invalidParameter("Please provide a source for function code.");
        }
        FunctionCode code = FunctionCode.unpack(binary(zip), codeRoot.resolve(old.name() + "-" + UUID.randomUUID()));
        FunctionVersion updated = new FunctionVersion(old.name(), old.functionArn(), old.version(), old.runtime(),
                old.handler(), old.role(), old.description(), old.timeout(), old.memorySize(), old.environment(),
                old.architectures(), code, now(), UUID.randomUUID().toString());
        function.replaceLatest(updated);
        if (function.versions().stream().noneMatch(version -> version.code() == old.code())) {
            deleteQuietly(old.code().directory()); // replaced code no version runs any more
        }
        return updated;
    }

    FunctionVersion publishVersion(FunctionName name, JsonNode request) {
        return function(name).publish(LambdaApi.text(request, "Description", null));
    }

    LocalFunction.Alias createAlias(FunctionName name, JsonNode request) {
        String alias = LambdaApi.text(request, "Name", null);
        String version = LambdaApi.text(request, "FunctionVersion", null);
        if (alias == null || version == null) {
            throw LambdaException.validation(null, alias == null ? "name" : "functionVersion", "Member must not be null");
        }
        if (alias.chars().allMatch(Character::isDigit) || alias.equals("$LATEST")) {
            throw LambdaException.validation(alias, "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
        }
        return function(name).putAlias(alias, version, LambdaApi.text(request, "Description", ""), true);
    }

    // ---- look up --------------------------------------------------------------------------------

    LocalFunction function(FunctionName name) {
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()));
        }
        return function;
    }

    List<LocalFunction> all() {
        return functions.values().stream().sorted(Comparator.comparing(LocalFunction::name)).toList();
    }

    LocalFunction.State stateOf(String name) {
        LocalFunction function = functions.get(name);
        return function == null ? LocalFunction.State.Active : function.state();
    }

    FunctionVersion version(FunctionName name, String qualifierParameter) {
        String qualifier = qualifier(name, qualifierParameter);
        LocalFunction function = function(name);
        return function.resolve(qualifier).orElseThrow(() ->
                LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier));
    }

    private static String qualifier(FunctionName name, String qualifierParameter) {
        if (name.qualifier() != null && qualifierParameter != null && !name.qualifier().equals(qualifierParameter)) {
            throw LambdaException.invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
        }
        return name.qualifier() != null ? name.qualifier() : qualifierParameter;
    }

    Target invocationTarget(FunctionName name, String qualifierParameter) {
        String qualifier = qualifier(name, qualifierParameter);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()) + ":" + (qualifier == null ? "$LATEST" : qualifier));
        }
        FunctionVersion version = function.resolve(qualifier).orElseThrow(() ->
                LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier));
        if (function.state() != LocalFunction.State.Active) {
            throw LambdaException.conflict("The operation cannot be performed at this time. The function is currently "
                    + "in the following state: " + function.state());
        }
        String invokedArn = qualifier == null ? functionArn(name.name()) : functionArn(name.name()) + ":" + qualifier;
        return new Target(function, version, invokedArn);
    }

    // ---- run and delete -------------------------------------------------------------------------

    InvocationResult invoke(Target target, Invocation invocation) {
        return target.function().invoke(target.version(), invocation, config.initTimeout(), faults.runtimeFault());
    }

    void invokeAsync(Target target, Invocation invocation) {
        executor.execute(() -> {
            try {
                invoke(target, invocation);
            } catch (LambdaException e) {
                target.function().log().append("Event invocation " + invocation.requestId + " failed: "
                        + e.getMessage() + "\n");
            }
        });
    }

    void delete(FunctionName name, String qualifierParameter) {
        String qualifier = qualifier(name, qualifierParameter);
        LocalFunction function = function(name);
        if (faults.failDelete()) {
            throw new LambdaException(500, "ServiceException", "An internal error occurred (injected fault).");
        }
        if (qualifier != null && !qualifier.equals("$LATEST")) {
            if (!qualifier.chars().allMatch(Character::isDigit)) {
                throw LambdaException.invalidParameter("Deletion of aliases is not supported.");
            }
            function.deleteVersion(qualifier);
            return;
        }
        if (functions.remove(name.name(), function)) {
            function.close();
            function.versions().forEach(version -> deleteQuietly(version.code().directory()));
        }
    }

    /** Stops every function's processes and forgets them. */
    void closeAll() {
        List<LocalFunction> all = new ArrayList<>(functions.values());
        functions.clear();
        all.parallelStream().forEach(LocalFunction::close);
    }

    static void deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A leftover temp file is harmless; the service's work directory is removed on close.
        }
    }
}
