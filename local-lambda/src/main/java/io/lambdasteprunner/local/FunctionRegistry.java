package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The functions of one {@link Scope} (account and region), and the rules Lambda applies to creating,
 * changing, invoking and deleting them. Takes {@link ControlRequests}, never wire JSON. Thread-safe.
 */
final class FunctionRegistry {

    private static final DateTimeFormatter LAST_MODIFIED = io.lambdasteprunner.facts.LambdaLimits.LAST_MODIFIED;
    private static final int MAX_ENVIRONMENT_BYTES = io.lambdasteprunner.facts.LambdaLimits.ENVIRONMENT_BYTES;
    private static final int MAX_TAGS = 50;
    private static final long MAX_ZIPPED_BYTES = io.lambdasteprunner.facts.LambdaLimits.ZIPPED_CODE_BYTES;
    /** An account's concurrency, and what must stay unreserved (AWS's defaults). */
    private static final int ACCOUNT_CONCURRENCY = 1000;
    private static final int MIN_UNRESERVED_CONCURRENCY = 100;
    /** How long GetFunction(Configuration) may hold its answer while the function is about to be Active. */
    static final Duration PENDING_POLL_PATIENCE = Duration.ofMillis(50);
    private static final Set<String> RESERVED_VARIABLES = Set.of(
            "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR");

    /**
     * A function version chosen for an invoke, with the ARN the runtime is told it was invoked by and the
     * qualifier it was invoked with (null: none).
     */
    record Target(LocalFunction function, FunctionVersion version, String invokedArn, String qualifier) {

        /** The qualifier whose event invoke config applies: {@code $LATEST} when the invoke named none. */
        String configQualifier() {
            return qualifier == null ? FunctionVersion.LATEST : qualifier;
        }
    }

    /** A version reached by a name and qualifier, with the ARN answers show for it. */
    record Resolved(LocalFunction function, FunctionVersion version, String qualifier, String arn) {
    }

    /** What CreateFunction made: {@code $LATEST}, and the version it published with {@code Publish: true}. */
    record Created(FunctionVersion latest, FunctionVersion published) {
    }

    /** GetAccountSettings' figures. */
    record Usage(int concurrentExecutions, int unreservedConcurrentExecutions, long totalCodeSize, int functionCount) {
    }

    /**
     * The runtimes AWS still takes on CreateFunction and UpdateFunctionConfiguration, in the order its
     * enum error lists them (recorded 2026-01-12: LocalStack's test_create_lambda_exceptions, and
     * python3.8 updates recorded in test_function_revisions_basic). Deprecated ones not listed are
     * refused as "no longer supported"; newer ones Lambda knows are taken.
     */
    static final List<String> ACCEPTED_RUNTIMES = List.of("nodejs20.x", "python3.14", "provided.al2023",
            "python3.12", "python3.13", "nodejs24.x", "nodejs22.x", "java25", "python3.10", "python3.11", "java21",
            "ruby3.3", "ruby3.4", "ruby3.2", "python3.8", "python3.9", "java17", "nodejs16.x", "dotnet10", "dotnet8",
            "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2");

    /**
     * The runtimes SnapStart takes (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html: Java 11 and
     * later, Python 3.12 and later, .NET 8 and later; recorded for each but python3.14 in LocalStack's
     * test_snapstart_lifecycle). AWS refuses it for the others.
     */
    static final Set<String> SNAP_START_RUNTIMES = Set.of("java11", "java17", "java21", "java25", "python3.12",
            "python3.13", "python3.14", "dotnet8", "dotnet10");
    /** How many layers a function may reference (recorded: test_layer_function_quota_exception). */
    private static final int MAX_LAYERS = 5;

    private final LocalLambdaConfig config;
    private final Scope scope;
    private final Path codeRoot;
    private final Launcher launcher;
    private final ExecutorService executor;
    private final Consumer<String> logEcho;
    private final Faults faults;
    private final Map<String, LocalFunction> functions = new ConcurrentHashMap<>();
    private final AsyncInvocations async;

    FunctionRegistry(Scope scope, LocalLambdaConfig config, Path codeRoot, Launcher launcher, ExecutorService executor,
                     ScheduledExecutorService retryTimer, Consumer<String> logEcho, Faults faults) {
        this.faults = faults;
        this.config = config;
        this.scope = scope;
        this.codeRoot = codeRoot;
        this.launcher = launcher;
        this.executor = executor;
        this.async = new AsyncInvocations(new EventQueues(executor, retryTimer), config.asyncRetryDelays(),
                new AsyncInvocations.Functions() {
                    @Override
                    public InvocationResult invoke(Target target, Invocation invocation) {
                        return FunctionRegistry.this.invoke(target, invocation);
                    }

                    @Override
                    public Target destination(FunctionName name) {
                        return invocationTarget(name, null);
                    }

                    @Override
                    public String functionArn(String name) {
                        return FunctionRegistry.this.functionArn(name);
                    }
                });
        this.logEcho = logEcho;
    }

    Scope scope() {
        return scope;
    }

    String region() {
        return scope.region();
    }

    String functionArn(String name) {
        return scope.functionArn(name);
    }

    /**
     * An ARN of another region or account names no function here: AWS answers 404 for another region
     * (in its words) and 403 for another account (with no message; ours says how to act there). A
     * function whose policy grants the caller's account is reached in its own scope instead
     * ({@link CrossAccountAccess}).
     */
    void checkScope(FunctionName name) {
        if (name.region() != null && !name.region().equals(scope.region())) {
            throw LambdaException.notFound("Functions from '" + name.region() + "' are not reachable in this region ('"
                    + scope.region() + "')");
        }
        if (name.accountId() != null && !name.accountId().equals(scope.accountId())) {
            throw new LambdaException(403, "AccessDeniedException", "The function's account " + name.accountId()
                    + " is not the caller's account " + scope.accountId() + ". To act in " + name.accountId()
                    + ", sign with its credentials: locally, an access key id of twelve digits is that account "
                    + "(AWS_ACCESS_KEY_ID=" + name.accountId() + "), and AssumeRole's keys are the role's account. "
                    + "Or let " + scope.accountId() + " act on it: AddPermission with Principal " + scope.accountId()
                    + " on the function, as its resource policy does on AWS.");
        }
    }

    // ---- create and change ----------------------------------------------------------------------

    Created create(ControlRequests.NewFunction request) {
        checkScope(request.name());
        String name = request.name().name();
        checkRuntime(request.runtime());
        if (request.handler() == null || request.handler().isBlank()) {
            throw LambdaException.invalidParameter("Handler must be specified for functions of package type Zip.");
        }
        Map<String, String> environment = checkEnvironment(request.environment());
        Map<String, String> tags = request.tags() == null ? Map.of() : request.tags();
        if (tags.size() > MAX_TAGS) {
            throw LambdaException.invalidParameter("Number of tags exceeds resource tag limit.");
        }
        LoggingConfig logging = logging(LoggingConfig.defaultFor(name), request.logging());
        ControlRequests.Settings settings = request.settings();
        String snapStart = settings.snapStart() != null ? settings.snapStart() : FunctionVersion.SNAP_START_OFF;
        checkSnapStart(request.runtime(), snapStart);
        checkLayers(settings.layers());
        byte[] zip = zip(request.zip(), request.codeFromS3());
        if (functions.containsKey(name)) {
            throw LambdaException.conflict("Function already exist: " + name);
        }
        FunctionCode code = FunctionCode.unpack(zip, codeRoot.resolve(name + "-" + UUID.randomUUID()));
        FunctionVersion latest = new FunctionVersion(name, functionArn(name), FunctionVersion.LATEST,
                request.runtime(), request.handler(), request.role(),
                request.description() == null ? "" : request.description(),
                request.timeout() == null ? 3 : request.timeout(),
                request.memorySize() == null ? 128 : request.memorySize(),
                request.ephemeralStorage() == null ? Sandbox.DEFAULT_TMP_MB : request.ephemeralStorage(), environment,
                request.environment() != null,
                request.architectures() == null ? List.of("x86_64") : request.architectures(), code, logging, now(),
                UUID.randomUUID().toString(), snapStart, settings.vpc() != null && settings.vpc().isDetached());
        FunctionLog log = new FunctionLog(logEcho);
        LocalFunction function = new LocalFunction(latest, tags, log, version -> launcher.start(version, scope, log),
                config.maxEnvironmentsPerFunction(), launcher.budget());
        if (functions.putIfAbsent(name, function) != null) {
            deleteQuietly(code.directory());
            throw LambdaException.conflict("Function already exist: " + name);
        }
        FunctionVersion published = request.publish() ? function.publish(null, null, null) : null;
        executor.execute(() -> function.activate(config.initTimeout(), faults.settings().pendingDelay(),
                published != null ? published : latest));
        return new Created(latest, published);
    }

    private static byte[] zip(byte[] zip, boolean fromS3) {
        if (zip == null) {
            throw LambdaException.invalidParameter(fromS3
                    // AWS's code and status for an S3 object it cannot get (recorded: test_lambda_code_location_s3_errors).
                    ? "The local Lambda service does not fetch code from S3 (S3Bucket, S3Key): give the .zip package "
                            + "as ZipFile."
                    : "Please provide a source for function code.");
        }
        if (zip.length > MAX_ZIPPED_BYTES) {
            throw LambdaException.entityTooLarge("Zipped size must be smaller than " + MAX_ZIPPED_BYTES + " bytes");
        }
        return zip;
    }

    private void checkRuntime(String runtime) {
        if (runtime == null) {
            throw LambdaException.invalidParameter("The runtime parameter is required for functions of package type Zip.");
        }
        if (!LambdaRuntimes.isSupported(runtime) && !LambdaRuntimes.isDeprecated(runtime)) {
            throw LambdaException.invalidParameter("Value " + runtime + " at 'runtime' failed to satisfy constraint: "
                    + "Member must satisfy enum value set: " + ACCEPTED_RUNTIMES + " or be a valid ARN");
        }
        if (LambdaRuntimes.isDeprecated(runtime) && !ACCEPTED_RUNTIMES.contains(runtime)) {
            throw LambdaException.invalidParameter("The runtime parameter of " + runtime + " is no longer supported "
                    + "for creating or updating AWS Lambda functions. We recommend you use a supported runtime "
                    + "while creating or updating functions.");
        }
        if (!launcher.canRun(runtime)) {
            throw LambdaException.invalidParameter(Launcher.cannotRun(runtime));
        }
    }

    /** SnapStart on a runtime that has none is refused in AWS's words (https://github.com/localstack/localstack/pull/12458). */
    private static void checkSnapStart(String runtime, String applyOn) {
        if (!FunctionVersion.SNAP_START_OFF.equals(applyOn) && !SNAP_START_RUNTIMES.contains(runtime)) {
            throw LambdaException.invalidParameter(runtime + " is not supported for SnapStart enabled functions.");
        }
    }

    /**
     * A function's layers, as AWS judges them: at most five, in the function's region. No layer exists
     * here (PublishLayerVersion is not implemented), so a list that passes those checks names a layer
     * version that does not exist, and gets AWS's answer for one (recorded: test_layer_function_exceptions).
     */
    private void checkLayers(List<String> layers) {
        if (layers == null || layers.isEmpty()) {
            return;
        }
        if (layers.size() > MAX_LAYERS) {
            throw LambdaException.invalidParameter("Cannot reference more than " + MAX_LAYERS + " layers.");
        }
        for (String layer : layers) {
            String region = layer.split(":", -1)[3];
            if (!region.isEmpty() && !region.equals(scope.region())) {
                throw LambdaException.invalidParameter("Layers are not in the same region as the function. Layers are "
                        + "expected to be in region " + scope.region() + ".");
            }
        }
        throw LambdaException.invalidParameter("Layer version " + layers.get(0) + " does not exist.");
    }

    /**
     * Reserved keys, then the 4 KB limit, measured as AWS measures it: on the compact JSON of the
     * variables ({@code {"KEY":"value",...}}), which AWS quotes back.
     */
    private static Map<String, String> checkEnvironment(Map<String, String> variables) {
        if (variables == null) {
            return Map.of();
        }
        List<String> reserved = variables.keySet().stream().filter(RESERVED_VARIABLES::contains).toList();
        if (!reserved.isEmpty()) {
            throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables because "
                    + "the environment variables you have provided contains reserved keys that are currently not "
                    + "supported for modification. Reserved keys used in this request: " + String.join(", ", reserved));
        }
        String measured = Json.MAPPER.valueToTree(variables).toString();
        if (measured.getBytes(StandardCharsets.UTF_8).length > MAX_ENVIRONMENT_BYTES) {
            throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables because "
                    + "the environment variables you have provided exceeded the 4KB limit. String measured: " + measured);
        }
        return variables;
    }

    /** Applies a LoggingConfig change: levels only with JSON (AWS refuses them with Text), INFO by default. */
    private static LoggingConfig logging(LoggingConfig current, ControlRequests.LoggingChange change) {
        if (change == null) {
            return current;
        }
        String format = change.logFormat() != null ? change.logFormat() : current.logFormat();
        String group = change.logGroup() != null ? change.logGroup() : current.logGroup();
        if (!format.equals("JSON")) {
            if (change.applicationLogLevel() != null || change.systemLogLevel() != null) {
                throw LambdaException.invalidParameter("LogLevel is not supported when LogFormat is set to \"Text\". "
                        + "Remove LogLevel from your request or change the LogFormat to \"Json\" and try again.");
            }
            return new LoggingConfig(format, null, null, group);
        }
        String application = change.applicationLogLevel() != null ? change.applicationLogLevel()
                : current.applicationLogLevel() != null ? current.applicationLogLevel() : "INFO";
        String system = change.systemLogLevel() != null ? change.systemLogLevel()
                : current.systemLogLevel() != null ? current.systemLogLevel() : "INFO";
        return new LoggingConfig(format, application, system, group);
    }

    private static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC).format(LAST_MODIFIED);
    }

    /** Starts a configuration update; the function reports {@code InProgress} until its new code is ready. */
    FunctionVersion updateConfiguration(FunctionName name, ControlRequests.ConfigurationChange change) {
        LocalFunction function = function(name);
        // A stale RevisionId is answered before the new settings are judged (recorded: 412, not the runtime's 400).
        LocalFunction.checkRevision(change.revisionId(), function.latest().revisionId());
        if (change.runtime() != null) {
            checkRuntime(change.runtime());
        }
        ControlRequests.Settings settings = change.settings();
        FunctionVersion current = function.latest();
        checkSnapStart(change.runtime() != null ? change.runtime() : current.runtime(),
                settings.snapStart() != null ? settings.snapStart() : current.snapStart());
        checkLayers(settings.layers());
        if (change.handler() != null && change.handler().isBlank()) {
            throw LambdaException.invalidParameter("Handler must be specified for functions of package type Zip.");
        }
        Map<String, String> environment = change.environment() == null ? null : checkEnvironment(change.environment());
        function.beginUpdate(old -> new FunctionVersion(old.name(), old.functionArn(), old.version(),
                change.runtime() != null ? change.runtime() : old.runtime(),
                change.handler() != null ? change.handler() : old.handler(),
                change.role() != null ? change.role() : old.role(),
                change.description() != null ? change.description() : old.description(),
                change.timeout() != null ? change.timeout() : old.timeout(),
                change.memorySize() != null ? change.memorySize() : old.memorySize(),
                change.ephemeralStorage() != null ? change.ephemeralStorage() : old.ephemeralStorage(),
                environment != null ? environment : old.environment(),
                environment != null || old.environmentShown(), old.architectures(), old.code(), logging(old.loggingConfig(), change.logging()), now(),
                UUID.randomUUID().toString(), settings.snapStart() != null ? settings.snapStart() : old.snapStart(),
                settings.vpc() != null ? settings.vpc().isDetached() : old.vpcDetached()), change.revisionId());
        executor.execute(() -> function.finishUpdate(config.initTimeout()));
        return function.latest();
    }

    /** Starts a code update; with {@code Publish} it also publishes, and answers the new version. */
    FunctionVersion updateCode(FunctionName name, ControlRequests.CodeChange change) {
        LocalFunction function = function(name);
        byte[] zip = zip(change.zip(), change.codeFromS3());
        FunctionVersion before = function.latest();
        FunctionCode code = FunctionCode.unpack(zip, codeRoot.resolve(before.name() + "-" + UUID.randomUUID()));
        try {
            function.beginUpdate(old -> new FunctionVersion(old.name(), old.functionArn(), old.version(),
                    old.runtime(), old.handler(), old.role(), old.description(), old.timeout(), old.memorySize(),
                    old.ephemeralStorage(), old.environment(), old.environmentShown(), change.architectures() != null ? change.architectures() : old.architectures(),
                    code, old.loggingConfig(), now(), UUID.randomUUID().toString(), old.snapStart(), old.vpcDetached()),
                    change.revisionId());
        } catch (LambdaException e) {
            deleteQuietly(code.directory());
            throw e;
        }
        FunctionVersion latest = function.latest();
        FunctionVersion published = change.publish() ? function.publish(null, null, null) : null;
        executor.execute(() -> {
            function.finishUpdate(config.initTimeout());
            if (function.versions().stream().noneMatch(version -> version.code() == before.code())) {
                deleteQuietly(before.code().directory()); // replaced code no version runs any more
            }
        });
        return published != null ? published : latest;
    }

    FunctionVersion publishVersion(FunctionName name, ControlRequests.Publish request) {
        return function(name).publish(request.description(), request.codeSha256(), request.revisionId());
    }

    // ---- aliases --------------------------------------------------------------------------------

    LocalFunction.Alias createAlias(FunctionName name, ControlRequests.AliasChange request) {
        checkScope(name);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()) + ":" + request.functionVersion());
        }
        return function.createAlias(request.name(), request.functionVersion(), request.description(),
                request.weights() == null ? Map.of() : request.weights());
    }

    LocalFunction.Alias alias(FunctionName name, String alias) {
        LocalFunction function = function(name);
        return function.alias(alias).orElseThrow(() ->
                LambdaException.notFound("Cannot find alias arn: " + functionArn(name.name()) + ":" + alias));
    }

    LocalFunction.Alias updateAlias(FunctionName name, ControlRequests.AliasChange request) {
        return function(name).updateAlias(request.name(), request.functionVersion(), request.description(),
                request.weights(), request.revisionId());
    }

    void deleteAlias(FunctionName name, String alias) {
        function(name).deleteAlias(alias);
    }

    /** The aliases of a function, only those pointing at {@code functionVersion} when given. */
    List<LocalFunction.Alias> aliases(FunctionName name, String functionVersion) {
        return function(name).aliases().stream()
                .filter(alias -> functionVersion == null || alias.functionVersion().equals(functionVersion))
                .sorted(Comparator.comparing(LocalFunction.Alias::name)).toList();
    }

    // ---- tags, policies, concurrency ------------------------------------------------------------

    void tag(FunctionName name, Map<String, String> tags) {
        if (tags.isEmpty()) {
            throw LambdaException.invalidParameter("An error occurred and the request cannot be processed.");
        }
        function(name).tag(tags, MAX_TAGS);
    }

    ResourcePolicy.Statement addPermission(FunctionName name, String qualifierParameter,
                                           ControlRequests.Permission request) {
        checkScope(name);
        String qualifier = name.qualifierWith(qualifierParameter);
        if (FunctionVersion.LATEST.equals(qualifier)) {
            throw LambdaException.invalidParameter("We currently do not support adding policies for $LATEST.");
        }
        if (!validPrincipal(request.principal())) {
            throw LambdaException.invalidParameter("The provided principal was invalid. Please check the principal and "
                    + "try again.");
        }
        LocalFunction function = function(name);
        String resource = policyResource(function, name, qualifier);
        return function.addPermission(qualifier, new ResourcePolicy.Statement(request.statementId(), request.action(),
                request.principal(), resource, request.sourceArn(), request.sourceAccount(), request.eventSourceToken(),
                request.principalOrgId(), request.functionUrlAuthType()), request.revisionId());
    }

    /** The ARN a policy is about; a version or alias that does not exist is refused in AWS's words. */
    private String policyResource(LocalFunction function, FunctionName name, String qualifier) {
        if (qualifier == null) {
            return functionArn(name.name());
        }
        if (LocalFunction.isVersionNumber(qualifier)) {
            if (!function.hasVersion(qualifier)) {
                throw LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier);
            }
        } else if (!WireRequests.ALIAS_NAME.matcher(qualifier).matches()) {
            // No alias can have this name (a '$' other than $LATEST's): AWS looks for a function version.
            throw LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier);
        } else if (function.alias(qualifier).isEmpty()) {
            throw LambdaException.notFound("Cannot find alias arn: " + functionArn(name.name()) + ":" + qualifier);
        }
        return functionArn(name.name()) + ":" + qualifier;
    }

    private static boolean validPrincipal(String principal) {
        return principal.equals("*") || principal.matches("\\d{12}")
                || principal.matches("arn:aws[a-zA-Z-]*:(iam|sts)::\\d{12}:.+")
                || principal.matches("[a-z0-9.-]+\\.amazonaws\\.com(\\.cn)?");
    }

    ResourcePolicy policy(FunctionName name, String qualifierParameter) {
        checkScope(name);
        String qualifier = name.qualifierWith(qualifierParameter);
        LocalFunction function = functions.get(name.name());
        Optional<ResourcePolicy> policy = function == null ? Optional.empty() : function.policy(qualifier);
        return policy.filter(p -> !p.statements().isEmpty()).orElseThrow(() ->
                LambdaException.notFound("The resource you requested does not exist."));
    }

    void removePermission(FunctionName name, String qualifierParameter, String statementId, String revisionId) {
        checkScope(name);
        String qualifier = name.qualifierWith(qualifierParameter);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.notFound("No policy found for: " + functionArn(name.name()));
        }
        policyResource(function, name, qualifier);
        function.removePermission(qualifier, statementId, revisionId);
    }

    /** Reserves concurrency for a function, leaving the account its unreserved minimum. */
    synchronized int reserveConcurrency(FunctionName name, int reserved) {
        checkScope(name);
        if (name.qualifier() != null) {
            throw LambdaException.invalidParameter("This operation is permitted on Lambda functions only. Aliases and "
                    + "versions do not support this operation. Please specify either a function name or an "
                    + "unqualified function ARN.");
        }
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()) + ":$LATEST");
        }
        int others = functions.values().stream().filter(f -> f != function)
                .mapToInt(f -> f.reservedConcurrency().orElse(0)).sum();
        if (ACCOUNT_CONCURRENCY - others - reserved < MIN_UNRESERVED_CONCURRENCY) {
            throw LambdaException.invalidParameter("Specified ReservedConcurrentExecutions for function decreases "
                    + "account's UnreservedConcurrentExecution below its minimum value of ["
                    + MIN_UNRESERVED_CONCURRENCY + "].").untyped();
        }
        function.reserveConcurrency(reserved);
        return reserved;
    }

    Optional<Integer> reservedConcurrency(FunctionName name) {
        return function(name).reservedConcurrency();
    }

    void releaseConcurrency(FunctionName name) {
        function(name).reserveConcurrency(null);
    }

    /** GetFunctionRecursionConfig: Terminate until PutFunctionRecursionConfig says otherwise. */
    String recursiveLoop(FunctionName name) {
        return function(name).recursiveLoop();
    }

    String putRecursiveLoop(FunctionName name, String setting) {
        function(name).recursiveLoop(setting);
        return setting;
    }

    Usage usage() {
        int reserved = functions.values().stream().mapToInt(f -> f.reservedConcurrency().orElse(0)).sum();
        long codeSize = functions.values().stream().flatMap(f -> f.versions().stream())
                .mapToLong(v -> v.code().size()).sum();
        return new Usage(ACCOUNT_CONCURRENCY, ACCOUNT_CONCURRENCY - reserved, codeSize, functions.size());
    }

    // ---- look up --------------------------------------------------------------------------------

    LocalFunction function(FunctionName name) {
        checkScope(name);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()));
        }
        return function;
    }

    /** The function a name reaches, if it exists (a name of another region is refused in AWS's words). */
    Optional<LocalFunction> find(FunctionName name) {
        checkScope(name);
        return Optional.ofNullable(functions.get(name.name()));
    }

    List<LocalFunction> all() {
        return functions.values().stream().sorted(Comparator.comparing(LocalFunction::name)).toList();
    }

    /**
     * The version a name and qualifier reach, and the ARN answers show: the alias's for an alias. Used by
     * GetFunction and GetFunctionConfiguration, which wait up to {@link #PENDING_POLL_PATIENCE} while
     * the function is Pending ({@link LocalFunction#awaitActive}).
     */
    Resolved version(FunctionName name, String qualifierParameter) {
        String qualifier = name.qualifierWith(qualifierParameter);
        checkScope(name);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(scope.functionArn(name.name(), qualifier));
        }
        function.awaitActive(PENDING_POLL_PATIENCE);
        FunctionVersion version = function.resolve(qualifier).orElseThrow(() ->
                LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier));
        // A qualifier asked for, $LATEST included, is in the ARN AWS answers; none, and the ARN is unqualified.
        String arn = qualifier == null ? version.versionArn() : functionArn(name.name()) + ":" + qualifier;
        return new Resolved(function, version, qualifier, arn);
    }

    Target invocationTarget(FunctionName name, String qualifierParameter) {
        String qualifier = name.qualifierWith(qualifierParameter);
        checkScope(name);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.functionNotFound(functionArn(name.name()) + ":"
                    + (qualifier == null ? FunctionVersion.LATEST : qualifier));
        }
        FunctionVersion version = function.resolveForInvoke(qualifier).orElseThrow(() ->
                LambdaException.functionNotFound(functionArn(name.name()) + ":" + qualifier));
        if (function.state() != LocalFunction.State.Active) {
            throw LambdaException.conflict("The operation cannot be performed at this time. The function is currently "
                    + "in the following state: " + function.state());
        }
        return new Target(function, version, scope.functionArn(name.name(), qualifier), qualifier);
    }

    // ---- run and delete -------------------------------------------------------------------------

    InvocationResult invoke(Target target, Invocation invocation) {
        InvocationResult result = target.function().invoke(target.version(), invocation, config.initTimeout(),
                faults.runtimeFault());
        if (faults.failAfterRun()) {
            throw new LambdaException(500, "ServiceException", "An internal error occurred (injected fault, after the function ran).");
        }
        return result;
    }

    /** Runs an event later, as Lambda runs an asynchronous invoke: see {@link AsyncInvocations}. */
    void invokeAsync(Target target, Invocation invocation) {
        async.submit(target, invocation);
    }

    // ---- event invoke configs -------------------------------------------------------------------

    /** PutFunctionEventInvokeConfig: replaces the qualifier's config with what the request gives. */
    EventInvokeConfig putEventInvokeConfig(FunctionName name, String qualifierParameter,
                                           ControlRequests.EventInvokeConfigChange change) {
        LocalFunction function = configurable(name, qualifierParameter, change);
        String qualifier = configQualifier(name, qualifierParameter);
        return function.changeEventInvokeConfig(qualifier,
                current -> Optional.of(EventInvokeConfig.of(qualifier, change, Instant.now()))).orElseThrow();
    }

    /** UpdateFunctionEventInvokeConfig: changes what the request gives, of a config that must exist. */
    EventInvokeConfig updateEventInvokeConfig(FunctionName name, String qualifierParameter,
                                              ControlRequests.EventInvokeConfigChange change) {
        LocalFunction function = configurable(name, qualifierParameter, change);
        String qualifier = configQualifier(name, qualifierParameter);
        return function.changeEventInvokeConfig(qualifier,
                        current -> current.map(config -> config.mergedWith(change, Instant.now())))
                .orElseThrow(() -> noEventInvokeConfig(name, qualifier));
    }

    EventInvokeConfig eventInvokeConfig(FunctionName name, String qualifierParameter) {
        String qualifier = configQualifier(name, qualifierParameter);
        return Optional.ofNullable(functions.get(name.name()))
                .flatMap(function -> function.eventInvokeConfig(qualifier))
                .orElseThrow(() -> noEventInvokeConfig(name, qualifier));
    }

    void deleteEventInvokeConfig(FunctionName name, String qualifierParameter) {
        String qualifier = configQualifier(name, qualifierParameter);
        LocalFunction function = functions.get(name.name());
        if (function == null || !function.deleteEventInvokeConfig(qualifier)) {
            throw noEventInvokeConfig(name, qualifier);
        }
    }

    /** ListFunctionEventInvokeConfigs: the function's configs, in the order of their ARNs. */
    List<EventInvokeConfig> eventInvokeConfigs(FunctionName name) {
        checkScope(name);
        LocalFunction function = functions.get(name.name());
        if (function == null) {
            throw LambdaException.notFound("The function doesn't exist.");
        }
        return function.eventInvokeConfigs();
    }

    private String configQualifier(FunctionName name, String qualifierParameter) {
        checkScope(name);
        String qualifier = name.qualifierWith(qualifierParameter);
        return qualifier == null ? FunctionVersion.LATEST : qualifier;
    }

    private LambdaException noEventInvokeConfig(FunctionName name, String qualifier) {
        return LambdaException.notFound("The function " + functionArn(name.name()) + ":" + qualifier
                + " doesn't have an EventInvokeConfig");
    }

    /**
     * The function whose config Put or Update changes, checked in AWS's order (recorded:
     * test_lambda_eventinvokeconfig_exceptions): a request that sets nothing, the qualifier against the
     * name's, the function and its version or alias, then the destinations.
     */
    private LocalFunction configurable(FunctionName name, String qualifierParameter,
                                       ControlRequests.EventInvokeConfigChange change) {
        if (change.setsNothing()) {
            throw LambdaException.invalidParameter("You must specify at least one of error handling or destination "
                    + "setting.");
        }
        String qualifier = configQualifier(name, qualifierParameter);
        LocalFunction function = functions.get(name.name());
        if (function == null || function.resolve(qualifier).isEmpty()) {
            throw LambdaException.notFound("The function doesn't exist.");
        }
        checkDestination(function, change, change.onSuccess(), true);
        checkDestination(function, change, change.onFailure(), false);
        return function;
    }

    /**
     * A destination as AWS judges it: a Lambda function must exist (in this account and region here)
     * and not be the function itself; SQS, SNS and EventBridge take either outcome, S3 failures only;
     * any other service is refused, quoting the config as AWS quotes it.
     */
    private void checkDestination(LocalFunction function, ControlRequests.EventInvokeConfigChange change,
                                  String destination, boolean onSuccess) {
        if (destination == null) {
            return;
        }
        String service = AsyncInvocations.destinationService(destination);
        switch (service) {
            case "lambda" -> {
                FunctionName target;
                try {
                    target = FunctionName.parse(destination);
                } catch (LambdaException e) {
                    throw LambdaException.invalidParameter("The destination ARN " + destination + " is invalid.");
                }
                boolean here = (target.region() == null || target.region().equals(scope.region()))
                        && (target.accountId() == null || target.accountId().equals(scope.accountId()));
                if (here && target.name().equals(function.name())) {
                    throw LambdaException.invalidParameter("You can't specify the function as a destination for "
                            + "itself.");
                }
                LocalFunction other = here ? functions.get(target.name()) : null;
                if (other == null || (target.qualifier() != null && other.resolve(target.qualifier()).isEmpty())) {
                    throw LambdaException.invalidParameter("The destination ARN " + destination + " is invalid.");
                }
            }
            case "sqs", "sns", "events" -> { }
            case "s3" -> {
                if (onSuccess) {
                    throw invalidDestinationConfig(change);
                }
            }
            default -> throw invalidDestinationConfig(change);
        }
    }

    private static LambdaException invalidDestinationConfig(ControlRequests.EventInvokeConfigChange change) {
        String onSuccess = change.onSuccessGiven() ? "OnSuccess(destination=" + change.onSuccess() + ")" : "null";
        String onFailure = change.onFailureGiven() ? "OnFailure(destination=" + change.onFailure() + ")" : "null";
        return LambdaException.invalidParameter("The provided destination config DestinationConfig(onSuccess="
                + onSuccess + ", onFailure=" + onFailure + ") is invalid.");
    }

    /**
     * Deletes a function, or one published version of it. {@code $LATEST} alone cannot be deleted, nor
     * an alias (both refused before the function is looked up, as AWS does); a version that is not
     * there is no error.
     */
    void delete(FunctionName name, String qualifierParameter) {
        String qualifier = name.qualifierWith(qualifierParameter);
        if (FunctionVersion.LATEST.equals(qualifier)) {
            throw LambdaException.invalidParameter("$LATEST version cannot be deleted without deleting the function.");
        }
        if (qualifier != null && WireRequests.ALIAS_NAME.matcher(qualifier).matches()) {
            throw LambdaException.invalidParameter("Deletion of aliases is not currently supported.");
        }
        LocalFunction function = function(name);
        if (faults.failDelete()) {
            throw new LambdaException(500, "ServiceException", "An internal error occurred (injected fault).");
        }
        if (qualifier != null) {
            if (!LocalFunction.isVersionNumber(qualifier)) {
                throw LambdaException.functionNotFound(functionArn(name.name()));
            }
            function.deleteVersion(qualifier);
            return;
        }
        if (functions.remove(name.name(), function)) {
            async.forget(function);
            function.close();
            removeLater(function.versions().stream().map(version -> version.code().directory()).distinct().toList());
        }
    }

    /**
     * Removes a deleted function's code after DeleteFunction has answered: no environment runs it any
     * more (a spare's copy is its own hard links), and the service's stop removes what is left.
     */
    private void removeLater(List<Path> directories) {
        try {
            executor.execute(() -> directories.forEach(FunctionRegistry::deleteQuietly));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            directories.forEach(FunctionRegistry::deleteQuietly);
        }
    }

    /** Stops every function's processes and forgets them. */
    void closeAll() {
        async.close();
        List<LocalFunction> all = new ArrayList<>(functions.values());
        functions.clear();
        all.parallelStream().forEach(LocalFunction::close);
    }

    /**
     * Deletes a directory tree, going on past entries that vanish meanwhile (an environment's own
     * directory is removed by another thread once its processes are gone) or cannot be read.
     */
    static void deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try {
            Files.walkFileTree(directory, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                    file.toFile().delete();
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) {
                    dir.toFile().delete();
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // A leftover temp file is harmless; the service's work directory is removed on close.
        }
    }
}
