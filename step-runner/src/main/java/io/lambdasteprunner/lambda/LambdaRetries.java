package io.lambdasteprunner.lambda;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * What the SDK may send again, as two of its {@link RetryStrategy retry strategies}: one for Invoke,
 * one for the control plane (create, get, delete, list, tag).
 *
 * <p><b>Invoke is at most once.</b> It is retried only when Lambda cannot have run the function: it
 * was throttled ({@code 429 TooManyRequestsException}), it answered {@code ResourceConflictException}
 * because the function is still {@code Pending} or updating, or the connection was never made (refused,
 * unknown host, no route), so no byte of the request left. A 5xx, a reset connection or a timeout
 * after the request was written is not retried: the function may have run.
 *
 * <p><b>The control plane</b> is retried on those, and on Lambda's 5xx as well.
 *
 * <p>Both wait with exponential backoff and half jitter ({@link HalfJitter}), for throttling too, and
 * keep no retry budget across calls (the SDK's circuit breaker is off): each call gets its
 * {@code maxAttempts}, and the step's deadline bounds the rest. The SDK's own defaults are not added
 * ({@code useClientDefaults(false)}): they would retry any I/O error, after sending too.
 *
 * <p>Invoke is the hot path, so its strategy is the client's own ({@link LambdaClients} sets it) and
 * the control plane's travels with each request. Immutable and thread-safe; the strategies are built
 * once, so a gateway can tell whether its client already has the Invoke strategy.
 */
public final class LambdaRetries {

    private static final LambdaRetries STANDARD = new LambdaRetries(5, Duration.ofMillis(200), Duration.ofSeconds(5),
            () -> Entropy.SOURCE.nextLong());

    private final int maxAttempts;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final RandomGenerator jitter;
    private final RetryStrategy invoke;
    private final RetryStrategy controlPlane;

    /**
     * @param maxAttempts how many times a call is tried in all (1 = no retry)
     * @param baseDelay   the first retry waits between half and all of this
     * @param maxDelay    the longest wait between two tries
     * @param jitter      where the jitter comes from
     */
    public LambdaRetries(int maxAttempts, Duration baseDelay, Duration maxDelay, RandomGenerator jitter) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
        this.jitter = jitter;
        this.invoke = strategy(LambdaRetries::mayRetryInvoke);
        this.controlPlane = strategy(LambdaRetries::mayRetryControlPlane);
    }

    /**
     * Five tries in all, the waits between them 100-200, 200-400, 400-800 and 800-1600 ms: 1.5 to 3
     * seconds of patience in all (the delays would grow to 5 s with more attempts). The jitter comes from {@link SecureRandom}, which Lambda's Java runtimes keep
     * unique across SnapStart restores (a generator seeded at init, such as the {@code ThreadLocalRandom}
     * the SDK's own backoff strategies use, would send every restored environment's retries at the
     * same instants). It is created at the first retry, not at init. One shared instance: it holds no
     * state but its two strategies (which keep none either, the circuit breaker being off).
     */
    public static LambdaRetries standard() {
        return STANDARD;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Where the jitter comes from (also the Active wait's). */
    public RandomGenerator jitter() {
        return jitter;
    }

    /** The strategy for Invoke: {@link #mayRetryInvoke(Throwable)}. */
    public RetryStrategy invoke() {
        return invoke;
    }

    /** The strategy for CreateFunction, GetFunction, DeleteFunction, ListFunctions and tags: {@link #mayRetryControlPlane}. */
    public RetryStrategy controlPlane() {
        return controlPlane;
    }

    /** The backoff between tries (attempt 2 is the first retry), as the SDK asks for it. */
    public BackoffStrategy backoff() {
        return new HalfJitter(baseDelay, maxDelay, jitter);
    }

    private RetryStrategy strategy(Predicate<Throwable> mayRetry) {
        return StandardRetryStrategy.builder()
                .useClientDefaults(false)
                .retryOnException(mayRetry)
                .maxAttempts(maxAttempts)
                .backoffStrategy(backoff())
                .throttlingBackoffStrategy(backoff())
                .treatAsThrottling(LambdaRetries::isThrottling)
                .circuitBreakerEnabled(false)
                .build();
    }

    /** Whether an Invoke that failed so can be sent again without running the function twice. */
    public static boolean mayRetryInvoke(Throwable failure) {
        return isThrottling(failure) || isStillChanging(failure) || neverSent(failure);
    }

    /** Whether a control-plane call that failed so is worth sending again. */
    public static boolean mayRetryControlPlane(Throwable failure) {
        return mayRetryInvoke(failure) || (failure instanceof AwsServiceException service && service.statusCode() >= 500);
    }

    static boolean isThrottling(Throwable failure) {
        return failure instanceof AwsServiceException service
                && (service.statusCode() == 429 || "TooManyRequestsException".equals(errorCode(service)));
    }

    /** {@code ResourceConflictException} because the function is Pending or an update is in progress: Lambda did nothing. */
    static boolean isStillChanging(Throwable failure) {
        if (!(failure instanceof AwsServiceException service) || !"ResourceConflictException".equals(errorCode(service))) {
            return false;
        }
        String message = service.awsErrorDetails().errorMessage();
        return message != null && (message.contains("Pending") || message.contains("InProgress")
                || message.contains("in progress"));
    }

    /**
     * The client could not open a connection, so nothing was sent. A {@code SocketTimeoutException},
     * a reset connection or an attempt timeout may come after the request was written: not these.
     */
    static boolean neverSent(Throwable failure) {
        if (!(failure instanceof SdkClientException)) {
            return false;
        }
        for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    static String errorCode(AwsServiceException service) {
        return service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
    }

    /**
     * Exponential backoff with half jitter, as the SDK's {@code BackoffStrategy.exponentialDelayHalfJitter}:
     * before attempt {@code n} (2 = the first retry) a random time between half and all of
     * {@code min(max, base * 2^(n-2))}. Ours only because it draws from the given generator.
     */
    record HalfJitter(Duration base, Duration max, RandomGenerator random) implements BackoffStrategy {

        @Override
        public Duration computeDelay(int attempt) {
            if (attempt <= 1) {
                return Duration.ZERO;
            }
            long ceiling = Math.min(max.toMillis(), base.toMillis() << Math.min(attempt - 2, 30));
            long half = ceiling / 2;
            return Duration.ofMillis(half + random.nextLong(ceiling - half + 1));
        }
    }

    /** The jitter's source, created when the first retry needs it (never during init, so never in a snapshot). */
    private static final class Entropy {
        static final SecureRandom SOURCE = new SecureRandom();
    }
}
