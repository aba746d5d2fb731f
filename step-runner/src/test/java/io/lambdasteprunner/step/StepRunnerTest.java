package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.LambdaGateway.InvocationResult;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepRunnerTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = new FakeLambda();
    private final StepRunner runner = new StepRunner(lambda, new StepConfig(ROLE, List.of(), null, "lambda-step-runner"),
            StepListener.NONE, mapper, CLOCK, new Random(7));

    private StepRequest request(String json) throws Exception {
        return new StepRequestParser().parse(mapper.readTree(json));
    }

    private StepResult run(String json) throws Exception {
        return runner.run(request(json), Deadline.after(Duration.ofSeconds(60), CLOCK));
    }

    private static final String PYTHON = "{\"action\":\"customCode\",\"runtime\":\"python3.12\","
            + "\"code\":\"def lambda_handler(event, context):\\n    return event\\n\",\"payload\":{\"a\":1}";

    @Test
    void shouldReturnRundeckContextVariablesForAnInvoke() throws Exception {
        lambda.existing.add("f");

        StepResult result = run("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":{\"x\":1}}");

        ObjectNode data = (ObjectNode) result.toJson().get("data");
        assertEquals(List.of("invokeResponsePayloadString", "functionName", "functionWasCreated", "functionWasInvoked",
                "functionWasDeleted", "invokeFunctionError", "invokeExecutionLog", "invokeResponsePayload", "statusCode",
                "executedVersion"), iterable(data));
        assertEquals("{\"echo\":{\"x\":1}}", data.get("invokeResponsePayloadString").asText());
        assertEquals("f", data.get("functionName").asText());
        assertEquals("false", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("false", data.get("functionWasDeleted").asText());
        assertTrue(data.get("invokeFunctionError").isNull());
        assertTrue(data.get("invokeExecutionLog").asText().startsWith("START RequestId"));
        assertEquals(1, data.get("invokeResponsePayload").get("echo").get("x").asInt());
        assertEquals(200, data.get("statusCode").asInt());
        assertEquals("$LATEST", data.get("executedVersion").asText());
    }

    @Test
    void shouldPassInvokeFieldsToLambda() throws Exception {
        lambda.existing.add("f");
        List<LambdaGateway.Invocation> seen = new ArrayList<>();
        lambda.behaviour = invocation -> {
            seen.add(invocation);
            return new InvocationResult(204, null, null, "", null);
        };

        StepResult result = run("{\"action\":\"invoke\",\"functionName\":\"f\",\"qualifier\":\"prod\",\"invocationType\":\"DryRun\","
                + "\"logType\":\"None\",\"clientContext\":{\"custom\":{\"k\":\"v\"}}}");

        LambdaGateway.Invocation invocation = seen.get(0);
        assertEquals("prod", invocation.qualifier());
        assertEquals(StepRequest.InvocationType.DRY_RUN, invocation.invocationType());
        assertEquals(StepRequest.LogType.NONE, invocation.logType());
        assertEquals("{\"custom\":{\"k\":\"v\",\"lambdaStepRunnerDepth\":\"1\"}}", invocation.clientContextJson());
        assertEquals("{}", invocation.payloadJson());
        assertEquals(204, result.statusCode());
        assertNull(result.invokeResponsePayload());
        assertEquals("", result.invokeResponsePayloadString());
    }

    @Test
    void shouldReturnAFunctionErrorAsAResultByDefault() throws Exception {
        lambda.existing.add("f");
        lambda.behaviour = invocation -> new InvocationResult(200, "Unhandled", "log",
                "{\"errorMessage\":\"boom\",\"errorType\":\"ValueError\"}", "$LATEST");

        StepResult result = run("{\"action\":\"invoke\",\"functionName\":\"f\"}");

        assertEquals("Unhandled", result.invokeFunctionError());
        assertEquals("boom", result.invokeResponsePayload().get("errorMessage").asText());
    }

    @Test
    void shouldFailWithFunctionFailedWhenAsked() throws Exception {
        lambda.existing.add("f");
        lambda.behaviour = invocation -> new InvocationResult(200, "Unhandled", "log",
                "{\"errorMessage\":\"boom\",\"errorType\":\"ValueError\"}", "$LATEST");

        StepFailure failure = assertThrows(StepFailure.class,
                () -> run("{\"action\":\"invoke\",\"functionName\":\"f\",\"failOnFunctionError\":true}"));

        assertEquals(StepError.FUNCTION_FAILED, failure.error());
        assertTrue(failure.getMessage().contains("ValueError: boom"), failure.getMessage());
        assertEquals("Unhandled", failure.partialResult().orElseThrow().invokeFunctionError());
    }

    @Test
    void shouldRefuseToInvokeItsOwnRunner() {
        for (String self : new String[]{"lambda-step-runner", "lambda-step-runner:live",
                "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner"}) {
            StepFailure failure = assertThrows(StepFailure.class,
                    () -> run("{\"action\":\"invoke\",\"functionName\":\"" + self + "\"}"));
            assertEquals(StepError.RECURSION_REFUSED, failure.error());
        }
        assertEquals(0, lambda.calls.size());
    }

    @Test
    void shouldCreateWaitInvokeAndDelete() throws Exception {
        StepResult result = run(PYTHON + "}");

        String name = result.functionName();
        assertTrue(name.startsWith("rundeck-generated-function-" + CLOCK.millis() + "-"), name);
        assertEquals(List.of("create " + name, "wait " + name, "invoke " + name, "delete " + name), lambda.calls);
        assertTrue(result.functionWasCreated() && result.functionWasInvoked() && result.functionWasDeleted());
        // The wait may use the step's time but the 3 s kept back for the delete
        assertEquals(List.of(Duration.ofSeconds(57)), lambda.waitTimeouts);
        assertTrue(lambda.created.isEmpty());
    }

    @Test
    void shouldCreateWithRoleTagsAndSettings() throws Exception {
        lambda.deleteFailure = null;
        run(PYTHON + ",\"deleteAfterExecution\":false,\"tags\":{\"team\":\"ops\"},\"timeoutSeconds\":10,"
                + "\"memorySize\":256,\"environment\":{\"STAGE\":\"dev\"},\"description\":\"d\"}");

        LambdaGateway.NewFunction created = lambda.created.values().iterator().next();
        assertEquals(ROLE, created.roleArn());
        assertEquals("python3.12", created.runtime());
        assertEquals("lambda_function.lambda_handler", created.source().handler());
        assertEquals("ops", created.tags().get("team"));
        assertEquals("2026-11-24T07:14:38Z", created.tags().get(StepRunner.CREATED_TAG));
        assertEquals(10, created.timeoutSeconds());
        assertEquals(256, created.memorySize());
        assertEquals("dev", created.environment().get("STAGE"));
        assertEquals("d", created.description());
        assertEquals(0, lambda.count("delete"));
    }

    @Test
    void shouldRefuseARoleBeforeAnyLambdaCall() {
        StepFailure failure = assertThrows(StepFailure.class,
                () -> run(PYTHON + ",\"roleArn\":\"arn:aws:iam::123456789012:role/admin\"}"));

        assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
        assertEquals(0, lambda.calls.size());
    }

    @Test
    void shouldDeleteAfterAFailedInvokeAndReportIt() {
        lambda.invokeFailure = new StepFailure(StepError.THROTTLED, "Rate exceeded");

        StepFailure failure = assertThrows(StepFailure.class, () -> run(PYTHON + "}"));

        assertEquals(StepError.THROTTLED, failure.error());
        StepResult partial = failure.partialResult().orElseThrow();
        assertTrue(partial.functionWasCreated());
        assertEquals(false, partial.functionWasInvoked());
        assertTrue(partial.functionWasDeleted());
        assertEquals(1, lambda.count("delete"));
        assertTrue(lambda.created.isEmpty());
    }

    @Test
    void shouldReportAFailedDeleteAsFalseAndKeepTheResult() throws Exception {
        lambda.deleteFailure = new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down");
        List<String> deleteFailures = new ArrayList<>();
        StepRunner listening = new StepRunner(lambda, new StepConfig(ROLE, List.of(), null, null), new StepListener() {
            @Override
            public void deleteFailed(String functionName, StepError error, String message) {
                deleteFailures.add(functionName + " " + error.errorName());
            }
        }, mapper, CLOCK, new Random(1));

        StepResult result = listening.run(request(PYTHON + "}"), Deadline.after(Duration.ofSeconds(60), CLOCK));

        assertEquals(false, result.functionWasDeleted());
        assertEquals("false", result.toJson().get("data").get("functionWasDeleted").asText());
        assertEquals(1, result.invokeResponsePayload().get("echo").get("a").asInt());
        assertEquals(List.of(result.functionName() + " LambdaUnavailable"), deleteFailures);
    }

    @Test
    void shouldDeleteEvenWhenTheFunctionErrorFailsTheStep() {
        lambda.behaviour = invocation -> new InvocationResult(200, "Unhandled", null, "{\"errorType\":\"E\",\"errorMessage\":\"m\"}", "$LATEST");

        StepFailure failure = assertThrows(StepFailure.class, () -> run(PYTHON + ",\"failOnFunctionError\":true}"));

        assertEquals(StepError.FUNCTION_FAILED, failure.error());
        assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
        assertTrue(lambda.created.isEmpty());
    }

    @Test
    void shouldGiveUpWaitingWhenTheStepRunsOutOfTime() throws Exception {
        // Given a function still Pending when the wait's time runs out
        lambda.finalState = "Pending";

        // When the step has 10 s left
        StepFailure failure = assertThrows(StepFailure.class,
                () -> runner.run(request(PYTHON + "}"), Deadline.after(Duration.ofSeconds(10), CLOCK)));

        // Then it waited 7 s at most (3 s kept to delete), did not invoke, and deleted the function
        assertEquals(StepError.FUNCTION_NOT_READY, failure.error());
        assertTrue(failure.getMessage().contains("still Pending when the step ran out of time"), failure.getMessage());
        assertEquals(List.of(Duration.ofSeconds(7)), lambda.waitTimeouts);
        assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
        assertEquals(0, lambda.count("invoke"));
    }

    @Test
    void shouldReportAFunctionLambdaCouldNotCreate() {
        lambda.finalState = "Failed";

        StepFailure failure = assertThrows(StepFailure.class, () -> run(PYTHON + "}"));

        assertEquals(StepError.FUNCTION_CREATION_FAILED, failure.error());
        assertTrue(failure.getMessage().contains("bad zip"));
        assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
    }

    @Test
    void shouldTryAFreshNameWhenTheGeneratedOneIsTaken() throws Exception {
        lambda.takenNames.add("rundeck-generated-function-" + CLOCK.millis());

        StepResult result = run(PYTHON + "}");

        assertEquals(2, lambda.count("create"));
        assertTrue(result.functionWasDeleted());
    }

    private static List<String> iterable(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
