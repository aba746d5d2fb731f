package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.Backoff;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retry and error rules, on a hand-written {@link LambdaClient} that replays scripted answers.
 * (The integration tests run the gateway against the real local Lambda service.)
 */
class SdkLambdaGatewayTest {

    private static final Backoff RETRY = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 5);

    private final Deque<Supplier<InvokeResponse>> answers = new ArrayDeque<>();
    private final List<InvokeRequest> requests = new ArrayList<>();
    private final List<Duration> sleeps = new ArrayList<>();
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
    private final SdkLambdaGateway gateway = new SdkLambdaGateway(client, RETRY, sleeps::add, new Random(3));

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
    void shouldRetryThrottlingWithGrowingJitteredDelays() {
        for (int i = 0; i < 3; i++) {
            answers.add(() -> {
                throw error(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Rate exceeded");
            });
        }
        answers.add(SdkLambdaGatewayTest::ok);

        gateway.invoke(invocation());

        assertEquals(4, requests.size());
        assertEquals(3, sleeps.size());
        for (int i = 0; i < sleeps.size(); i++) {
            long ceiling = Math.min(5000, 200L << i);
            assertTrue(sleeps.get(i).toMillis() >= ceiling / 2 && sleeps.get(i).toMillis() <= ceiling, sleeps.toString());
        }
    }

    @Test
    void shouldGiveUpOnThrottlingAfterTheBoundAsThrottled() {
        for (int i = 0; i < 10; i++) {
            answers.add(() -> {
                throw error(TooManyRequestsException.builder(), 429, "TooManyRequestsException", "Rate exceeded");
            });
        }

        StepFailure failure = assertThrows(StepFailure.class, () -> gateway.invoke(invocation()));

        assertEquals(StepError.THROTTLED, failure.error());
        assertTrue(failure.getMessage().contains("after 5 attempts"), failure.getMessage());
        assertEquals(5, requests.size());
    }

    @Test
    void shouldRetryConflictWhilePendingAndServerErrors() {
        answers.add(() -> {
            throw error(ResourceConflictException.builder(), 409, "ResourceConflictException",
                    "The operation cannot be performed at this time. The function is currently in the following state: Pending");
        });
        answers.add(() -> {
            throw error(ServiceException.builder(), 500, "ServiceException", "internal");
        });
        answers.add(SdkLambdaGatewayTest::ok);

        gateway.invoke(invocation());

        assertEquals(3, requests.size());
    }

    @Test
    void shouldNeverRetryACallersMistake() {
        answers.add(() -> {
            throw error(ResourceNotFoundException.builder(), 404, "ResourceNotFoundException",
                    "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f");
        });

        StepFailure failure = assertThrows(StepFailure.class, () -> gateway.invoke(invocation()));

        assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error());
        assertTrue(failure.getMessage().contains("Function not found"), failure.getMessage());
        assertEquals(1, requests.size());
        assertTrue(sleeps.isEmpty());
    }

    @Test
    void shouldMapLambdaErrorsToNamedErrors() {
        assertEquals(StepError.LAMBDA_REJECTED_REQUEST, SdkLambdaGateway.translate("create f",
                error(LambdaException.builder(), 400, "InvalidParameterValueException", "bad role"), 1).error());
        assertEquals(StepError.PAYLOAD_TOO_LARGE, SdkLambdaGateway.translate("invoke f",
                error(LambdaException.builder(), 413, "RequestTooLargeException", "too big"), 1).error());
        assertEquals(StepError.LAMBDA_ACCESS_DENIED, SdkLambdaGateway.translate("invoke f",
                error(LambdaException.builder(), 403, "AccessDeniedException", "no"), 1).error());
        assertEquals(StepError.FUNCTION_CONFLICT, SdkLambdaGateway.translate("create f",
                error(ResourceConflictException.builder(), 409, "ResourceConflictException", "Function already exist: f"), 1).error());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, SdkLambdaGateway.translate("invoke f",
                error(ServiceException.builder(), 503, "ServiceException", "down"), 5).error());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, SdkLambdaGateway.translate("invoke f",
                SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused")), 5).error());
    }

    @Test
    void shouldRetryARefusedConnectionButNotAReadTimeout() {
        assertTrue(SdkLambdaGateway.isRetryable(
                SdkClientException.create("x", new ConnectException("Connection refused")), false));
        assertEquals(false, SdkLambdaGateway.isRetryable(
                SdkClientException.create("x", new SocketTimeoutException("Read timed out")), true));
        assertEquals(false, SdkLambdaGateway.isRetryable(error(ResourceConflictException.builder(), 409,
                "ResourceConflictException", "Function already exist: f"), true));
        assertEquals(false, SdkLambdaGateway.isRetryable(error(ResourceConflictException.builder(), 409,
                "ResourceConflictException", "The function is currently in the following state: Pending"), false));
    }
}
