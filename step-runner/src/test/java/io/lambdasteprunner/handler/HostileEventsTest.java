package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile events at the entry points: whatever goes wrong, a direct caller (Step Functions) gets a named
 * error and an API Gateway caller a proxy response with {@code {"error", "message"}}, never a stack trace;
 * numbers pass through with their JSON value; results fit {@code MAX_RESULT_BYTES} as each entry point sends them.
 */
class HostileEventsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateway(
            new StepConfig(ROLE, List.of(), null, "lambda-step-runner"), lambda));

    private byte[] output(byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext(60_000));
        return out.toByteArray();
    }

    private JsonNode handle(String event) throws Exception {
        return mapper.readTree(output(event.getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] httpOutput(String body) throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", "apigateway-http.json")));
        event.put("body", body);
        return output(mapper.writeValueAsBytes(event));
    }

    private JsonNode http(String body) throws Exception {
        return mapper.readTree(httpOutput(body));
    }

    private static void throwFromInvoke(FakeLambda lambda, Supplier<Throwable> thrown) {
        lambda.addFunction("f").answer(invocation -> {
            Throwable t = thrown.get();
            if (t instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) t;
        });
    }

    @Nested
    class Errors {

        @ParameterizedTest
        @ValueSource(strings = {"OutOfMemoryError", "StackOverflowError", "AssertionError", "IllegalStateException"})
        void aDefectReachesAStepFunctionsCallerAsInternalError(String kind) {
            throwFromInvoke(lambda, () -> defect(kind));

            StepFailure failure = assertThrows(StepFailure.class,
                    () -> handle("{\"action\":\"invoke\",\"functionName\":\"f\"}"));

            assertEquals(StepError.INTERNAL_ERROR, failure.error());
            assertEquals(0, failure.getStackTrace().length, "no stack trace travels with the error");
            assertFalse(failure.getMessage().contains("secret"), failure.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"OutOfMemoryError", "StackOverflowError"})
        void aDefectReachesAnApiCallerAs500WithNoDetails(String kind) throws Exception {
            throwFromInvoke(lambda, () -> defect(kind));

            JsonNode response = http("{\"action\":\"invoke\",\"functionName\":\"f\"}");

            assertEquals(500, response.get("statusCode").asInt());
            JsonNode body = mapper.readTree(response.get("body").asText());
            assertEquals(StepError.INTERNAL_ERROR.errorName(), body.get("error").asText());
            assertFalse(response.toString().contains(kind) || response.toString().contains("secret"));
        }

        private Throwable defect(String kind) {
            return switch (kind) {
                case "OutOfMemoryError" -> new OutOfMemoryError("secret: Java heap space");
                case "StackOverflowError" -> new StackOverflowError("secret");
                case "AssertionError" -> new AssertionError("secret");
                default -> new IllegalStateException("secret");
            };
        }
    }

    @Nested
    class Bodies {

        @Test
        void anApiBodyNestedTooDeepIsAnInvalidRequest() throws Exception {
            JsonNode response = http("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":"
                    + "[".repeat(5000) + "]".repeat(5000) + "}");

            assertEquals(400, response.get("statusCode").asInt());
            JsonNode body = mapper.readTree(response.get("body").asText());
            assertEquals("InvalidStepRequest", body.get("error").asText());
            assertEquals("the request body nests deeper than 256 levels; flatten it", body.get("message").asText());
        }

        @Test
        void aDirectEventNestedTooDeepIsAnInvalidRequest() {
            StepFailure failure = assertThrows(StepFailure.class, () -> handle("{\"action\":\"invoke\",\"functionName\":"
                    + "\"f\",\"payload\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3000) + "}"));

            assertEquals("the event nests deeper than 256 levels; flatten it", failure.getMessage());
        }

        @Test
        void aCustomValueThatIsNotAStringIsRefusedBeforeAnyCall() throws Exception {
            JsonNode response = http("{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"custom\":{\"attempt\":2}}}");

            assertEquals(400, response.get("statusCode").asInt());
            assertTrue(response.get("body").asText().contains("clientContext.custom.attempt must be a string"),
                    response.toString());
            assertEquals(List.of(), lambda.calls());
        }

        @Test
        void aNumberPastADoubleReachesTheFunctionAsANumber() throws Exception {
            lambda.addFunction("f");

            JsonNode data = handle("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":{\"n\":1e999999}}")
                    .get("data");

            // FakeLambda echoes the payload it was sent: {"echo": <payload>}
            assertEquals("{\"echo\":{\"n\":1E+999999}}", data.get("invokeResponsePayloadString").asText());
        }
    }

    @Nested
    class ResultSize {

        private void answer(String payload) {
            lambda.addFunction("f").answer(invocation -> new LambdaGateway.InvocationResult(200, null,
                    "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\nREPORT RequestId: 1\t\n", payload, "$LATEST"));
        }

        @Test
        void aDirectResultFitsStepFunctions() throws Exception {
            answer(JsonNodeFactory.instance.textNode("\"".repeat(300_000)).toString());

            byte[] output = output("{\"action\":\"invoke\",\"functionName\":\"f\"}".getBytes(StandardCharsets.UTF_8));

            assertTrue(output.length <= 262_144, output.length + " bytes");
            JsonNode data = mapper.readTree(output).get("data");
            assertEquals("true", data.get("invokeResponsePayloadTruncated").asText());
            assertEquals(600_002, data.get("invokeResponsePayloadSize").asLong());
            assertTrue(data.get("invokeExecutionLog").asText().endsWith("REPORT RequestId: 1\t\n"));
        }

        @Test
        void anApiProxyResponseFitsAsAWhole() throws Exception {
            answer(JsonNodeFactory.instance.textNode("\"".repeat(300_000)).toString());

            byte[] output = httpOutput("{\"action\":\"invoke\",\"functionName\":\"f\"}");

            assertTrue(output.length <= 262_144, output.length + " bytes");
            assertTrue(output.length > 250_000, "as much as fits: " + output.length);
            JsonNode response = mapper.readTree(output);
            assertEquals(200, response.get("statusCode").asInt());
            assertEquals("true", mapper.readTree(response.get("body").asText()).get("data")
                    .get("invokeResponsePayloadTruncated").asText());
        }

        @Test
        void anApiErrorResponseWithItsPartialResultFitsAsAWhole() throws Exception {
            lambda.addFunction("f").answer(invocation -> new LambdaGateway.InvocationResult(200, "Unhandled", null,
                    "{\"errorType\":\"Exception\",\"errorMessage\":\"" + "\\\\".repeat(200_000) + "\"}", "$LATEST"));

            byte[] output = httpOutput("{\"action\":\"invoke\",\"functionName\":\"f\",\"failOnFunctionError\":true}");

            assertTrue(output.length <= 262_144, output.length + " bytes");
            JsonNode body = mapper.readTree(mapper.readTree(output).get("body").asText());
            assertEquals("FunctionFailed", body.get("error").asText());
            assertEquals("true", body.get("data").get("invokeResponsePayloadTruncated").asText());
        }
    }
}
