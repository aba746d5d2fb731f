package io.lambdasteprunner.lambda;

import io.lambdasteprunner.facts.LambdaLimits;
import io.lambdasteprunner.step.FunctionSource;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;
import software.amazon.awssdk.services.lambda.model.FunctionCode;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionRequest;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.ListFunctionsResponse;
import software.amazon.awssdk.services.lambda.waiters.LambdaWaiter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@link LambdaGateway} on the AWS SDK for Java v2.
 *
 * <p>The SDK does the retrying and the waiting, with {@link LambdaRetries}: Invoke is sent again only
 * when Lambda cannot have run the function, the control plane also after Lambda's 5xx. Invoke uses
 * the client's own strategy when {@link LambdaClients} built the client with the same retries (a
 * per-request strategy costs the SDK a configuration rebuild, ~4 % of a warm local invoke); otherwise
 * it carries its strategy in its request, as every control-plane call does. A control-plane attempt is cut off after
 * {@link #CONTROL_PLANE_ATTEMPT_TIMEOUT}; an Invoke has no attempt timeout but the HTTP client's read
 * timeout (above Lambda's 900 s maximum), and a timeout is never retried. Waiting for {@code Active} is
 * the SDK's {@code waitUntilFunctionActiveV2} waiter with quick first polls ({@link ActivePolling}).
 * Thread-safe.
 */
public final class SdkLambdaGateway implements LambdaGateway {

    /**
     * Every zip is stamped with this time, so the same source always gives the same zip and the same
     * {@code CodeSha256} (reusable functions are recognised by it).
     */
    static final LocalDateTime ZIP_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);
    /**
     * How long one try of a control-plane call may take: far above Lambda's usual answer (under a
     * second), so a hung connection fails the step with time left to clean up instead of holding it
     * until Lambda stops the runner.
     */
    static final Duration CONTROL_PLANE_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

    private final LambdaClient client;
    private final LambdaRetries retries;
    private final ZipPackager packager;
    private final RandomGenerator jitter;
    private final AwsRequestOverrideConfiguration invokePolicy;
    private final AwsRequestOverrideConfiguration controlPlanePolicy;
    private final String logGroup;

    /** A gateway with the production retries ({@link LambdaRetries#standard()}), as {@link LambdaClients#create} sets. */
    public SdkLambdaGateway(LambdaClient client) {
        this(client, LambdaRetries.standard());
    }

    public SdkLambdaGateway(LambdaClient client, LambdaRetries retries) {
        this(client, retries, null, null);
    }

    /**
     * @param logGroup the log group every generated function writes to ({@code GENERATED_FUNCTION_LOG_GROUP}, which
     *                 the stack creates with a retention), or {@code null} for Lambda's default
     *                 {@code /aws/lambda/<name>}, which outlives the function
     */
    public SdkLambdaGateway(LambdaClient client, LambdaRetries retries, String logGroup) {
        this(client, retries, null, logGroup);
    }

    /**
     * @param credentials an assumed role's credentials every call is signed with; {@code null}: the client's own
     * @param logGroup    see {@link #SdkLambdaGateway(LambdaClient, LambdaRetries, String)}
     */
    private SdkLambdaGateway(LambdaClient client, LambdaRetries retries, AwsCredentialsProvider credentials,
                             String logGroup) {
        this.client = client;
        this.retries = retries;
        this.logGroup = logGroup;
        this.packager = new ZipPackager();
        this.jitter = retries.jitter();
        boolean ownStrategy = hasOwnStrategy(client, retries.invoke());
        AwsRequestOverrideConfiguration.Builder invoke = AwsRequestOverrideConfiguration.builder();
        if (!ownStrategy) {
            invoke.addPlugin(retryingWith(retries.invoke()));
        }
        AwsRequestOverrideConfiguration.Builder controlPlane = AwsRequestOverrideConfiguration.builder()
                .addPlugin(retryingWith(retries.controlPlane()))
                .apiCallAttemptTimeout(CONTROL_PLANE_ATTEMPT_TIMEOUT);
        if (credentials != null) {
            invoke.credentialsProvider(credentials);
            controlPlane.credentialsProvider(credentials);
        }
        this.invokePolicy = ownStrategy && credentials == null ? null : invoke.build();
        this.controlPlanePolicy = controlPlane.build();
    }

    /**
     * The same retries on another client (another region), every call signed with {@code signWith}: an assumed
     * role's credentials, or {@code null} for the client's own ({@link TargetGateways}). Generated functions there
     * keep Lambda's default log group: the deployment's own exists only in its account and region.
     */
    public SdkLambdaGateway on(LambdaClient other, AwsCredentialsProvider signWith) {
        return new SdkLambdaGateway(other, retries, signWith, null);
    }

    /** The Invoke policy with the whole call, retries included, bounded by {@code timeout} ({@code null}: unbounded). */
    private AwsRequestOverrideConfiguration boundedBy(Duration timeout) {
        if (timeout == null) {
            return invokePolicy;
        }
        return (invokePolicy == null ? AwsRequestOverrideConfiguration.builder() : invokePolicy.toBuilder())
                .apiCallTimeout(timeout).build();
    }

    private static boolean hasOwnStrategy(LambdaClient client, RetryStrategy strategy) {
        try {
            return client.serviceClientConfiguration().overrideConfiguration().retryStrategy().orElse(null) == strategy;
        } catch (UnsupportedOperationException handWritten) {
            return false;  // a client that is not the SDK's (tests): it says nothing of its configuration
        }
    }

    /** A per-request plugin that gives the call its own retry strategy. */
    private static SdkPlugin retryingWith(RetryStrategy strategy) {
        return config -> config.overrideConfiguration(config.overrideConfiguration().toBuilder()
                .retryStrategy(strategy).build());
    }

    @Override
    public InvocationResult invoke(Invocation invocation) {
        InvokeRequest.Builder request = InvokeRequest.builder()
                .functionName(invocation.functionName())
                .invocationType(invocation.invocationType().wireName())
                .logType(invocation.logType().wireName())
                .payload(SdkBytes.fromUtf8String(invocation.payloadJson()))
                .overrideConfiguration(boundedBy(invocation.timeout()));
        if (invocation.qualifier() != null) {
            request.qualifier(invocation.qualifier());
        }
        if (invocation.clientContextJson() != null) {
            request.clientContext(Base64.getEncoder().encodeToString(
                    invocation.clientContextJson().getBytes(StandardCharsets.UTF_8)));
        }
        InvokeResponse response;
        try {
            response = client.invoke(request.build());
        } catch (ApiCallTimeoutException e) {
            if (invocation.timeout() == null) {
                throw translateInvoke("invoke " + invocation.functionName(), e);
            }
            throw new StepFailure(StepError.STEP_TIMED_OUT, "invoke " + invocation.functionName() + ": the function "
                    + "was still running when the step's time ran out (" + invocation.timeout().toMillis() + " ms were "
                    + "left; a step that comes through API Gateway has 25 s, as API Gateway answers 504 after 29 s); "
                    + "the function may have run, so it was not invoked again: check its logs or effects, and run "
                    + "long steps from Step Functions or with invocationType Event");
        } catch (SdkException e) {
            throw translateInvoke("invoke " + invocation.functionName(), e);
        }
        String payload = response.payload() == null ? "" : response.payload().asUtf8String();
        String log = response.logResult() == null ? null
                : new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        return new InvocationResult(response.statusCode(), response.functionError(), log, payload,
                response.executedVersion());
    }

    @Override
    public void createFunction(NewFunction function) {
        byte[] zip = zip(function.source());
        CreateFunctionRequest.Builder request = CreateFunctionRequest.builder()
                .functionName(function.functionName())
                .runtime(function.runtime())
                .role(function.roleArn())
                .handler(function.source().handler())
                .code(FunctionCode.builder().zipFile(SdkBytes.fromByteArray(zip)).build())
                .tags(function.tags());
        if (function.description() != null) {
            request.description(function.description());
        }
        if (function.timeoutSeconds() != null) {
            request.timeout(function.timeoutSeconds());
        }
        if (function.memorySize() != null) {
            request.memorySize(function.memorySize());
        }
        if (!function.environment().isEmpty()) {
            request.environment(e -> e.variables(function.environment()));
        }
        if (logGroup != null) {
            request.loggingConfig(logging -> logging.logGroup(logGroup));
        }
        // A conflict here means the name is taken, which waiting does not fix.
        call("create " + function.functionName(), () -> client.createFunction(request
                .overrideConfiguration(controlPlanePolicy).build()));
    }

    /**
     * The SDK's {@code waitUntilFunctionActiveV2}: GetFunction (100 requests a second, against 15 for
     * GetFunctionConfiguration and the rest of the control plane) until the function is {@code Active}
     * or {@code Failed}, or until {@code timeout} would pass before the next poll. Each poll has the
     * control plane's retries. When the waiter stops short of Active, one more GetFunction says why.
     */
    @Override
    public FunctionState awaitActive(String functionName, Duration timeout) {
        GetFunctionRequest request = GetFunctionRequest.builder().functionName(functionName)
                .overrideConfiguration(controlPlanePolicy).build();
        WaiterOverrideConfiguration polling = WaiterOverrideConfiguration.builder()
                .backoffStrategyV2(new ActivePolling(System.nanoTime(), jitter))
                .maxAttempts(Integer.MAX_VALUE)
                .waitTimeout(timeout.isPositive() ? timeout : Duration.ofMillis(1))
                .build();
        try (LambdaWaiter waiter = LambdaWaiter.builder().client(client).build()) {
            GetFunctionResponse active = waiter.waitUntilFunctionActiveV2(request, polling).matched().response()
                    .orElseThrow();
            return state(active.configuration());
        } catch (SdkClientException stopped) {
            if (stopped.getCause() instanceof SdkException failure) {
                // A poll failed for good (not found, throttled to the end, ...): the waiter wraps it.
                throw translate("wait for " + functionName, failure);
            }
            if (stopped.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new StepFailure(StepError.FUNCTION_NOT_READY, "interrupted while waiting for function "
                        + functionName + " to become Active");
            }
            // State Failed, or out of time: ask once more, for the state and Lambda's reason.
            return state(call("get " + functionName, () -> client.getFunction(request)).configuration());
        }
    }

    private static FunctionState state(FunctionConfiguration configuration) {
        return new FunctionState(configuration.stateAsString(), configuration.stateReason());
    }

    @Override
    public void deleteFunction(String functionName) {
        call("delete " + functionName, () -> client.deleteFunction(r -> r.functionName(functionName)
                .overrideConfiguration(controlPlanePolicy)));
    }

    @Override
    public List<FunctionSummary> listFunctions() {
        List<FunctionSummary> all = new ArrayList<>();
        String marker = null;
        do {
            String from = marker;
            ListFunctionsResponse page = call("list functions",
                    () -> client.listFunctions(r -> r.marker(from).maxItems(50).overrideConfiguration(controlPlanePolicy)));
            for (FunctionConfiguration function : page.functions()) {
                all.add(new FunctionSummary(function.functionName(), function.functionArn(),
                        LambdaLimits.parseLastModified(function.lastModified()).orElse(null)));
            }
            marker = page.nextMarker();
        } while (marker != null && !marker.isEmpty());
        return all;
    }

    @Override
    public Map<String, String> tags(String functionArn) {
        return call("list tags of " + functionArn,
                () -> client.listTags(r -> r.resource(functionArn).overrideConfiguration(controlPlanePolicy))).tags();
    }

    @Override
    public Optional<FunctionInfo> findFunction(String functionName) {
        GetFunctionResponse response;
        try {
            response = call("get " + functionName,
                    () -> client.getFunction(r -> r.functionName(functionName).overrideConfiguration(controlPlanePolicy)));
        } catch (StepFailure e) {
            if (e.error() == StepError.FUNCTION_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        var configuration = response.configuration();
        return Optional.of(new FunctionInfo(configuration.functionArn(), configuration.stateAsString(),
                configuration.stateReason(), configuration.codeSha256(), response.tags()));
    }

    @Override
    public void tagFunction(String functionArn, Map<String, String> tags) {
        call("tag " + functionArn, () -> client.tagResource(r -> r.resource(functionArn).tags(tags)
                .overrideConfiguration(controlPlanePolicy)));
    }

    @Override
    public String codeSha256(FunctionSource source) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(zip(source)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private byte[] zip(FunctionSource source) {
        return packager.zip(Map.of(source.fileName(), source.code().getBytes(StandardCharsets.UTF_8)), ZIP_TIME);
    }

    /** One control-plane call (the SDK retries it); a failure that is left becomes the step's named error. */
    private static <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw translate(operation, e);
        }
    }

    /**
     * An Invoke that failed for good. Failures Lambda says it refused, and connections never made,
     * are reported as for any call; after a 5xx, or once the request was written, the function may
     * have run, and the message says so (the step is not repeated behind the caller's back).
     */
    static StepFailure translateInvoke(String operation, SdkException e) {
        if (!mayHaveRun(e)) {
            return translate(operation, e);
        }
        String what = e instanceof AwsServiceException service
                ? (errorCode(service) == null ? "" : errorCode(service) + ": ") + lambdaMessage(service)
                        + " (HTTP " + service.statusCode() + " after the request was sent)"
                : "the connection failed after the request was sent: " + rootMessage(e);
        return new StepFailure(StepError.LAMBDA_UNAVAILABLE, operation + ": " + what + "; the function may have run, "
                + "so it was not invoked again: check its logs or effects before running the step again");
    }

    /**
     * Whether a failed Invoke may have run the function: Lambda answered 5xx, or the request had
     * left when the connection failed or timed out. Not when the connection was never made, nor when the
     * SDK failed before sending (credentials, marshalling: no I/O involved).
     */
    static boolean mayHaveRun(SdkException e) {
        if (e instanceof SdkServiceException service) {
            return service.statusCode() >= 500;
        }
        if (LambdaRetries.mayRetryInvoke(e)) {
            return false;
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return true;
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Maps an SDK failure to the step's named error, keeping Lambda's message. */
    static StepFailure translate(String operation, SdkException e) {
        int attempts = attempts(e);
        String tried = attempts > 1 ? " (after " + attempts + " attempts)" : "";
        if (e instanceof SdkServiceException service) {
            String code = errorCode(service);
            String message = operation + ": " + (code == null ? "" : code + ": ") + lambdaMessage(service) + tried;
            int status = service.statusCode();
            StepError error;
            if ("ResourceNotFoundException".equals(code) || (code == null && status == 404)) {
                error = StepError.FUNCTION_NOT_FOUND;
            } else if ("TooManyRequestsException".equals(code) || status == 429) {
                error = StepError.THROTTLED;
            } else if ("ResourceConflictException".equals(code) || status == 409) {
                error = StepError.FUNCTION_CONFLICT;
            } else if ("RequestTooLargeException".equals(code) || status == 413) {
                error = StepError.PAYLOAD_TOO_LARGE;
            } else if (status == 401 || status == 403) {
                error = StepError.LAMBDA_ACCESS_DENIED;
            } else if (status >= 500) {
                error = StepError.LAMBDA_UNAVAILABLE;
            } else {
                error = StepError.LAMBDA_REJECTED_REQUEST;
            }
            return new StepFailure(error, message);
        }
        return new StepFailure(StepError.LAMBDA_UNAVAILABLE, operation + ": Lambda could not be reached: "
                + rootMessage(e) + tried);
    }

    /** How many times the SDK tried: it attaches each earlier attempt's failure as a suppressed exception. */
    static int attempts(SdkException e) {
        int attempts = 1;
        for (Throwable suppressed : e.getSuppressed()) {
            if (suppressed.getMessage() != null && suppressed.getMessage().startsWith("Request attempt")) {
                attempts++;
            }
        }
        return attempts;
    }

    private static String errorCode(SdkServiceException service) {
        return service instanceof AwsServiceException aws ? LambdaRetries.errorCode(aws) : null;
    }

    private static String lambdaMessage(SdkServiceException service) {
        if (service instanceof AwsServiceException aws
                && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorMessage() != null) {
            return aws.awsErrorDetails().errorMessage();
        }
        return "HTTP " + service.statusCode();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /**
     * The waits between GetFunction polls while waiting for {@code Active}: the SDK's waiter polls at
     * once, then {@value #QUICK_POLLS} more polls on a {@code QUICK_POLL} grid from the start of the
     * wait (10, 20, 30 ms: a function on the local service is Active in tens of milliseconds, and the
     * grid keeps each poll's own round trip from pushing the next one later), then from 10-20 ms
     * doubling, with half jitter, to 0.5-1 s (one on AWS takes about a second). The waiter asks for the
     * wait after poll {@code n} as {@code computeDelay(n + 2)}.
     *
     * @param startNanos when the wait began ({@link System#nanoTime()})
     */
    record ActivePolling(long startNanos, RandomGenerator random) implements BackoffStrategy {
        static final int QUICK_POLLS = 3;
        static final Duration QUICK_POLL = Duration.ofMillis(10);

        @Override
        public Duration computeDelay(int attempt) {
            int polls = attempt - 2;
            if (polls <= QUICK_POLLS) {
                long due = startNanos + polls * QUICK_POLL.toNanos();
                return Duration.ofNanos(Math.max(0, due - System.nanoTime()));
            }
            return new LambdaRetries.HalfJitter(QUICK_POLL.multipliedBy(2), Duration.ofSeconds(1), random)
                    .computeDelay(polls - QUICK_POLLS + 1);
        }
    }
}
