package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.LambdaRetries;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.local.FaultInjection;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The faults {@link StepFaultsIT} does not cover, each checked against what the service really holds:
 * a hanging runtime, a function that stays Pending past the step's time, a create that is throttled
 * to the end, deletes that keep failing (and the sweep that then removes the function).
 */
class FaultTruthIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final LambdaRetries QUICK = new LambdaRetries(5, Duration.ofMillis(5), Duration.ofMillis(40), new Random(5));
    private static final String STEP = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"timeoutSeconds\":1,"
            + "\"code\":\"def lambda_handler(event, context):\\n    return {'ok': True}\\n\"}";

    private final ObjectMapper mapper = new ObjectMapper();
    private LocalLambdaService service;
    private LambdaClient client;
    private SdkLambdaGateway gateway;
    private StepHandler handler;

    @BeforeEach
    void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        gateway = new SdkLambdaGateway(client, QUICK);
        handler = new StepHandler(DependencyFactory.onGateway(new StepConfig(ROLE, List.of(), null, null),
                gateway));
    }

    @AfterEach
    void stop() {
        client.close();
        service.close();
    }

    private JsonNode run(StepHandler with, String event, int remainingMillis) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        with.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(remainingMillis));
        return mapper.readTree(out.toByteArray());
    }

    @Test
    void shouldReportAHangingRuntimeAsATimeoutAndStillDelete() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 1, Duration.ZERO, 1));

        JsonNode data = run(handler, STEP, 60_000).get("data");

        assertEquals("Unhandled", data.get("invokeFunctionError").asText());
        assertEquals("Sandbox.Timedout", data.get("invokeResponsePayload").get("errorType").asText());
        assertTrue(data.get("invokeExecutionLog").asText().contains("Task timed out after 1.00 seconds"));
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertEquals(List.of(), service.functionNames());
    }

    @Test
    void shouldReportAFunctionStillPendingAtTheDeadlineAsNotReadyAndDeleteIt() {
        // Given a function that stays Pending far longer than the step's 5.5 s (1 s kept to answer, 3 s to delete)
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ofMinutes(10), 1));

        StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP, 5_500));

        assertEquals(StepError.FUNCTION_NOT_READY, failure.error());
        JsonNode data = failure.partialResult().orElseThrow().toJson().get("data");
        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("false", data.get("functionWasInvoked").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertTrue(data.get("statusCode").isNull());
        assertEquals(List.of(), service.functionNames());
    }

    @Test
    void shouldGiveUpOnACreateThrottledToTheEndWithoutLeavingAFunction() {
        service.injectFaults(new FaultInjection(1, 0, 0, 0, 0, Duration.ZERO, 1));

        StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP, 60_000));

        assertEquals(StepError.THROTTLED, failure.error());
        assertTrue(failure.getMessage().startsWith("create rundeck-generated-function-"), failure.getMessage());
        assertTrue(failure.partialResult().isEmpty());
        service.injectFaults(FaultInjection.NONE);
        assertEquals(List.of(), service.functionNames());
    }

    @Test
    void shouldReportDeletesThatKeepFailingAndLeaveTheFunctionToTheSweep() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 1, 0, 0, Duration.ZERO, 1));

        JsonNode data = run(handler, STEP, 60_000).get("data");

        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("false", data.get("functionWasDeleted").asText());
        String name = data.get("functionName").asText();
        assertEquals(List.of(name), service.functionNames());

        // When the sweep runs while deletes still fail, Then it reports the failure and keeps going
        StepHandler sweeper = new StepHandler(DependencyFactory.onGateway(
                new StepConfig(ROLE, List.of(), null, null).withOrphanMaxAge(Duration.ZERO), gateway));
        JsonNode failed = run(sweeper, "{\"action\":\"sweep\"}", 60_000).get("sweep");
        assertEquals(name, failed.get("failed").get(0).get("functionName").asText());
        assertEquals("LambdaUnavailable", failed.get("failed").get(0).get("error").asText());

        // When deletes work again, Then the next sweep deletes it
        service.injectFaults(FaultInjection.NONE);
        JsonNode swept = run(sweeper, "{\"action\":\"sweep\"}", 60_000).get("sweep");
        assertEquals(name, swept.get("deleted").get(0).asText());
        assertFalse(service.functionNames().contains(name));
    }
}
