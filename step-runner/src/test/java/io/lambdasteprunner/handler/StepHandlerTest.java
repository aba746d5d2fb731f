package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every entry-point shape, fed the files in {@code events/}, against an in-memory Lambda. */
class StepHandlerTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(new StepConfig(ROLE, List.of(), null, "lambda-step-runner"),
            lambda, MetricsSink.none(), failure -> failure, Clock.systemUTC());

    private JsonNode handle(byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext(60_000));
        return mapper.readTree(out.toByteArray());
    }

    private JsonNode handleFile(String name) throws Exception {
        return handle(Files.readAllBytes(Path.of("events", name)));
    }

    private JsonNode handleHttp(String file, String method, String path, String body) throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", file)));
        if (event.has("httpMethod")) {
            event.put("httpMethod", method).put("path", path);
        } else {
            ((ObjectNode) event.get("requestContext").get("http")).put("method", method);
            event.put("rawPath", path);
        }
        event.put("body", body);
        return handle(mapper.writeValueAsBytes(event));
    }

    private static void assertRanAndDeleted(JsonNode data) {
        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertTrue(data.get("functionName").asText().startsWith("rundeck-generated-function-"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"custom-code-python.json", "custom-code-nodejs.json", "custom-code-nodejs-esm.json",
            "custom-code-ruby.json", "stepfunctions-task.json", "eventbridge.json"})
    void shouldRunDirectStepFunctionsAndEventBridgeEvents(String file) throws Exception {
        JsonNode output = handleFile(file);

        assertRanAndDeleted(output.get("data"));
        assertTrue(lambda.createdFunctions().isEmpty());
    }

    @Test
    void shouldRunTheDirectInvokeEvent() throws Exception {
        lambda.addFunction("restart-web-service");

        JsonNode data = handleFile("invoke.json").get("data");

        assertEquals("restart-web-service", data.get("functionName").asText());
        assertEquals("false", data.get("functionWasCreated").asText());
        assertEquals("web-1", data.get("invokeResponsePayload").get("echo").get("host").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
    void shouldAnswerApiGatewayWithAProxyResponse(String file) throws Exception {
        JsonNode response = handleFile(file);

        assertEquals(200, response.get("statusCode").asInt());
        assertEquals("application/json", response.get("headers").get("Content-Type").asText());
        assertFalse(response.get("isBase64Encoded").asBoolean());
        assertRanAndDeleted(mapper.readTree(response.get("body").asText()).get("data"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
    void shouldMapNamedErrorsToHttpStatuses(String file) throws Exception {
        assertError(handleHttp(file, "GET", "/steps", "{}"), 405, "MethodNotAllowed");
        assertError(handleHttp(file, "POST", "/functions", "{}"), 404, "RouteNotFound");
        assertError(handleHttp(file, "POST", "/steps", ""), 400, "InvalidStepRequest");
        assertError(handleHttp(file, "POST", "/steps", "{not json"), 400, "InvalidStepRequest");
        assertError(handleHttp(file, "POST", "/steps", "{\"action\":\"nope\"}"), 400, "InvalidStepRequest");
        assertError(handleHttp(file, "POST", "/steps",
                "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"${option.missing}\"}"), 400, "UnknownVariable");
        assertError(handleHttp(file, "POST", "/steps",
                "{\"action\":\"customCode\",\"runtime\":\"cobol\",\"code\":\"x\"}"), 400, "UnsupportedRuntime");
        assertError(handleHttp(file, "POST", "/steps", "{\"action\":\"customCode\",\"runtime\":\"python3.12\","
                + "\"code\":\"x\",\"roleArn\":\"arn:aws:iam::123456789012:role/admin\"}"), 403, "RoleNotAllowed");
        assertError(handleHttp(file, "POST", "/steps", "{\"action\":\"invoke\",\"functionName\":\"lambda-step-runner\"}"),
                403, "RecursionRefused");
        assertError(handleHttp(file, "POST", "/steps", "{\"action\":\"invoke\",\"functionName\":\"missing\"}"),
                404, "FunctionNotFound");
        assertEquals(0, lambda.count("create"));
    }

    @Test
    void shouldMapLambdaFailuresToHttpStatusesAndKeepThePartialResult() throws Exception {
        lambda.addFunction("f");
        lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.THROTTLED, "Rate exceeded"));
        assertError(handleHttp("apigateway-http.json", "POST", "/prod/steps", "{\"action\":\"invoke\",\"functionName\":\"f\"}"),
                429, "Throttled");
        lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down"));
        assertError(handleHttp("apigateway-http.json", "POST", "/steps", "{\"action\":\"invoke\",\"functionName\":\"f\"}"),
                503, "LambdaUnavailable");
        lambda.failing(FakeLambda.Call.INVOKE, null);
        lambda.answer(invocation -> new LambdaGateway.InvocationResult(200, "Unhandled", null,
                "{\"errorType\":\"ValueError\",\"errorMessage\":\"disk full\"}", "$LATEST"));

        JsonNode response = handleHttp("apigateway-rest.json", "POST", "/steps",
                "{\"action\":\"invoke\",\"functionName\":\"f\",\"failOnFunctionError\":true}");

        JsonNode body = assertError(response, 502, "FunctionFailed");
        assertTrue(body.get("message").asText().contains("ValueError: disk full"));
        assertEquals("Unhandled", body.get("data").get("invokeFunctionError").asText());
    }

    @Test
    void shouldDecodeABase64Body() throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", "apigateway-rest.json")));
        event.put("body", Base64.getEncoder().encodeToString(event.get("body").asText().getBytes(StandardCharsets.UTF_8)));
        event.put("isBase64Encoded", true);

        JsonNode response = handle(mapper.writeValueAsBytes(event));

        assertEquals(200, response.get("statusCode").asInt());
    }

    @Test
    void shouldThrowTheNamedFailureForDirectRequests() {
        StepFailure failure = assertThrows(StepFailure.class,
                () -> handle("{\"action\":\"invoke\",\"functionName\":\"missing\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error());

        StepFailure notJson = assertThrows(StepFailure.class, () -> handle("{oops".getBytes(StandardCharsets.UTF_8)));
        assertEquals(StepError.INVALID_STEP_REQUEST, notJson.error());
        assertTrue(notJson.getMessage().contains("line 1"), notJson.getMessage());
    }

    @Test
    void shouldTurnFailuresIntoTheConfiguredExceptionTypes() {
        StepHandler named = new StepHandler(new StepConfig(ROLE, List.of(), null, null), lambda, MetricsSink.none(),
                failure -> new IllegalStateException(failure.error().errorName()), Clock.systemUTC());

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> named.handleRequest(
                new ByteArrayInputStream("{\"action\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), null));

        assertEquals("InvalidStepRequest", thrown.getMessage());
    }

    @Test
    void shouldAnswerAnUnexpectedDefectWith500AndNoDetails() throws Exception {
        lambda.addFunction("f");
        lambda.answer(invocation -> {
            throw new NullPointerException("secret internals");
        });

        JsonNode body = assertError(handleHttp("apigateway-rest.json", "POST", "/steps",
                "{\"action\":\"invoke\",\"functionName\":\"f\"}"), 500, "InternalError");

        assertFalse(body.toString().contains("secret internals"));
        assertFalse(body.toString().contains("NullPointerException"));
    }

    private JsonNode assertError(JsonNode response, int status, String name) throws Exception {
        JsonNode body = mapper.readTree(response.get("body").asText());
        assertEquals(status, response.get("statusCode").asInt(), body.toString());
        assertEquals(name, body.get("error").asText(), body.toString());
        assertFalse(body.get("message").asText().isBlank());
        return body;
    }
}
