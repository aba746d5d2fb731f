package io.lambdasteprunner.lambda;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.ServiceException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures the SDK may send again, and how long it waits (the runs themselves: {@code AtMostOnceIT}). */
class LambdaRetriesTest {

    private static <T extends LambdaException.Builder> LambdaException error(T builder, int status, String code,
                                                                             String message) {
        return (LambdaException) builder.statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    private static final LambdaException THROTTLED =
            error(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Rate Exceeded.");
    private static final LambdaException PENDING = error(ResourceConflictException.builder(), 409,
            "ResourceConflictException", "The operation cannot be performed at this time. The function is currently "
                    + "in the following state: Pending");
    private static final LambdaException NAME_TAKEN =
            error(ResourceConflictException.builder(), 409, "ResourceConflictException", "Function already exist: f");
    private static final LambdaException SERVER_ERROR =
            error(ServiceException.builder(), 500, "ServiceException", "An internal error occurred.");
    private static final LambdaException BAD_GATEWAY =
            error(LambdaException.builder(), 502, "EC2ThrottledException", "Lambda was throttled by EC2");
    private static final LambdaException NOT_FOUND =
            error(ResourceNotFoundException.builder(), 404, "ResourceNotFoundException", "Function not found: f");
    private static final SdkClientException REFUSED =
            SdkClientException.create("Unable to execute HTTP request: Connection refused", new ConnectException("Connection refused"));
    private static final SdkClientException NO_HOST =
            SdkClientException.create("Unable to execute HTTP request", new UnknownHostException("lambda.nowhere"));
    private static final SdkClientException READ_TIMEOUT =
            SdkClientException.create("Unable to execute HTTP request: Read timed out", new SocketTimeoutException("Read timed out"));
    private static final SdkClientException RESET =
            SdkClientException.create("Unable to execute HTTP request", new SocketException("Connection reset"));
    private static final SdkClientException ATTEMPT_TIMEOUT = ApiCallAttemptTimeoutException.create(30_000);

    @Nested
    class Invoke {

        @Test
        void shouldRetryOnlyWhatLambdaCannotHaveRun() {
            assertTrue(LambdaRetries.mayRetryInvoke(THROTTLED));
            assertTrue(LambdaRetries.mayRetryInvoke(PENDING));
            assertTrue(LambdaRetries.mayRetryInvoke(REFUSED));
            assertTrue(LambdaRetries.mayRetryInvoke(NO_HOST));
        }

        @Test
        void shouldNeverRetryWhatMayHaveRunTheFunction() {
            assertFalse(LambdaRetries.mayRetryInvoke(SERVER_ERROR));
            assertFalse(LambdaRetries.mayRetryInvoke(BAD_GATEWAY));
            assertFalse(LambdaRetries.mayRetryInvoke(READ_TIMEOUT));
            assertFalse(LambdaRetries.mayRetryInvoke(RESET));
            assertFalse(LambdaRetries.mayRetryInvoke(ATTEMPT_TIMEOUT));
        }

        @Test
        void shouldNeverRetryACallersMistake() {
            assertFalse(LambdaRetries.mayRetryInvoke(NOT_FOUND));
            assertFalse(LambdaRetries.mayRetryInvoke(NAME_TAKEN));
        }
    }

    @Nested
    class ControlPlane {

        @Test
        void shouldRetryThrottlingServerErrorsPendingAndRefusedConnections() {
            for (Exception failure : new Exception[]{THROTTLED, PENDING, SERVER_ERROR, BAD_GATEWAY, REFUSED, NO_HOST}) {
                assertTrue(LambdaRetries.mayRetryControlPlane(failure), failure.toString());
            }
        }

        @Test
        void shouldNotRetryACallersMistakeOrWhatMayHaveBeenDone() {
            for (Exception failure : new Exception[]{NOT_FOUND, NAME_TAKEN, READ_TIMEOUT, RESET, ATTEMPT_TIMEOUT}) {
                assertFalse(LambdaRetries.mayRetryControlPlane(failure), failure.toString());
            }
        }
    }

    @Nested
    class Delays {

        @Test
        void shouldDoubleFromTheBaseWithHalfJitterUpToTheCap() {
            var backoff = new LambdaRetries(10, Duration.ofMillis(200), Duration.ofSeconds(5), new Random(3)).backoff();

            assertEquals(Duration.ZERO, backoff.computeDelay(1));
            for (int attempt = 2; attempt <= 10; attempt++) {
                long ceiling = Math.min(5000, 200L << (attempt - 2));
                for (int draw = 0; draw < 50; draw++) {
                    long millis = backoff.computeDelay(attempt).toMillis();
                    assertTrue(millis >= ceiling / 2 && millis <= ceiling, attempt + ": " + millis);
                }
            }
        }

        @Test
        void shouldSpreadConcurrentRetries() {
            var backoff = new LambdaRetries(5, Duration.ofMillis(200), Duration.ofSeconds(5), new Random(3)).backoff();

            long distinct = java.util.stream.IntStream.range(0, 100)
                    .mapToObj(i -> backoff.computeDelay(4)).distinct().count();

            assertTrue(distinct > 50, "only " + distinct + " distinct delays of 100");
        }

        @Test
        void shouldPollForActiveOnATenMillisecondGridThenBackOff() {
            // Given a wait that began 15 ms ago (the SDK's waiter asks for the wait after poll n as computeDelay(n + 2))
            var polling = new SdkLambdaGateway.ActivePolling(System.nanoTime() - 15_000_000L, new Random(3));

            // Then the poll due at 10 ms is late already, the one due at 20 ms comes at most 5 ms from now
            assertEquals(Duration.ZERO, polling.computeDelay(3));
            assertTrue(polling.computeDelay(4).compareTo(Duration.ofMillis(5)) <= 0, polling.computeDelay(4).toString());
            assertTrue(polling.computeDelay(5).compareTo(Duration.ofMillis(15)) <= 0, polling.computeDelay(5).toString());
            // And after the quick polls the waits double with half jitter, up to 0.5-1 s
            long fourth = polling.computeDelay(6).toMillis();
            assertTrue(fourth >= 10 && fourth <= 20, Long.toString(fourth));
            long fifth = polling.computeDelay(7).toMillis();
            assertTrue(fifth >= 20 && fifth <= 40, Long.toString(fifth));
            long late = polling.computeDelay(40).toMillis();
            assertTrue(late >= 500 && late <= 1000, Long.toString(late));
        }
    }

    @Test
    void shouldTryFiveTimesInProduction() {
        assertEquals(5, LambdaRetries.standard().invoke().maxAttempts());
        assertEquals(5, LambdaRetries.standard().controlPlane().maxAttempts());
    }
}
