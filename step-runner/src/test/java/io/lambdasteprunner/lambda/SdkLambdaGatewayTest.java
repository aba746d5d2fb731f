package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.ServiceException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the gateway sends and how it names failures, on a hand-written {@link LambdaClient} that replays
 * scripted answers (it runs none of the SDK's pipeline, so no retries: {@code AtMostOnceIT} and
 * {@link SdkLambdaGatewayIT} run those against the real local Lambda service).
 */
class SdkLambdaGatewayTest {

    private final Deque<Supplier<InvokeResponse>> answers = new ArrayDeque<>();
    private final List<InvokeRequest> requests = new ArrayList<>();
    private final LambdaClient client = new LambdaClient() {
        @Override
        public InvokeResponse invoke(InvokeRequest request) {
            requests.add(request);
            return answers.removeFirst().get();
        }

        @Override
        public String serviceName() {
            return "lambda";
        }

        @Override
        public void close() {
        }
    };
    private final SdkLambdaGateway gateway = new SdkLambdaGateway(client,
            new LambdaRetries(5, Duration.ofMillis(1), Duration.ofMillis(5), new Random(3)));

    private static LambdaGateway.Invocation invocation() {
        return new LambdaGateway.Invocation("f", "prod", "{\"a\":1}", StepRequest.InvocationType.REQUEST_RESPONSE,
                "{\"custom\":{\"k\":\"v\"}}", StepRequest.LogType.TAIL);
    }

    private static InvokeResponse ok() {
        return InvokeResponse.builder().statusCode(200).payload(SdkBytes.fromUtf8String("{\"ok\":true}"))
                .logResult(Base64.getEncoder().encodeToString("START RequestId: 1\nEND RequestId: 1\n".getBytes(StandardCharsets.UTF_8)))
                .executedVersion("3").functionError("Unhandled").build();
    }

    private static <T extends LambdaException.Builder> LambdaException error(T builder, int status, String code, String message) {
        return (LambdaException) builder.statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void shouldSendEveryFieldAndDecodeTheLogTail() {
        answers.add(SdkLambdaGatewayTest::ok);

        LambdaGateway.InvocationResult result = gateway.invoke(invocation());

        InvokeRequest sent = requests.get(0);
        assertEquals("f", sent.functionName());
        assertEquals("prod", sent.qualifier());
        assertEquals("RequestResponse", sent.invocationTypeAsString());
        assertEquals("Tail", sent.logTypeAsString());
        assertEquals("{\"custom\":{\"k\":\"v\"}}",
                new String(Base64.getDecoder().decode(sent.clientContext()), StandardCharsets.UTF_8));
        assertEquals("{\"a\":1}", sent.payload().asUtf8String());
        assertEquals(new LambdaGateway.InvocationResult(200, "Unhandled", "START RequestId: 1\nEND RequestId: 1\n",
                "{\"ok\":true}", "3"), result);
    }

    @Test
    void shouldGiveInvokeItsOwnRetryStrategyAndNoAttemptTimeout() {
        answers.add(SdkLambdaGatewayTest::ok);

        gateway.invoke(invocation());

        // The strategy travels as a per-request plugin; a read timeout is the HTTP client's (above 900 s)
        var override = requests.get(0).overrideConfiguration().orElseThrow();
        assertEquals(1, override.plugins().size());
        assertTrue(override.apiCallAttemptTimeout().isEmpty());
    }

    @Nested
    class InvokeFailures {

        @Test
        void shouldSayTheFunctionMayHaveRunAfterAServerError() {
            StepFailure failure = SdkLambdaGateway.translateInvoke("invoke f",
                    error(ServiceException.builder(), 500, "ServiceException", "An internal error occurred."));

            assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
            assertEquals("invoke f: ServiceException: An internal error occurred. (HTTP 500 after the request was sent); "
                    + "the function may have run, so it was not invoked again: check its logs or effects before "
                    + "running the step again", failure.getMessage());
        }

        @Test
        void shouldSayTheFunctionMayHaveRunAfterATimeoutOrAResetOnceSent() {
            for (Exception cause : new Exception[]{new SocketTimeoutException("Read timed out"),
                    new SocketException("Unexpected end of file from server")}) {
                StepFailure failure = SdkLambdaGateway.translateInvoke("invoke f",
                        SdkClientException.create("Unable to execute HTTP request", cause));

                assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
                assertTrue(failure.getMessage().contains("the connection failed after the request was sent: "
                        + cause.getClass().getSimpleName()), failure.getMessage());
                assertTrue(failure.getMessage().contains("the function may have run"), failure.getMessage());
            }
        }

        @Test
        void shouldNotSaySoWhenLambdaCannotHaveRunIt() {
            StepFailure refused = SdkLambdaGateway.translateInvoke("invoke f",
                    SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused")));
            StepFailure throttled = SdkLambdaGateway.translateInvoke("invoke f",
                    error(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Rate exceeded"));
            StepFailure missing = SdkLambdaGateway.translateInvoke("invoke f",
                    error(ResourceNotFoundException.builder(), 404, "ResourceNotFoundException", "Function not found: f"));
            StepFailure unsigned = SdkLambdaGateway.translateInvoke("invoke f",
                    SdkClientException.create("Unable to load credentials from any of the providers"));

            assertEquals("invoke f: Lambda could not be reached: ConnectException: Connection refused", refused.getMessage());
            assertEquals(StepError.THROTTLED, throttled.error());
            assertEquals(StepError.FUNCTION_NOT_FOUND, missing.error());
            assertEquals(StepError.LAMBDA_UNAVAILABLE, unsigned.error());
            for (StepFailure failure : List.of(refused, throttled, missing, unsigned)) {
                assertFalse(failure.getMessage().contains("may have run"), failure.getMessage());
            }
        }
    }

    @Test
    void shouldMapLambdaErrorsToNamedErrors() {
        assertEquals(StepError.LAMBDA_REJECTED_REQUEST, SdkLambdaGateway.translate("create f",
                error(LambdaException.builder(), 400, "InvalidParameterValueException", "bad role")).error());
        assertEquals(StepError.PAYLOAD_TOO_LARGE, SdkLambdaGateway.translate("invoke f",
                error(LambdaException.builder(), 413, "RequestTooLargeException", "too big")).error());
        assertEquals(StepError.LAMBDA_ACCESS_DENIED, SdkLambdaGateway.translate("invoke f",
                error(LambdaException.builder(), 403, "AccessDeniedException", "no")).error());
        assertEquals(StepError.FUNCTION_CONFLICT, SdkLambdaGateway.translate("create f",
                error(ResourceConflictException.builder(), 409, "ResourceConflictException", "Function already exist: f")).error());
        assertEquals(StepError.THROTTLED, SdkLambdaGateway.translate("create f",
                error(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Rate exceeded")).error());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, SdkLambdaGateway.translate("delete f",
                error(ServiceException.builder(), 503, "ServiceException", "down")).error());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, SdkLambdaGateway.translate("get f",
                SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"))).error());
    }

    @Test
    void shouldCountTheAttemptsTheSdkMade() {
        SdkClientException last = SdkClientException.create("Unable to execute HTTP request", new ConnectException("refused"));
        last.addSuppressed(SdkClientException.create("Request attempt 1 failure: refused"));
        last.addSuppressed(SdkClientException.create("Request attempt 2 failure: refused"));

        StepFailure failure = SdkLambdaGateway.translate("get f", last);

        assertTrue(failure.getMessage().endsWith("(after 3 attempts)"), failure.getMessage());
    }
}
