package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.Backoff;
import io.lambdasteprunner.step.FunctionSource;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;
import software.amazon.awssdk.services.lambda.model.FunctionCode;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.ListFunctionsResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.LocalDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@link LambdaGateway} on the AWS SDK for Java v2.
 *
 * <p>Retries, with {@link Backoff} and jitter, only what may succeed later: throttling (429),
 * Lambda's 5xx, a refused connection, and {@code ResourceConflictException} while a function is
 * still {@code Pending} or updating. A caller's mistake (any other 4xx) fails at once. A read
 * timeout is not retried: the function may have run. Thread-safe.
 */
public final class SdkLambdaGateway implements LambdaGateway {

    /**
     * Every zip is stamped with this time, so the same source always gives the same zip and the same
     * {@code CodeSha256} (reusable functions are recognised by it).
     */
    static final LocalDateTime ZIP_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    /** Five tries in all, 200 ms growing to 5 s: about ten seconds of patience at most. */
    public static final Backoff DEFAULT_RETRY = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 5);

    private static final DateTimeFormatter LAST_MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    private final LambdaClient client;
    /** The assumed role's credentials to sign with, {@code null} for the client's own ({@link #on}). */
    private final AwsCredentialsProvider credentials;
    private final ZipPackager packager;
    private final Backoff retry;
    private final Backoff.Sleeper sleeper;
    private final RandomGenerator random;

    public SdkLambdaGateway(LambdaClient client, Backoff retry, Backoff.Sleeper sleeper, RandomGenerator random) {
        this(client, null, retry, sleeper, random);
    }

    private SdkLambdaGateway(LambdaClient client, AwsCredentialsProvider credentials, Backoff retry,
                             Backoff.Sleeper sleeper, RandomGenerator random) {
        this.client = client;
        this.credentials = credentials;
        this.packager = new ZipPackager();
        this.retry = retry;
        this.sleeper = sleeper;
        this.random = random;
    }

    /**
     * The same retries on another client (another region), signing every call with {@code signWith}: an assumed
     * role's credentials, or {@code null} for the client's own.
     */
    public SdkLambdaGateway on(LambdaClient other, AwsCredentialsProvider signWith) {
        return new SdkLambdaGateway(other, signWith, retry, sleeper, random);
    }

    /** {@code request} signed with the assumed role's credentials, when there are some. */
    private <B extends AwsRequest.Builder> B signed(B request) {
        if (credentials != null) {
            request.overrideConfiguration(o -> o.credentialsProvider(credentials));
        }
        return request;
    }

    @Override
    public InvocationResult invoke(Invocation invocation) {
        InvokeRequest.Builder request = InvokeRequest.builder()
                .functionName(invocation.functionName())
                .invocationType(invocation.invocationType().wireName())
                .logType(invocation.logType().wireName())
                .payload(SdkBytes.fromUtf8String(invocation.payloadJson()));
        if (invocation.qualifier() != null) {
            request.qualifier(invocation.qualifier());
        }
        if (invocation.clientContextJson() != null) {
            request.clientContext(Base64.getEncoder().encodeToString(
                    invocation.clientContextJson().getBytes(StandardCharsets.UTF_8)));
        }
        InvokeResponse response = withRetries("invoke " + invocation.functionName(), true,
                () -> client.invoke(signed(request).build()));
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
        // A conflict here means the name is taken, which waiting does not fix.
        withRetries("create " + function.functionName(), false, () -> client.createFunction(signed(request).build()));
    }

    @Override
    public FunctionState functionState(String functionName) {
        // GetFunction, not GetFunctionConfiguration: its quota is 100 requests a second against 15 for
        // the rest of Lambda's control plane, and a step polls it until the function is Active.
        var configuration = withRetries("get " + functionName, false,
                () -> client.getFunction(r -> signed(r).functionName(functionName))).configuration();
        return new FunctionState(configuration.stateAsString(), configuration.stateReason());
    }

    @Override
    public void deleteFunction(String functionName) {
        withRetries("delete " + functionName, true, () -> client.deleteFunction(r -> signed(r).functionName(functionName)));
    }

    @Override
    public List<FunctionSummary> listFunctions() {
        List<FunctionSummary> all = new ArrayList<>();
        String marker = null;
        do {
            String from = marker;
            ListFunctionsResponse page = withRetries("list functions", false,
                    () -> client.listFunctions(r -> signed(r).marker(from).maxItems(50)));
            for (FunctionConfiguration function : page.functions()) {
                all.add(new FunctionSummary(function.functionName(), function.functionArn(),
                        lastModified(function.lastModified())));
            }
            marker = page.nextMarker();
        } while (marker != null && !marker.isEmpty());
        return all;
    }

    @Override
    public Map<String, String> tags(String functionArn) {
        return withRetries("list tags of " + functionArn, false, () -> client.listTags(r -> signed(r).resource(functionArn)))
                .tags();
    }

    /** Lambda writes LastModified as {@code 2026-11-24T08:00:00.000+0000}. */
    private static Instant lastModified(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text, LAST_MODIFIED).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public Optional<FunctionInfo> findFunction(String functionName) {
        GetFunctionResponse response;
        try {
            response = withRetries("get " + functionName, false,
                    () -> client.getFunction(r -> signed(r).functionName(functionName)));
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
        withRetries("tag " + functionArn, true, () -> client.tagResource(r -> signed(r).resource(functionArn).tags(tags)));
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

    private <T> T withRetries(String operation, boolean retryConflict, Supplier<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get();
            } catch (SdkException e) {
                if (attempt + 1 >= retry.maxAttempts() || !isRetryable(e, retryConflict)) {
                    throw translate(operation, e, attempt + 1);
                }
            }
            try {
                sleeper.sleep(retry.delay(attempt, random));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StepFailure(StepError.LAMBDA_UNAVAILABLE, operation + ": interrupted while retrying");
            }
        }
    }

    static boolean isRetryable(SdkException e, boolean retryConflict) {
        if (e instanceof SdkServiceException service) {
            String code = errorCode(service);
            if (service.statusCode() == 429 || service.statusCode() >= 500 || "TooManyRequestsException".equals(code)) {
                return true;
            }
            return retryConflict && "ResourceConflictException".equals(code) && isStillChanging(service.getMessage());
        }
        return e instanceof SdkClientException && causedByConnectFailure(e);
    }

    /** Maps an SDK failure to the step's named error, keeping Lambda's message. */
    static StepFailure translate(String operation, SdkException e, int attempts) {
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

    private static String errorCode(SdkServiceException service) {
        if (service instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null) {
            return aws.awsErrorDetails().errorCode();
        }
        return null;
    }

    private static String lambdaMessage(SdkServiceException service) {
        if (service instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null && aws.awsErrorDetails().errorMessage() != null) {
            return aws.awsErrorDetails().errorMessage();
        }
        return "HTTP " + service.statusCode();
    }

    private static boolean isStillChanging(String message) {
        return message != null && (message.contains("Pending") || message.contains("InProgress")
                || message.contains("in progress"));
    }

    private static boolean causedByConnectFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
