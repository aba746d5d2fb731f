package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRunner;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every entry point the handler serves, fed the events users send, against an in-memory Lambda. */
class StepHandlerTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String ORPHAN = "rundeck-generated-function-1763950000000-0123abcd";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateway(
            new StepConfig(ROLE, List.of(), null, "lambda-step-runner"), lambda));

    @Nested
    class DirectRequests {

        @ParameterizedTest
        @ValueSource(strings = {"custom-code-python.json", "custom-code-nodejs.json", "custom-code-nodejs-esm.json",
                "custom-code-ruby.json", "stepfunctions-task.json"})
        void runCustomCode(String file) throws Exception {
            // Given a custom-code step as the event itself (direct invoke, Step Functions task)
            // When the handler runs it
            JsonNode output = handle(eventFile(file));

            // Then the function was created, invoked and deleted
            assertRanAndDeleted(output.get("data"));
            assertTrue(lambda.createdFunctions().isEmpty());
        }

        @Test
        void runInvoke() throws Exception {
            lambda.addFunction("restart-web-service");

            JsonNode data = handle(eventFile("invoke.json")).get("data");

            assertEquals("restart-web-service", data.get("functionName").asText());
            assertEquals("false", data.get("functionWasCreated").asText());
            assertEquals("web-1", data.get("invokeResponsePayload").get("echo").get("host").asText());
        }

        @Test
        void throwTheNamedFailure() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "missing"}"""));

            assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error());
        }

        @Test
        void refuseAnEventThatIsNotJson() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle("{oops"));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().contains("the event is not valid JSON (line 1"), failure.getMessage());
        }

        @Test
        void refuseTextAfterTheRequest() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "f"}}"""));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertEquals(0, lambda.calls().size());
        }

        @Test
        void answerADefectWithStepRunnerInternalErrorAndNoDetails() {
            lambda.addFunction("f");
            lambda.answer(invocation -> {
                throw new NullPointerException("secret internals");
            });

            StepFailure failure = assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "f"}"""));

            assertEquals(StepError.INTERNAL_ERROR, failure.error());
            assertEquals("StepRunnerInternalError", failure.error().errorName());
            assertFalse(failure.getMessage().contains("secret internals"));
        }
    }

    @Nested
    class EventBridgeEvents {

        @Test
        void runTheStepInDetail() throws Exception {
            assertRanAndDeleted(handle(eventFile("eventbridge.json")).get("data"));
        }

        @Test
        void sweepOnTheScheduledEvent() throws Exception {
            givenAnOldOrphanAndALookAlike();

            JsonNode output = handle(eventFile("scheduled-sweep.json"));

            assertEquals(List.of(ORPHAN), names(output.get("sweep").get("deleted")));
        }

        @Test
        void sweepOnARuleWhoseDetailIsTheSweepRequest() throws Exception {
            givenAnOldOrphanAndALookAlike();

            JsonNode output = handle("""
                    {"detail-type": "Runbook Step Requested", "source": "com.example.runbooks",
                     "detail": {"action": "sweep"}}""");

            assertEquals(List.of(ORPHAN), names(output.get("sweep").get("deleted")));
        }
    }

    @Nested
    class ApiGatewayEvents {

        @ParameterizedTest
        @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
        void answerWithAProxyResponse(String file) throws Exception {
            JsonNode response = handle(eventFile(file));

            assertEquals(200, response.get("statusCode").asInt());
            assertEquals("application/json", response.get("headers").get("Content-Type").asText());
            assertFalse(response.get("isBase64Encoded").asBoolean());
            assertRanAndDeleted(mapper.readTree(response.get("body").asText()).get("data"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
        void refuseOtherRoutesAndMethods(String file) throws Exception {
            assertError(handle(api(file, "GET", "/steps", "{}")), 405, "MethodNotAllowed");
            assertEquals("POST", handle(api(file, "GET", "/steps", "{}")).get("headers").get("Allow").asText());
            assertError(handle(api(file, "POST", "/functions", "{}")), 404, "RouteNotFound");
            assertEquals(0, lambda.calls().size());
        }

        @ParameterizedTest
        @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
        void answerEachCallersMistakeWithItsStatus(String file) throws Exception {
            assertError(handle(api(file, "POST", "/steps", "")), 400, "InvalidStepRequest");
            assertError(handle(api(file, "POST", "/steps", "{not json")), 400, "InvalidStepRequest");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "nope"}""")), 400, "InvalidStepRequest");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "customCode", "runtime": "python3.12", "code": "${option.missing}"}""")),
                    400, "UnknownVariable");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "customCode", "runtime": "cobol", "code": "x"}""")), 400, "UnsupportedRuntime");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "customCode", "runtime": "python3.12", "code": "x",
                     "roleArn": "arn:aws:iam::123456789012:role/admin"}""")), 403, "RoleNotAllowed");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "invoke", "functionName": "lambda-step-runner"}""")), 403, "RecursionRefused");
            assertError(handle(api(file, "POST", "/steps", """
                    {"action": "invoke", "functionName": "missing"}""")), 404, "FunctionNotFound");
            assertEquals(0, lambda.count("create"));
        }

        @Test
        void answerLambdasFailuresWithTheirStatusAndThePartialResult() throws Exception {
            lambda.addFunction("f");
            String invoke = """
                    {"action": "invoke", "functionName": "f", "failOnFunctionError": true}""";
            lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.THROTTLED, "Rate exceeded"));
            assertError(handle(api("apigateway-http.json", "POST", "/prod/steps", invoke)), 429, "Throttled");
            lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down"));
            assertError(handle(api("apigateway-http.json", "POST", "/steps", invoke)), 503, "LambdaUnavailable");
            lambda.failing(FakeLambda.Call.INVOKE, null);
            lambda.answer(invocation -> new LambdaGateway.InvocationResult(200, "Unhandled", null, """
                    {"errorType": "ValueError", "errorMessage": "disk full"}""", "$LATEST"));

            JsonNode body = assertError(handle(api("apigateway-rest.json", "POST", "/steps", invoke)),
                    502, "FunctionFailed");

            assertTrue(body.get("message").asText().contains("ValueError: disk full"));
            assertEquals("Unhandled", body.get("data").get("invokeFunctionError").asText());
        }

        @Test
        void decodeABase64Body() throws Exception {
            ObjectNode event = (ObjectNode) mapper.readTree(eventFile("apigateway-rest.json"));
            event.put("body", Base64.getEncoder().encodeToString(event.get("body").asText()
                    .getBytes(StandardCharsets.UTF_8))).put("isBase64Encoded", true);

            JsonNode response = handle(event.toString());

            assertEquals(200, response.get("statusCode").asInt(), response.toString());
        }

        @Test
        void refuseABodyMarkedBase64ThatIsNot() throws Exception {
            JsonNode body = assertError(handle("""
                    {"resource": "/steps", "path": "/steps", "httpMethod": "POST", "requestContext": {},
                     "isBase64Encoded": true, "body": "not base64!"}"""), 400, "InvalidStepRequest");

            assertTrue(body.get("message").asText().contains("isBase64Encoded"), body.toString());
        }

        @Test
        void refuseABodyThatIsNotAString() throws Exception {
            JsonNode body = assertError(handle("""
                    {"resource": "/steps", "path": "/steps", "httpMethod": "POST", "requestContext": {},
                     "body": {"action": "invoke", "functionName": "f"}}"""), 400, "InvalidStepRequest");

            assertTrue(body.get("message").asText().contains("not a string"), body.toString());
        }

        @Test
        void sweep() throws Exception {
            givenAnOldOrphanAndALookAlike();

            JsonNode response = handle(api("apigateway-rest.json", "POST", "/steps", """
                    {"action": "sweep"}"""));

            assertEquals(200, response.get("statusCode").asInt());
            assertEquals(List.of(ORPHAN), names(mapper.readTree(response.get("body").asText()).get("sweep").get("deleted")));
        }

        @Test
        void answerADefectWith500AndNoDetails() throws Exception {
            lambda.addFunction("f");
            lambda.answer(invocation -> {
                throw new NullPointerException("secret internals");
            });

            JsonNode body = assertError(handle(api("apigateway-rest.json", "POST", "/steps", """
                    {"action": "invoke", "functionName": "f"}""")), 500, "StepRunnerInternalError");

            assertFalse(body.toString().contains("secret internals"));
            assertFalse(body.toString().contains("NullPointerException"));
        }
    }

    @Nested
    class Sweeps {

        @Test
        void deleteOnlyOldGeneratedFunctions() throws Exception {
            givenAnOldOrphanAndALookAlike();

            JsonNode sweep = handle(eventFile("sweep.json")).get("sweep");

            assertEquals(List.of(ORPHAN), names(sweep.get("deleted")));
            assertEquals(0, sweep.get("failed").size());
            assertEquals(2, sweep.get("examined").asInt());
            assertEquals(1, lambda.functionNames().size());
        }

        @Test
        void refuseOtherFields() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle("""
                    {"action": "sweep", "maxAge": 1}"""));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().contains("takes no other fields"));
            assertEquals(List.of(), lambda.calls());
        }
    }

    @Nested
    class ChainDepth {

        private static final String INVOKE_F = """
                {"action": "invoke", "functionName": "f"}""";

        @Test
        void refuseAStepThatCameThroughTooManyStepRunners() {
            lambda.addFunction("f");

            StepFailure failure = assertThrows(StepFailure.class, () -> handle(INVOKE_F, TestContext.withDepth("3")));

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
            assertEquals(List.of(), lambda.calls());
        }

        @Test
        void refuseAnUnreadableDepth() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle(INVOKE_F,
                    TestContext.withDepth("-1; drop")));

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
            assertTrue(failure.getMessage().contains("not a whole number"));
        }

        @Test
        void passTheNextDepthOn() throws Exception {
            lambda.addFunction("f");
            List<String> contexts = new CopyOnWriteArrayList<>();
            lambda.answer(invocation -> {
                contexts.add(invocation.clientContextJson());
                return new LambdaGateway.InvocationResult(200, null, null, "{}", "$LATEST");
            });

            handle(INVOKE_F, TestContext.withDepth("2"));

            assertEquals(List.of("""
                    {"custom":{"lambdaStepRunnerDepth":"3"}}"""), contexts);
        }

        @Test
        void answer403OverTheApi() throws Exception {
            JsonNode response = handle(api("apigateway-rest.json", "POST", "/steps", INVOKE_F), TestContext.withDepth("7"));

            assertError(response, 403, "RecursionRefused");
        }

        @Test
        void sweepWhateverTheDepth() throws Exception {
            givenAnOldOrphanAndALookAlike();

            JsonNode output = handle(eventFile("sweep.json"), TestContext.withDepth("-1; drop"));

            assertEquals(List.of(ORPHAN), names(output.get("sweep").get("deleted")));
        }
    }

    private JsonNode handle(String event) throws Exception {
        return handle(event, new TestContext(60_000));
    }

    private JsonNode handle(String event, com.amazonaws.services.lambda.runtime.Context context) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, context);
        return mapper.readTree(out.toByteArray());
    }

    private static String eventFile(String name) throws Exception {
        return Files.readString(Path.of("events", name));
    }

    /** The API Gateway event in {@code file} with another method, path and body. */
    private String api(String file, String method, String path, String body) throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(eventFile(file));
        if (event.has("httpMethod")) {
            event.put("httpMethod", method).put("path", path);
        } else {
            ((ObjectNode) event.get("requestContext").get("http")).put("method", method);
            event.put("rawPath", path);
        }
        return event.put("body", body).toString();
    }

    private void givenAnOldOrphanAndALookAlike() {
        lambda.addForeignFunction(ORPHAN, Map.of(StepRunner.CREATED_TAG, Instant.now().minusSeconds(7200).toString()));
        lambda.addForeignFunction("rundeck-generated-function-1763950000001-0123abcd", Map.of("team", "ops"));
    }

    private static List<String> names(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static void assertRanAndDeleted(JsonNode data) {
        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertTrue(data.get("functionName").asText().startsWith("rundeck-generated-function-"));
    }

    private JsonNode assertError(JsonNode response, int status, String name) throws Exception {
        JsonNode body = mapper.readTree(response.get("body").asText());
        assertEquals(status, response.get("statusCode").asInt(), body.toString());
        assertEquals(name, body.get("error").asText(), body.toString());
        assertFalse(body.get("message").asText().isBlank());
        return body;
    }
}
