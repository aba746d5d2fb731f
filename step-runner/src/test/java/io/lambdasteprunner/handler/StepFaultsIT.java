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
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps against the local Lambda service with faults injected on purpose: real 429s, 5xx, failing
 * deletes and slow Pending states, answered by the step's retries and named errors.
 */
class StepFaultsIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    /** Production's shape, shorter delays: the test proves the rules, not the patience. */
    private static final LambdaRetries QUICK = new LambdaRetries(5, Duration.ofMillis(5), Duration.ofMillis(40), new Random(5));

    private final ObjectMapper mapper = new ObjectMapper();
    private LocalLambdaService service;
    private LambdaClient client;
    private StepHandler handler;

    @BeforeEach
    void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        handler = new StepHandler(DependencyFactory.onGateway(new StepConfig(ROLE, List.of(), null, null),
                new SdkLambdaGateway(client, QUICK)));
    }

    @AfterEach
    void stop() {
        client.close();
        service.close();
    }

    private JsonNode runPythonEvent() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Files.readAllBytes(Path.of("events", "custom-code-python.json"))),
                out, new TestContext(120_000));
        return mapper.readTree(out.toByteArray()).get("data");
    }

    private List<String> functions() {
        return client.listFunctionsPaginator().functions().stream().map(FunctionConfiguration::functionName).toList();
    }

    @Test
    void shouldRideOutOccasionalThrottling() throws Exception {
        // Given a service that answers a quarter of all calls with 429 (a 500 on an invoke would fail
        // the step, at most once: AtMostOnceIT)
        service.injectFaults(new FaultInjection(0.25, 0, 0, 0, 0, Duration.ZERO, 11));

        // When three steps run
        for (int i = 0; i < 3; i++) {
            JsonNode data = runPythonEvent();

            // Then each one ran and cleaned up
            assertEquals("true", data.get("functionWasDeleted").asText());
            assertEquals("web-1", data.get("invokeResponsePayload").get("host").asText());
        }
        service.injectFaults(FaultInjection.NONE);
        assertEquals(List.of(), functions());
    }

    @Test
    void shouldReportPersistentThrottlingAsThrottled() {
        service.injectFaults(new FaultInjection(1, 0, 0, 0, 0, Duration.ZERO, 1));

        StepFailure failure = assertThrows(StepFailure.class, this::runPythonEvent);

        assertEquals(StepError.THROTTLED, failure.error());
        assertTrue(failure.getMessage().contains("after 5 attempts"), failure.getMessage());
    }

    @Test
    void shouldReportPersistentServerErrorsAsLambdaUnavailable() {
        service.injectFaults(new FaultInjection(0, 1, 0, 0, 0, Duration.ZERO, 1));

        StepFailure failure = assertThrows(StepFailure.class, this::runPythonEvent);

        assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
    }

    @Test
    void shouldReportAFailedDeleteAsFalseAndKeepTheResult() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 1, 0, 0, Duration.ZERO, 1));

        JsonNode data = runPythonEvent();

        assertEquals("false", data.get("functionWasDeleted").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("web-1", data.get("invokeResponsePayload").get("host").asText());
        assertEquals(List.of(data.get("functionName").asText()), functions());
    }

    @Test
    void shouldWaitForASlowPendingFunction() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ofMillis(1500), 1));

        JsonNode data = runPythonEvent();

        assertEquals("true", data.get("functionWasDeleted").asText());
        assertEquals(200, data.get("statusCode").asInt());
    }

    @Test
    void shouldReportACrashedRuntimeAsAFunctionErrorAndStillDelete() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 0, 1, 0, Duration.ZERO, 1));

        JsonNode data = runPythonEvent();

        assertEquals("Unhandled", data.get("invokeFunctionError").asText());
        assertEquals("Runtime.ExitError", data.get("invokeResponsePayload").get("errorType").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
    }
}
