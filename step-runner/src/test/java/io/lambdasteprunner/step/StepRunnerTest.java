package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.step.FakeLambda.Answer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Steps run against an in-memory Lambda: the context variables they return and the calls they make. */
class StepRunnerTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);
    private static final String PYTHON_STEP = """
            {"action": "customCode", "runtime": "python3.12",
             "code": "def lambda_handler(event, context):\\n    return event\\n",
             "payload": {"a": 1}}""";

    private final ObjectMapper mapper = new ObjectMapper();

    private StepRunner runner(FakeLambda lambda) {
        return runner(lambda, StepListener.NONE);
    }

    private StepRunner runner(FakeLambda lambda, StepListener listener) {
        return new StepRunner(lambda, new StepConfig(ROLE, List.of(), null, "lambda-step-runner"), listener, mapper,
                CLOCK, new Random(7));
    }

    private StepRequest request(String json) throws Exception {
        return new StepRequestParser().parse(mapper.readTree(json));
    }

    private StepResult run(FakeLambda lambda, String json) throws Exception {
        return runner(lambda).run(request(json), Deadline.after(Duration.ofSeconds(60), CLOCK));
    }

    private StepFailure failed(FakeLambda lambda, String json) {
        return assertThrows(StepFailure.class, () -> run(lambda, json));
    }

    @Nested
    class Invoke {

        @Test
        void shouldReturnRundeckContextVariablesForAnInvoke() throws Exception {
            FakeLambda lambda = FakeLambda.builder().function("f").build();

            StepResult result = run(lambda, """
                    {"action": "invoke", "functionName": "f", "payload": {"x": 1}}""");

            assertEquals(mapper.readTree("""
                    {"data": {
                      "invokeResponsePayloadString": "{\\"echo\\":{\\"x\\":1}}",
                      "functionName": "f",
                      "functionWasCreated": "false",
                      "functionWasInvoked": "true",
                      "functionWasDeleted": "false",
                      "invokeFunctionError": null,
                      "invokeExecutionLog": "START RequestId: 1 Version: $LATEST\\nEND RequestId: 1\\n",
                      "invokeResponsePayload": {"echo": {"x": 1}},
                      "statusCode": 200,
                      "executedVersion": "$LATEST"
                    }}"""), result.toJson());
            assertEquals(List.of("invokeResponsePayloadString", "functionName", "functionWasCreated",
                    "functionWasInvoked", "functionWasDeleted", "invokeFunctionError", "invokeExecutionLog",
                    "invokeResponsePayload", "statusCode", "executedVersion"), fieldNames(result.toJson().get("data")));
        }

        @Test
        void shouldPassInvokeFieldsToLambda() throws Exception {
            FakeLambda lambda = FakeLambda.builder().function("f").build();

            StepResult result = run(lambda, """
                    {"action": "invoke", "functionName": "f", "qualifier": "prod", "invocationType": "DryRun",
                     "logType": "None", "clientContext": {"custom": {"k": "v"}}}""");

            LambdaGateway.Invocation invocation = lambda.invocations().get(0);
            assertEquals("prod", invocation.qualifier());
            assertEquals(StepRequest.InvocationType.DRY_RUN, invocation.invocationType());
            assertEquals(StepRequest.LogType.NONE, invocation.logType());
            assertEquals(mapper.readTree("""
                    {"custom": {"k": "v", "lambdaStepRunnerDepth": "1"}}"""),
                    mapper.readTree(invocation.clientContextJson()));
            assertEquals("{}", invocation.payloadJson());
            assertEquals(204, result.statusCode());
            assertNull(result.invokeResponsePayload());
            assertEquals("", result.invokeResponsePayloadString());
        }

        @Test
        void shouldReturnAFunctionErrorAsAResultByDefault() throws Exception {
            FakeLambda lambda = FakeLambda.builder().function("f", Answer.functionError("ValueError", "boom")).build();

            StepResult result = run(lambda, """
                    {"action": "invoke", "functionName": "f"}""");

            assertEquals("Unhandled", result.invokeFunctionError());
            assertEquals("boom", result.invokeResponsePayload().get("errorMessage").asText());
        }

        @Test
        void shouldFailWithFunctionFailedWhenAsked() {
            FakeLambda lambda = FakeLambda.builder().function("f", Answer.functionError("ValueError", "boom")).build();

            StepFailure failure = failed(lambda, """
                    {"action": "invoke", "functionName": "f", "failOnFunctionError": true}""");

            assertEquals(StepError.FUNCTION_FAILED, failure.error());
            assertTrue(failure.getMessage().contains("ValueError: boom"), failure.getMessage());
            assertEquals("Unhandled", failure.partialResult().orElseThrow().invokeFunctionError());
        }

        @ParameterizedTest
        @ValueSource(strings = {"lambda-step-runner", "lambda-step-runner:live",
                "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner"})
        void shouldRefuseToInvokeItsOwnRunner(String self) {
            FakeLambda lambda = FakeLambda.builder().function("lambda-step-runner").build();

            StepFailure failure = failed(lambda, """
                    {"action": "invoke", "functionName": "%s"}""".formatted(self));

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
            assertEquals(List.of(), lambda.calls());
        }

        @Test
        void shouldNameAFunctionThatDoesNotExist() {
            FakeLambda lambda = FakeLambda.builder().build();

            StepFailure failure = failed(lambda, """
                    {"action": "invoke", "functionName": "restart-web-service"}""");

            assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error());
        }
    }

    @Nested
    class CustomCode {

        @Test
        void shouldCreateWaitInvokeAndDelete() throws Exception {
            FakeLambda lambda = FakeLambda.builder().build();

            StepResult result = run(lambda, PYTHON_STEP);

            String name = result.functionName();
            assertTrue(name.startsWith("rundeck-generated-function-" + CLOCK.millis() + "-"), name);
            assertEquals(List.of("create " + name, "wait " + name, "invoke " + name, "delete " + name), lambda.calls());
            assertTrue(result.functionWasCreated() && result.functionWasInvoked() && result.functionWasDeleted());
            // The wait may use the step's time but the 3 s kept back for the delete
            assertEquals(List.of(Duration.ofSeconds(57)), lambda.waitTimeouts());
            assertEquals(1, result.invokeResponsePayload().get("echo").get("a").asInt());
            assertTrue(lambda.createdFunctions().isEmpty());
        }

        @Test
        void shouldCreateWithRoleTagsAndSettings() throws Exception {
            FakeLambda lambda = FakeLambda.builder().build();

            run(lambda, """
                    {"action": "customCode", "runtime": "python3.12",
                     "code": "def lambda_handler(event, context):\\n    return event\\n",
                     "deleteAfterExecution": false, "tags": {"team": "ops"}, "timeoutSeconds": 10,
                     "memorySize": 256, "environment": {"STAGE": "dev"}, "description": "d"}""");

            LambdaGateway.NewFunction created = lambda.createdFunctions().values().iterator().next();
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
            FakeLambda lambda = FakeLambda.builder().build();

            StepFailure failure = failed(lambda, """
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1",
                     "roleArn": "arn:aws:iam::123456789012:role/admin"}""");

            assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
            assertEquals(List.of(), lambda.calls());
        }

        @Test
        void shouldTryAFreshNameWhenTheGeneratedOneIsTaken() throws Exception {
            FakeLambda lambda = FakeLambda.builder().nameTaken("rundeck-generated-function-" + CLOCK.millis()).build();

            StepResult result = run(lambda, PYTHON_STEP);

            assertEquals(2, lambda.count("create"));
            assertTrue(result.functionWasDeleted());
        }
    }

    @Nested
    class Failures {

        @Test
        void shouldDeleteAfterAFailedInvokeAndReportIt() {
            FakeLambda lambda = FakeLambda.builder()
                    .failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.THROTTLED, "Rate exceeded")).build();

            StepFailure failure = failed(lambda, PYTHON_STEP);

            assertEquals(StepError.THROTTLED, failure.error());
            StepResult partial = failure.partialResult().orElseThrow();
            assertTrue(partial.functionWasCreated());
            assertFalse(partial.functionWasInvoked());
            assertTrue(partial.functionWasDeleted());
            assertEquals(1, lambda.count("delete"));
            assertTrue(lambda.createdFunctions().isEmpty());
        }

        @Test
        void shouldReportAFailedDeleteAsFalseAndKeepTheResult() throws Exception {
            FakeLambda lambda = FakeLambda.builder()
                    .failing(FakeLambda.Call.DELETE, new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down")).build();
            List<String> deleteFailures = new ArrayList<>();
            StepRunner listening = runner(lambda, new StepListener() {
                @Override
                public void deleteFailed(String functionName, StepError error, String message) {
                    deleteFailures.add(functionName + " " + error.errorName());
                }
            });

            StepResult result = listening.run(request(PYTHON_STEP), Deadline.after(Duration.ofSeconds(60), CLOCK));

            assertFalse(result.functionWasDeleted());
            assertEquals("false", result.toJson().get("data").get("functionWasDeleted").asText());
            assertEquals(1, result.invokeResponsePayload().get("echo").get("a").asInt());
            assertEquals(List.of(result.functionName() + " LambdaUnavailable"), deleteFailures);
        }

        @Test
        void shouldDeleteEvenWhenTheFunctionErrorFailsTheStep() {
            FakeLambda lambda = FakeLambda.builder().answer(Answer.functionError("E", "m")).build();

            StepFailure failure = failed(lambda, """
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1", "failOnFunctionError": true}""");

            assertEquals(StepError.FUNCTION_FAILED, failure.error());
            assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
            assertTrue(lambda.createdFunctions().isEmpty());
        }

        @Test
        void shouldGiveUpWaitingWhenTheStepRunsOutOfTime() {
            // Given a function that stays Pending, and a clock that the wait moves on
            FakeLambda lambda = FakeLambda.builder().pendingPolls(Integer.MAX_VALUE).build();
            SimulatedClock moving = new SimulatedClock(CLOCK.instant());
            lambda.onWait(moving::advance);
            StepRunner timed = new StepRunner(lambda, new StepConfig(ROLE, List.of(), null, null), StepListener.NONE,
                    mapper, moving, new Random(1));

            StepFailure failure = assertThrows(StepFailure.class,
                    () -> timed.run(request(PYTHON_STEP), Deadline.after(Duration.ofSeconds(10), moving)));

            // Then it stops in time to delete (3 s are kept back for it) and does not invoke
            assertEquals(StepError.FUNCTION_NOT_READY, failure.error());
            assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
            assertEquals(0, lambda.count("invoke"));
            assertTrue(moving.elapsed().compareTo(Duration.ofSeconds(7)) <= 0,
                    "waited " + moving.elapsed());
        }

        @Test
        void shouldReportAFunctionLambdaCouldNotCreate() {
            FakeLambda lambda = FakeLambda.builder().pendingPolls(0).finalState("Failed", "bad zip").build();

            StepFailure failure = failed(lambda, PYTHON_STEP);

            assertEquals(StepError.FUNCTION_CREATION_FAILED, failure.error());
            assertTrue(failure.getMessage().contains("bad zip"), failure.getMessage());
            assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
