package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.MotoS3;
import io.lambdasteprunner.lambda.S3ResultStore;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.ResultFitter;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code MAX_RESULT_BYTES} end to end: Python steps on the local Lambda service return big responses, and the
 * runner writes the whole ones to a real S3 server on loopback (moto's), read back with the AWS CLI.
 */
class ResultSizeIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final StepConfig CONFIG = new StepConfig(ROLE, List.of(), null, "lambda-step-runner");
    private static final int STEP_FUNCTIONS_LIMIT = 262_144;
    private static final String BUCKET = "runbook-results";
    /** {@link TestContext}'s request id: it names the object. */
    private static final String REQUEST_ID = "6f1f2a4e-0000-4000-8000-000000000001";

    private static LocalLambdaService service;
    private static LambdaClient client;
    private static MotoS3 s3;
    private static S3ResultStore store;
    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        s3 = MotoS3.start();
        s3.createBucket(BUCKET);
        store = S3ResultStore.fromEnvironment(s3.environment(BUCKET));
    }

    @AfterAll
    static void stop() {
        store.close();
        s3.close();
        client.close();
        service.close();
    }

    private static StepHandler handler(String bucket) {
        StepConfig config = CONFIG.withResults(CONFIG.results().withBucket(bucket));
        return new StepHandler(DependencyFactory.onClient(config, client, MetricsSink.none(), store));
    }

    /** A Python step whose function returns {@code expression}. */
    private String pythonStep(String expression, String extraFields) {
        ObjectNode step = mapper.createObjectNode();
        step.put("action", "customCode");
        step.put("runtime", "python3.12");
        step.put("code", "def lambda_handler(event, context):\n    print('returning a big answer')\n    return "
                + expression + "\n");
        step.put("timeoutSeconds", 30);
        String json = step.toString();
        return extraFields.isEmpty() ? json : json.substring(0, json.length() - 1) + "," + extraFields + "}";
    }

    /** The handler's output bytes, exactly what Step Functions or API Gateway would receive. */
    private static byte[] output(StepHandler handler, String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(120_000));
        return out.toByteArray();
    }

    private static void assertSevenKeys(JsonNode data) {
        for (String key : List.of("functionName", "functionWasCreated", "functionWasInvoked", "functionWasDeleted",
                "invokeFunctionError", "invokeExecutionLog", "invokeResponsePayloadString")) {
            assertTrue(data.has(key), key + " missing from " + data);
        }
        assertEquals("true", data.get("functionWasDeleted").asText());
    }

    @Nested
    class WithoutABucket {

        @Test
        void aPythonStepReturning150000CharactersFitsStepFunctions() throws Exception {
            // Given a function whose answer and its parsed copy together were 300,730 bytes
            byte[] output = output(handler(null), pythonStep("'x' * 150000", ""));

            // Then the parsed copy goes, and the whole answer stays
            assertTrue(output.length <= STEP_FUNCTIONS_LIMIT, output.length + " bytes");
            JsonNode data = mapper.readTree(output).get("data");
            assertSevenKeys(data);
            assertEquals("\"" + "x".repeat(150_000) + "\"", data.get("invokeResponsePayloadString").asText());
            assertTrue(data.get("invokeResponsePayload").isNull(), "the parsed copy went first");
            assertFalse(data.has("invokeResponsePayloadTruncated"));
        }

        @Test
        void aLargerAnswerIsShortenedAndSaysSo() throws Exception {
            byte[] output = output(handler(null), pythonStep("'y' * 400000", ""));

            assertTrue(output.length <= STEP_FUNCTIONS_LIMIT, output.length + " bytes");
            JsonNode data = mapper.readTree(output).get("data");
            assertSevenKeys(data);
            assertEquals("true", data.get("invokeResponsePayloadTruncated").asText());
            assertEquals(400_002, data.get("invokeResponsePayloadSize").asLong());
            String kept = data.get("invokeResponsePayloadString").asText();
            assertTrue(kept.startsWith("\"yyy") && kept.length() > 200_000, "as much as fits: " + kept.length());
            assertFalse(data.has("invokeResponsePayloadS3Uri"));
            assertTrue(data.get("invokeExecutionLog").asText().contains("REPORT RequestId"), "the log is whole");
        }
    }

    @Nested
    class WithABucket {

        @Test
        void theWholeAnswerIsWrittenToS3AndTheResultPointsAtIt() throws Exception {
            // Given a function answering 400,002 bytes of JSON
            byte[] output = output(handler(BUCKET), pythonStep("{'rows': ['r' * 1000] * 400}", ""));

            // Then the result is small, and S3 holds the whole answer under prefix/function/request id
            assertTrue(output.length <= STEP_FUNCTIONS_LIMIT, output.length + " bytes");
            JsonNode data = mapper.readTree(output).get("data");
            assertSevenKeys(data);
            String name = data.get("functionName").asText();
            String key = "step-results/" + name + "/" + REQUEST_ID + ".json";
            assertEquals("s3://" + BUCKET + "/" + key, data.get("invokeResponsePayloadS3Uri").asText());
            assertEquals("true", data.get("invokeResponsePayloadTruncated").asText());
            assertEquals(ResultFitter.S3_PREVIEW_CHARS, data.get("invokeResponsePayloadString").asText().length());
            byte[] whole = s3.object(BUCKET, key);
            assertEquals(data.get("invokeResponsePayloadSize").asLong(), whole.length);
            JsonNode answer = mapper.readTree(whole);
            assertEquals(400, answer.get("rows").size());
            assertTrue(data.get("invokeResponsePayloadString").asText().startsWith("{\"rows\": [\"rrr"));
            assertEquals("application/json", s3.contentType(BUCKET, key));
        }

        @Test
        void aFailedWriteIsReportedAndTheAnswerStillShortened() throws Exception {
            // Given a bucket that does not exist
            byte[] output = output(handler("no-such-results-bucket"), pythonStep("'z' * 400000", ""));

            // Then the result says why the write failed, and carries as much of the answer as fits
            assertTrue(output.length <= STEP_FUNCTIONS_LIMIT, output.length + " bytes");
            JsonNode data = mapper.readTree(output).get("data");
            assertSevenKeys(data);
            assertEquals("true", data.get("invokeResponsePayloadTruncated").asText());
            assertFalse(data.has("invokeResponsePayloadS3Uri"));
            String why = data.get("invokeResponsePayloadS3Error").asText();
            assertTrue(why.contains("NoSuchBucket") && why.contains("s3://no-such-results-bucket/step-results/"), why);
            assertTrue(data.get("invokeResponsePayloadString").asText().length() > 200_000);
        }

        @Test
        void aFunctionErrorWithAHugeMessageStillFails() throws Exception {
            // Given failOnFunctionError and a function raising with a 400,000-character message
            String event = pythonStep("(_ for _ in ()).throw(Exception('e' * 400000))",
                    "\"failOnFunctionError\":true");

            StepFailure failure = assertThrows(StepFailure.class, () -> output(handler(BUCKET), event));

            // Then the step fails by name, its message stays short, its partial result fits
            assertEquals("FunctionFailed", failure.error().errorName());
            assertTrue(failure.getMessage().length() < 2000, failure.getMessage().length() + " characters");
            JsonNode data = failure.partialResult().orElseThrow().toJson();
            assertTrue(data.toString().getBytes(StandardCharsets.UTF_8).length <= STEP_FUNCTIONS_LIMIT);
            assertTrue(data.get("data").get("invokeResponsePayloadS3Uri").asText().startsWith("s3://" + BUCKET + "/"));
        }
    }

    @Nested
    class ThroughApiGateway {

        @Test
        void theProxyResponseFitsThoughItsBodyEscapesTheResult() throws Exception {
            // Given an answer of quotes, each of which the proxy body escapes twice over
            ObjectNode event = (ObjectNode) mapper.readTree(
                    java.nio.file.Files.readString(java.nio.file.Path.of("events", "apigateway-http.json")));
            event.put("body", pythonStep("'\"' * 200000", ""));

            byte[] output = output(handler(null), event.toString());

            // Then the proxy response as API Gateway receives it is within the bound
            assertTrue(output.length <= STEP_FUNCTIONS_LIMIT, output.length + " bytes");
            JsonNode response = mapper.readTree(output);
            assertEquals(200, response.get("statusCode").asInt());
            JsonNode data = mapper.readTree(response.get("body").asText()).get("data");
            assertSevenKeys(data);
            assertEquals("true", data.get("invokeResponsePayloadTruncated").asText());
            assertTrue(output.length > STEP_FUNCTIONS_LIMIT - 1000, "as much as fits: " + output.length);
        }
    }
}
