package io.lambdasteprunner.step;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaLimits;
import io.lambdasteprunner.step.LambdaGateway.FunctionState;
import io.lambdasteprunner.step.LambdaGateway.InvocationResult;
import io.lambdasteprunner.step.StepListener.Phase;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Runs a parsed step against Lambda: the role check and recursion check before any call, then
 * invoke, or create &rarr; wait until Active &rarr; invoke &rarr; delete.
 *
 * <p>Deletion is attempted whenever the step created a function and asked for deletion, whatever
 * happened before; a failed delete is reported as {@code functionWasDeleted: "false"} and never hides
 * the invocation's result. Thread-safe: one instance serves concurrent steps.
 */
public final class StepRunner {

    /** The tag every generated function carries: marks it as ours, with its creation time. */
    public static final String CREATED_TAG = "lambda-step-runner:created";
    /**
     * The client context key ({@code custom.lambdaStepRunnerDepth}) that tells an invoked function how many
     * step runners the chain has passed through; a step runner reads it to refuse chains deeper than
     * {@link StepConfig#maxStepDepth()}.
     */
    public static final String DEPTH_KEY = "lambdaStepRunnerDepth";

    /** Time kept back from waiting for Active so the delete can still run. */
    static final Duration DELETE_RESERVE = Duration.ofSeconds(3);
    /** The least time an Invoke is given, however little the step has left. */
    static final Duration LEAST_INVOKE_TIME = Duration.ofSeconds(1);
    /** Fresh names to try when a generated name is already taken. */
    static final int NAME_ATTEMPTS = 3;
    private static final int MAX_ERROR_TEXT = 1000;

    private final LambdaGateways gateways;
    private final StepConfig config;
    private final RolePolicy roles;
    private final FunctionNames names;
    private final ReusableFunctions reusables;
    /** Reusable functions this container checked in other accounts and regions, apart from the runner's own. */
    private final Map<TargetAccount, ReusableFunctions> reusablesElsewhere = new ConcurrentHashMap<>();
    private final StepListener listener;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final ResultFitter fitter;

    /** A runner whose deployment writes no response to S3 (a configured {@code RESULT_BUCKET} is not used). */
    public StepRunner(LambdaGateway lambda, StepConfig config, StepListener listener, ObjectMapper mapper,
                      Clock clock, RandomGenerator random) {
        this(lambda, config, listener, mapper, clock, random, ResultStore.NONE);
    }

    /**
     * @param random  draws the unique part of generated function names
     * @param results where responses too big for {@code MAX_RESULT_BYTES} are written when {@code RESULT_BUCKET}
     *                is set
     */
    public StepRunner(LambdaGateway lambda, StepConfig config, StepListener listener, ObjectMapper mapper,
                      Clock clock, RandomGenerator random, ResultStore results) {
        this(LambdaGateways.only(lambda), config, listener, mapper, clock, random, results);
    }

    /**
     * A runner that acts in the account and region each request names.
     *
     * @param gateways the Lambda gateway of each target account and region
     */
    public StepRunner(LambdaGateways gateways, StepConfig config, StepListener listener, ObjectMapper mapper,
                      Clock clock, RandomGenerator random, ResultStore results) {
        this.gateways = gateways;
        this.config = config;
        this.roles = new RolePolicy(config);
        this.names = new FunctionNames(config.generatedFunctionPrefix(), clock, random);
        this.reusables = new ReusableFunctions(config.generatedFunctionPrefix());
        this.listener = listener;
        this.mapper = mapper;
        this.clock = clock;
        StepConfig.Results settings = results == ResultStore.NONE ? config.results().withBucket(null)
                : config.results();
        this.fitter = new ResultFitter(settings, results, listener);
    }

    /**
     * The Lambda gateway of {@code target}, once the runner may act there: the role is checked against
     * {@code ALLOWED_ASSUME_ROLE_ARNS} before any AWS call, then assumed (its credentials cached).
     *
     * @throws StepFailure {@code RoleNotAllowed} before any AWS call; {@code AssumeRoleDenied} or
     *                     {@code StsUnavailable} when STS does not hand out the role's credentials
     */
    public LambdaGateway gatewayFor(TargetAccount target, RunnerInvocation self) {
        if (target.isRunnersOwn()) {
            return gateways.in(target, self.origin());
        }
        roles.checkAssumable(target, self.account());
        return gateways.in(target, self.origin());
    }

    /** Fits results to {@code MAX_RESULT_BYTES} for other framings (the API Gateway adapter's proxy response). */
    public ResultFitter resultFitter() {
        return fitter;
    }

    /**
     * Runs one step.
     *
     * @param deadline when the step must be done (the handler's remaining time)
     * @return the context variables; a function error is a result unless {@code failOnFunctionError}
     * @throws StepFailure with a named error; its partial result says what was created and deleted
     */
    public StepResult run(StepRequest request, Deadline deadline) {
        return run(request, deadline, 0);
    }

    /**
     * Runs one step that arrived through a chain of step runners.
     *
     * @param depth how many step runners invoked this one ({@code custom.lambdaStepRunnerDepth} of the
     *              incoming client context; 0 when a person, Step Functions or EventBridge asked)
     * @throws StepFailure {@code RecursionRefused} before any AWS call when this runner would be deeper in the
     *                     chain than {@link StepConfig#maxStepDepth()} allows
     */
    public StepResult run(StepRequest request, Deadline deadline, int depth) {
        return run(request, deadline, depth, RunnerInvocation.outsideLambda());
    }

    /**
     * Runs one step for a runner invocation: the result (and the partial result of a failure) fits
     * {@code MAX_RESULT_BYTES} as a plain step output ({@link ResultFitter}).
     *
     * @param self the runner's own request id and invoked ARN (Lambda's context)
     * @throws StepFailure as {@link #run(StepRequest, Deadline, int)}
     */
    public StepResult run(StepRequest request, Deadline deadline, int depth, RunnerInvocation self) {
        try {
            return fitter.fit(runUnbounded(request, deadline, depth, self), self.requestId());
        } catch (StepFailure failure) {
            if (failure.partialResult().isEmpty()) {
                throw failure;
            }
            throw failure.withPartialResult(fitter.fit(failure.partialResult().get(), self.requestId()));
        }
    }

    private StepResult runUnbounded(StepRequest request, Deadline deadline, int depth, RunnerInvocation self) {
        if (depth >= config.maxStepDepth()) {
            throw new StepFailure(StepError.RECURSION_REFUSED, "this step runner was invoked through a chain of "
                    + depth + " step runners (client context custom." + DEPTH_KEY + "=" + depth + ") and MAX_STEP_DEPTH "
                    + "allows " + config.maxStepDepth() + " in all; break the loop of steps that invoke step runners, "
                    + "or raise MAX_STEP_DEPTH");
        }
        // The depth marker goes with every invocation, whatever account or region, so chains stay bounded.
        String clientContext = clientContextWithDepth(request.invokeOptions().clientContext(), depth + 1);
        return switch (request) {
            case StepRequest.Invoke invoke -> {
                refuseSelfInvoke(invoke, self);
                yield invokeExisting(gatewayFor(invoke.target(), self), invoke, clientContext, self, deadline);
            }
            case StepRequest.CustomCode customCode -> {
                // Every refusal before any AWS call: the role, then the assumed role.
                String role = roles.resolveIn(customCode.target(), customCode.roleArn(), self.account());
                roles.checkAssumable(customCode.target(), self.account());
                LambdaGateway lambda = gatewayFor(customCode.target(), self);
                yield customCode.reuse() ? runReused(lambda, customCode, role, deadline, clientContext)
                        : runCustomCode(lambda, customCode, role, deadline, clientContext);
            }
        };
    }

    /** The step's client context with {@code custom.lambdaStepRunnerDepth} set; checked against Lambda's limit. */
    private String clientContextWithDepth(ObjectNode requested, int depth) {
        if (requested == null) {
            // Most steps send none: the marker alone, written without building a tree.
            return "{\"custom\":{\"" + DEPTH_KEY + "\":\"" + depth + "\"}}";
        }
        ObjectNode context = requested.deepCopy();
        JsonNode custom = context.get("custom");
        ObjectNode ownCustom = custom != null && custom.isObject()
                ? (ObjectNode) custom : context.putObject("custom");
        // A string, as AWS's runtimes type custom values (Java's ClientContext.getCustom() is Map<String, String>).
        ownCustom.put(DEPTH_KEY, Integer.toString(depth));
        String json = context.toString();
        int encoded = (json.getBytes(StandardCharsets.UTF_8).length + 2) / 3 * 4;
        if (encoded > LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES) {
            throw new StepFailure(StepError.PAYLOAD_TOO_LARGE, "clientContext is " + encoded + " bytes base64-encoded "
                    + "with the runner's custom." + DEPTH_KEY + " added; Lambda accepts "
                    + LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES + ", so shorten clientContext");
        }
        return json;
    }

    /**
     * Refuses a step that would invoke this runner: the same function name, in the runner's own account and
     * region as far as the request and Lambda's context tell. A function of that name in another account or
     * region is not the runner (the depth marker still bounds a chain through it).
     */
    private void refuseSelfInvoke(StepRequest.Invoke step, RunnerInvocation self) {
        FunctionNames.Reference reference = FunctionNames.parse(step.functionName());
        if (!reference.name().equals(config.selfFunctionName())) {
            return;
        }
        Optional<String> runnersRegion = self.region();
        Optional<String> region = FunctionNames.regionOf(step.functionName())
                .or(() -> Optional.ofNullable(step.target().region()));
        boolean otherRegion = region.isPresent() && runnersRegion.isPresent() && !region.get().equals(runnersRegion.get());
        Optional<String> runnersAccount = self.account();
        Optional<String> account = FunctionNames.accountOf(step.functionName()).or(step.target()::roleAccount);
        boolean otherAccount = account.isPresent() && runnersAccount.isPresent()
                && !account.get().equals(runnersAccount.get());
        if (!otherRegion && !otherAccount) {
            throw new StepFailure(StepError.RECURSION_REFUSED, "functionName " + step.functionName()
                    + " is this step runner itself; a step may not invoke its own runner");
        }
    }

    private StepResult invokeExisting(LambdaGateway lambda, StepRequest.Invoke step, String clientContext,
                                      RunnerInvocation self, Deadline deadline) {
        InvocationResult invoked = timed(step.action(), step.functionName(), Phase.INVOKE,
                () -> lambda.invoke(invocation(step.functionName(), step.qualifier(), step.invokeOptions(),
                        clientContext, deadline)));
        StepResult result = StepResult.invoked(step.functionName(), false, invoked, parse(invoked.payload()));
        failOnFunctionError(step.invokeOptions(), result);
        return result;
    }

    private StepResult runCustomCode(LambdaGateway lambda, StepRequest.CustomCode step, String role,
                                     Deadline deadline, String clientContext) {
        String name = create(lambda, step, role);
        StepResult result = StepResult.notInvoked(name, true, false);
        RuntimeException failure = null;
        try {
            waitUntilActive(lambda, step.action(), name, deadline.minus(DELETE_RESERVE));
            InvocationResult invoked = timed(step.action(), name, Phase.INVOKE,
                    () -> lambda.invoke(invocation(name, null, step.invokeOptions(), clientContext,
                            deadline.minus(DELETE_RESERVE))));
            result = StepResult.invoked(name, true, invoked, parse(invoked.payload()));
        } catch (RuntimeException e) {
            failure = e;
        }
        if (step.deleteAfterExecution()) {
            result = result.withDeleted(delete(lambda, step.action(), name));
        }
        if (failure instanceof StepFailure stepFailure) {
            throw stepFailure.withPartialResult(result);
        }
        if (failure != null) {
            throw failure;
        }
        failOnFunctionError(step.invokeOptions(), result);
        return result;
    }

    /**
     * A reusable function: invoke the one this container already checked, else find it by its
     * definition's name (create it when it does not exist), wait until Active, invoke. Never deleted.
     * If it disappeared since (swept), it is created again and invoked once more.
     */
    private StepResult runReused(LambdaGateway lambda, StepRequest.CustomCode step, String role, Deadline deadline,
                                 String clientContext) {
        // The same definition gives the same name in every account and region; what this container knows of
        // each is kept apart.
        ReusableFunctions reusables = step.target().isRunnersOwn() ? this.reusables
                : reusablesElsewhere.computeIfAbsent(step.target(),
                        other -> new ReusableFunctions(config.generatedFunctionPrefix()));
        String hash = ReusableFunctions.definitionHash(config.generatedFunctionPrefix(), step, role);
        String name = reusables.name(hash);
        boolean created = false;
        ReusableFunctions.Known known = reusables.known(name);
        if (known == null) {
            created = ensureReusable(lambda, reusables, step, role, name, hash, deadline);
            known = reusables.known(name);
        }
        InvocationResult invoked;
        try {
            invoked = timed(step.action(), name, Phase.INVOKE,
                    () -> lambda.invoke(invocation(name, null, step.invokeOptions(), clientContext,
                            deadline.minus(DELETE_RESERVE))));
        } catch (StepFailure gone) {
            if (gone.error() != StepError.FUNCTION_NOT_FOUND) {
                throw gone.withPartialResult(StepResult.notInvoked(name, created, false));
            }
            reusables.forget(name);
            created = ensureReusable(lambda, reusables, step, role, name, hash, deadline);
            known = reusables.known(name);
            boolean createdAgain = created;
            try {
                invoked = timed(step.action(), name, Phase.INVOKE,
                        () -> lambda.invoke(invocation(name, null, step.invokeOptions(), clientContext,
                            deadline.minus(DELETE_RESERVE))));
            } catch (StepFailure failure) {
                throw failure.withPartialResult(StepResult.notInvoked(name, createdAgain, false));
            }
        }
        touch(lambda, reusables, name, known);
        StepResult result = StepResult.invoked(name, created, invoked, parse(invoked.payload()));
        failOnFunctionError(step.invokeOptions(), result);
        return result;
    }

    /**
     * Makes sure the reusable function exists, matches the definition and is Active, and remembers it.
     *
     * @return whether this step created it
     */
    private boolean ensureReusable(LambdaGateway lambda, ReusableFunctions reusables, StepRequest.CustomCode step, String role, String name, String hash,
                                   Deadline deadline) {
        boolean created = false;
        Optional<LambdaGateway.FunctionInfo> found = lambda.findFunction(name);
        if (found.isEmpty()) {
            Map<String, String> tags = new LinkedHashMap<>(step.tags());
            String now = clock.instant().toString();
            tags.put(CREATED_TAG, now);
            tags.put(ReusableFunctions.DEFINITION_TAG, hash);
            tags.put(ReusableFunctions.LAST_USED_TAG, now);
            try {
                createFunction(lambda, step, role, name, tags);
                created = true;
            } catch (StepFailure conflict) {
                // Another step created it first (concurrent first use): use theirs once it is Active.
                if (conflict.error() != StepError.FUNCTION_CONFLICT) {
                    throw conflict;
                }
            }
            found = lambda.findFunction(name);
            if (found.isEmpty()) {
                throw new StepFailure(StepError.FUNCTION_CONFLICT, "reusable function " + name
                        + " was deleted while this step was creating it; retry the step",
                        StepResult.notInvoked(name, created, false));
            }
        }
        LambdaGateway.FunctionInfo info = found.get();
        if (!hash.equals(info.tags().get(ReusableFunctions.DEFINITION_TAG))
                && !lambda.codeSha256(step.source()).equals(info.codeSha256())) {
            throw new StepFailure(StepError.FUNCTION_CONFLICT, "function " + name + " exists but is not this "
                    + "step's reusable function (its " + ReusableFunctions.DEFINITION_TAG + " tag and code differ); "
                    + "delete it or change GENERATED_FUNCTION_PREFIX", StepResult.notInvoked(name, false, false));
        }
        if (!info.functionState().isActive()) {
            try {
                waitUntilActive(lambda, step.action(), name, deadline);
            } catch (StepFailure failure) {
                throw failure.withPartialResult(StepResult.notInvoked(name, created, false));
            }
        }
        Instant lastUsed = created ? clock.instant() : parseInstant(info.tags().get(ReusableFunctions.LAST_USED_TAG));
        reusables.remember(name, new ReusableFunctions.Known(info.functionArn(), lastUsed));
        return created;
    }

    /** Refreshes the last-used tag when it is older than the touch interval; a failure only costs idleness data. */
    private void touch(LambdaGateway lambda, ReusableFunctions reusables, String name, ReusableFunctions.Known known) {
        Instant now = clock.instant();
        if (known == null || Duration.between(known.lastUsedTagged(), now).compareTo(ReusableFunctions.TOUCH_INTERVAL) < 0) {
            return;
        }
        try {
            lambda.tagFunction(known.functionArn(), Map.of(ReusableFunctions.LAST_USED_TAG, now.toString()));
            reusables.remember(name, new ReusableFunctions.Known(known.functionArn(), now));
        } catch (RuntimeException e) {
            listener.tagFailed(name, e instanceof StepFailure f ? f.error() : StepError.INTERNAL_ERROR,
                    e instanceof StepFailure ? e.getMessage() : e.getClass().getSimpleName());
        }
    }

    private static Instant parseInstant(String text) {
        try {
            return text == null ? Instant.EPOCH : Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private void createFunction(LambdaGateway lambda, StepRequest.CustomCode step, String role, String name, Map<String, String> tags) {
        LambdaGateway.NewFunction function = new LambdaGateway.NewFunction(name, step.runtime(), role,
                step.source(), step.description(), step.timeoutSeconds(), step.memorySize(), step.environment(), tags);
        timed(step.action(), name, Phase.CREATE, () -> {
            lambda.createFunction(function);
            return null;
        });
    }

    private String create(LambdaGateway lambda, StepRequest.CustomCode step, String role) {
        Map<String, String> tags = new LinkedHashMap<>(step.tags());
        tags.put(CREATED_TAG, clock.instant().toString());
        for (int attempt = 1; ; attempt++) {
            String name = names.next();
            try {
                createFunction(lambda, step, role, name, tags);
                return name;
            } catch (StepFailure nameTaken) {
                if (nameTaken.error() != StepError.FUNCTION_CONFLICT || attempt >= NAME_ATTEMPTS) {
                    throw nameTaken;
                }
            }
        }
    }

    /** Waits (the gateway polls) until the function is Active, until {@code deadline} at most. */
    private void waitUntilActive(LambdaGateway lambda, String action, String name, Deadline deadline) {
        timed(action, name, Phase.WAIT_ACTIVE, () -> {
            FunctionState state = lambda.awaitActive(name, deadline.remaining());
            if (state.isActive()) {
                return null;
            }
            if (state.isFailed() || "Inactive".equals(state.state())) {
                throw new StepFailure(StepError.FUNCTION_CREATION_FAILED, "Lambda could not create function "
                        + name + " (state " + state.state() + (state.reason() == null ? "" : ": "
                        + state.reason()) + ")");
            }
            throw new StepFailure(StepError.FUNCTION_NOT_READY, "function " + name + " was still "
                    + state.state() + " when the step ran out of time; retry the step or give it a longer "
                    + "timeout");
        });
    }

    private boolean delete(LambdaGateway lambda, String action, String name) {
        try {
            timed(action, name, Phase.DELETE, () -> {
                lambda.deleteFunction(name);
                return null;
            });
            return true;
        } catch (StepFailure e) {
            if (e.error() == StepError.FUNCTION_NOT_FOUND) {
                // A retried delete whose first attempt went through: the function is gone, as asked.
                return true;
            }
            listener.deleteFailed(name, e.error(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            listener.deleteFailed(name, StepError.INTERNAL_ERROR, e.getClass().getSimpleName());
            return false;
        }
    }

    private void failOnFunctionError(StepRequest.InvokeOptions options, StepResult result) {
        if (!options.failOnFunctionError() || result.invokeFunctionError() == null) {
            return;
        }
        JsonNode error = result.invokeResponsePayload();
        String detail = result.invokeFunctionError();
        if (error != null && error.isObject() && error.hasNonNull("errorType")) {
            detail = error.get("errorType").asText() + ": " + error.path("errorMessage").asText();
        }
        if (detail.length() > MAX_ERROR_TEXT) {
            detail = detail.substring(0, MAX_ERROR_TEXT) + "...";
        }
        throw new StepFailure(StepError.FUNCTION_FAILED, "function " + result.functionName() + " failed ("
                + result.invokeFunctionError() + "): " + detail, result);
    }

    /**
     * An Invoke bounded by what is left of the step's time, so a step answers before its caller gives up
     * (API Gateway after 29 s) or Lambda stops the runner; at least {@link #LEAST_INVOKE_TIME}, so a step with
     * no time left still gets Lambda's answer to a quick function rather than failing unsent.
     */
    private static LambdaGateway.Invocation invocation(String functionName, String qualifier,
                                                       StepRequest.InvokeOptions options, String clientContext,
                                                       Deadline until) {
        Duration left = until.remaining();
        return new LambdaGateway.Invocation(functionName, qualifier, options.payload().toString(),
                options.invocationType(), clientContext, options.logType(),
                left.compareTo(LEAST_INVOKE_TIME) < 0 ? LEAST_INVOKE_TIME : left);
    }

    private JsonNode parse(String payload) {
        if (payload == null || payload.isBlank()) {
            return null;
        }
        try {
            return mapper.readTree(payload);
        } catch (JsonProcessingException notJson) {
            return null;
        }
    }

    private <T> T timed(String action, String name, Phase phase, Supplier<T> work) {
        long start = System.nanoTime();
        StepError failedWith = StepError.INTERNAL_ERROR;
        try {
            T value = work.get();
            failedWith = null;
            return value;
        } catch (StepFailure failure) {
            failedWith = failure.error();
            throw failure;
        } finally {
            listener.phase(action, name, phase, Duration.ofNanos(System.nanoTime() - start), failedWith);
        }
    }
}
