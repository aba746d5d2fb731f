package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.SimulatedClock;
import io.lambdasteprunner.step.StepConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API Gateway gives up after 29 s whatever Lambda's timeout says: an API request's step ends before
 * that, with a named error, while a Step Functions task may use the whole invocation.
 */
class ApiGatewayDeadlineTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String STEP = """
            {"action": "customCode", "runtime": "python3.13", "handler": "lambda_handler",
             "code": "def lambda_handler(event, context):\\n    return event\\n"}""";

    private final ObjectMapper mapper = new ObjectMapper();
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-11-24T10:00:00Z"));
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateway(
            new StepConfig(ROLE, List.of(), null, "lambda-step-runner"), lambda, MetricsSink.none(), clock));

    @Test
    void shouldEndAnApiRequestsStepBeforeApiGatewayGivesUp() throws Exception {
        // Given a generated function that never leaves Pending, and 900 s left in the invocation
        lambda.pendingPolls(Integer.MAX_VALUE).onWait(clock::advance);
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", "apigateway-rest.json")));
        event.put("body", STEP);

        // When the step comes through API Gateway
        JsonNode response = handle(mapper.writeValueAsBytes(event));

        // Then it fails with FunctionNotReady within the API's budget, and the function is deleted
        assertEquals(503, response.get("statusCode").asInt());
        JsonNode body = mapper.readTree(response.get("body").asText());
        assertEquals("FunctionNotReady", body.get("error").asText());
        assertEquals("true", body.at("/data/functionWasDeleted").asText());
        assertTrue(clock.elapsed().compareTo(Duration.ofSeconds(29)) < 0, "the step took " + clock.elapsed());
        assertTrue(clock.elapsed().compareTo(Duration.ofSeconds(15)) > 0, "the step gave up early: " + clock.elapsed());
    }

    @Test
    void shouldLetAStepFunctionsTaskWaitAsLongAsTheInvocationLasts() throws Exception {
        lambda.pendingPolls(Integer.MAX_VALUE).onWait(clock::advance);

        try {
            handle(STEP.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (io.lambdasteprunner.step.StepFailure notReady) {
            assertEquals("FunctionNotReady", notReady.error().errorName());
        }

        assertTrue(clock.elapsed().compareTo(Duration.ofSeconds(800)) > 0, "the step took only " + clock.elapsed());
    }

    private JsonNode handle(byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext(900_000));
        return mapper.readTree(out.toByteArray());
    }
}
