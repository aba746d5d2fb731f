package io.lambdasteprunner.handler;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRunner;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handler's {@code sweep} action, EventBridge's scheduled event, and the chain depth from the client context. */
class SweepAndDepthHandlerTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String ORPHAN = "rundeck-generated-function-1763950000000-0123abcd";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(new StepConfig(ROLE, List.of(), null, "lambda-step-runner"),
            lambda, MetricsSink.none(), failure -> failure, Clock.systemUTC());

    private JsonNode handle(String event, Context context) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, context);
        return mapper.readTree(out.toByteArray());
    }

    private JsonNode handle(String event) throws Exception {
        return handle(event, new TestContext(60_000));
    }

    private void givenAnOldOrphanAndALookAlike() {
        lambda.addForeignFunction(ORPHAN, Map.of(StepRunner.CREATED_TAG, Instant.now().minusSeconds(7200).toString()));
        lambda.addForeignFunction("rundeck-generated-function-1763950000001-0123abcd", Map.of("team", "ops"));
    }

    @Test
    void shouldSweepOnASweepRequest() throws Exception {
        givenAnOldOrphanAndALookAlike();

        JsonNode sweep = handle(Files.readString(Path.of("events", "sweep.json"))).get("sweep");

        assertEquals(List.of(ORPHAN), List.of(sweep.get("deleted").get(0).asText()));
        assertEquals(1, sweep.get("deleted").size());
        assertEquals(0, sweep.get("failed").size());
        assertEquals(2, sweep.get("examined").asInt());
        assertEquals(1, lambda.functionNames().size());
    }

    @Test
    void shouldSweepOnEventBridgesScheduledEvent() throws Exception {
        givenAnOldOrphanAndALookAlike();

        JsonNode output = handle(Files.readString(Path.of("events", "scheduled-sweep.json")));

        assertEquals(ORPHAN, output.get("sweep").get("deleted").get(0).asText());
    }

    @Test
    void shouldSweepOnARuleWhoseInputIsTheSweepRequest() throws Exception {
        givenAnOldOrphanAndALookAlike();

        JsonNode output = handle("{\"detail-type\": \"Runbook Step Requested\", \"source\": \"com.example.runbooks\","
                + "\"detail\": {\"action\": \"sweep\"}}");

        assertEquals(1, output.get("sweep").get("deleted").size());
    }

    @Test
    void shouldSweepOverTheApi() throws Exception {
        givenAnOldOrphanAndALookAlike();

        JsonNode response = handle("{\"resource\": \"/steps\", \"path\": \"/steps\", \"httpMethod\": \"POST\","
                + "\"requestContext\": {}, \"body\": \"{\\\"action\\\": \\\"sweep\\\"}\"}");

        assertEquals(200, response.get("statusCode").asInt());
        assertEquals(ORPHAN, mapper.readTree(response.get("body").asText()).get("sweep").get("deleted").get(0).asText());
    }

    @Test
    void shouldRefuseASweepRequestWithOtherFields() {
        StepFailure failure = assertThrows(StepFailure.class, () -> handle("{\"action\": \"sweep\", \"maxAge\": 1}"));

        assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
        assertTrue(failure.getMessage().contains("takes no other fields"));
        assertEquals(List.of(), lambda.calls());
    }

    @Test
    void shouldRefuseAStepThatArrivedThroughTooManyStepRunners() {
        lambda.addFunction("f");

        StepFailure failure = assertThrows(StepFailure.class, () -> handle(
                "{\"action\": \"invoke\", \"functionName\": \"f\"}", withDepth("3")));

        assertEquals(StepError.RECURSION_REFUSED, failure.error());
        assertEquals(List.of(), lambda.calls());
    }

    @Test
    void shouldRefuseAnUnreadableDepth() {
        StepFailure failure = assertThrows(StepFailure.class, () -> handle(
                "{\"action\": \"invoke\", \"functionName\": \"f\"}", withDepth("-1; drop")));

        assertEquals(StepError.RECURSION_REFUSED, failure.error());
        assertTrue(failure.getMessage().contains("not a whole number"));
    }

    @Test
    void shouldPassTheNextDepthOnToTheInvokedFunction() throws Exception {
        lambda.addFunction("f");
        List<String> contexts = new java.util.concurrent.CopyOnWriteArrayList<>();
        lambda.answer(invocation -> {
            contexts.add(invocation.clientContextJson());
            return new io.lambdasteprunner.step.LambdaGateway.InvocationResult(200, null, null, "{}", "$LATEST");
        });

        handle("{\"action\": \"invoke\", \"functionName\": \"f\"}", withDepth("2"));

        assertEquals(List.of("{\"custom\":{\"lambdaStepRunnerDepth\":\"3\"}}"), contexts);
    }

    @Test
    void shouldAnswer403OverTheApiForADeepChain() throws Exception {
        JsonNode response = handle("{\"resource\": \"/steps\", \"path\": \"/steps\", \"httpMethod\": \"POST\","
                + "\"requestContext\": {}, \"body\": \"{\\\"action\\\": \\\"invoke\\\", \\\"functionName\\\": \\\"f\\\"}\"}",
                withDepth("7"));

        assertEquals(403, response.get("statusCode").asInt());
        assertEquals("RecursionRefused", mapper.readTree(response.get("body").asText()).get("error").asText());
    }

    /** A Lambda context whose client context says how many step runners came before. */
    private static Context withDepth(String depth) {
        TestContext base = new TestContext(60_000);
        ClientContext clientContext = new ClientContext() {
            @Override
            public Client getClient() {
                return null;
            }

            @Override
            public Map<String, String> getCustom() {
                return Map.of(StepRunner.DEPTH_KEY, depth);
            }

            @Override
            public Map<String, String> getEnvironment() {
                return Map.of();
            }
        };
        return new Context() {
            public String getAwsRequestId() {
                return base.getAwsRequestId();
            }

            public String getLogGroupName() {
                return base.getLogGroupName();
            }

            public String getLogStreamName() {
                return base.getLogStreamName();
            }

            public String getFunctionName() {
                return base.getFunctionName();
            }

            public String getFunctionVersion() {
                return base.getFunctionVersion();
            }

            public String getInvokedFunctionArn() {
                return base.getInvokedFunctionArn();
            }

            public CognitoIdentity getIdentity() {
                return null;
            }

            public ClientContext getClientContext() {
                return clientContext;
            }

            public int getRemainingTimeInMillis() {
                return base.getRemainingTimeInMillis();
            }

            public int getMemoryLimitInMB() {
                return base.getMemoryLimitInMB();
            }

            public LambdaLogger getLogger() {
                return base.getLogger();
            }
        };
    }
}
