package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.lambda.ZipPackager;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.lambdasteprunner.lambda.SdkLambdaGatewayIT.CUSTOM_OF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handler end to end on the real local Lambda service, which runs the generated Python, Node.js
 * and Ruby functions as processes: every entry-point shape from {@code events/}, every field, the
 * named errors, deletion rules and concurrency.
 */
class StepHandlerIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final StepConfig CONFIG = new StepConfig(ROLE, List.of("arn:aws:iam::000000000000:role/runbook-*"),
            null, "lambda-step-runner");

    private static LocalLambdaService service;
    private static LambdaClient client;
    private static StepHandler handler;
    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        handler = new StepHandler(DependencyFactory.onClient(CONFIG, client, MetricsSink.none()));
    }

    @AfterAll
    static void stop() {
        client.close();
        service.close();
    }

    @AfterEach
    void noGeneratedFunctionIsLeft() {
        assertEquals(List.of(), generatedFunctions());
    }

    private static List<String> generatedFunctions() {
        List<String> names = new ArrayList<>();
        client.listFunctionsPaginator().functions().stream().map(FunctionConfiguration::functionName)
                .filter(name -> name.startsWith(StepConfig.DEFAULT_PREFIX)).forEach(names::add);
        return names;
    }

    private JsonNode handle(StepHandler with, byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        with.handleRequest(new ByteArrayInputStream(event), out, new TestContext(120_000));
        return mapper.readTree(out.toByteArray());
    }

    private JsonNode handle(String json) throws Exception {
        return handle(handler, json.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode handleFile(String file) throws Exception {
        return handle(handler, Files.readAllBytes(Path.of("events", file)));
    }

    private StepFailure fails(String json) {
        return assertThrows(StepFailure.class, () -> handle(json));
    }

    private static void assertRanAndDeleted(JsonNode data) {
        assertTrue(data.get("functionName").asText().startsWith("rundeck-generated-function-"), data.toString());
        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertTrue(data.get("invokeFunctionError").isNull(), data.toString());
        assertEquals(200, data.get("statusCode").asInt());
        assertTrue(data.get("invokeExecutionLog").asText().contains("REPORT RequestId: "), data.toString());
    }

    /** Creates an ordinary function for invoke steps, with the SDK directly. */
    private void createTarget(String name, String code) throws Exception {
        byte[] zip = new ZipPackager().zip("lambda_function.py", code);
        client.createFunction(r -> r.functionName(name).runtime("python3.12").role(ROLE)
                .handler("lambda_function.lambda_handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip))));
        client.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    @Test
    void shouldRunThePythonEventAsTheReadmeShows() throws Exception {
        JsonNode data = handleFile("custom-code-python.json").get("data");

        assertRanAndDeleted(data);
        assertEquals("staging", data.get("invokeResponsePayload").get("env").asText());
        assertEquals("web-1", data.get("invokeResponsePayload").get("host").asText());
        assertTrue(data.get("invokeResponsePayload").get("ok").asBoolean());
        assertTrue(data.get("invokeExecutionLog").asText().contains("checked disk for web-1"));
        assertEquals(data.get("invokeResponsePayload"), mapper.readTree(data.get("invokeResponsePayloadString").asText()));
    }

    @Test
    void shouldRunNodeCommonJs() throws Exception {
        JsonNode data = handleFile("custom-code-nodejs.json").get("data");

        assertRanAndDeleted(data);
        assertEquals("Hello, operator!", data.get("invokeResponsePayload").get("greeting").asText());
        assertEquals("commonjs", data.get("invokeResponsePayload").get("module").asText());
    }

    @Test
    void shouldRunNodeEsModule() throws Exception {
        JsonNode data = handleFile("custom-code-nodejs-esm.json").get("data");

        assertRanAndDeleted(data);
        assertEquals(10, data.get("invokeResponsePayload").get("sum").asInt());
        assertEquals("esm", data.get("invokeResponsePayload").get("module").asText());
    }

    @Test
    void shouldRunRuby() throws Exception {
        JsonNode data = handleFile("custom-code-ruby.json").get("data");

        assertRanAndDeleted(data);
        assertEquals("koobnur", data.get("invokeResponsePayload").get("reversed").asText());
        assertEquals("INC-1234", data.get("invokeResponsePayload").get("ticket").asText());
    }

    @Test
    void shouldRunTheStepFunctionsTaskInput() throws Exception {
        JsonNode data = handleFile("stepfunctions-task.json").get("data");

        assertRanAndDeleted(data);
        assertEquals("{\"previous\":\"healthy\",\"attempt\":2}", data.get("invokeResponsePayload").toString());
    }

    @Test
    void shouldRunTheEventBridgeEvent() throws Exception {
        assertRanAndDeleted(handleFile("eventbridge.json").get("data"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
    void shouldAnswerApiGatewayEvents(String file) throws Exception {
        JsonNode response = handleFile(file);

        assertEquals(200, response.get("statusCode").asInt());
        assertRanAndDeleted(mapper.readTree(response.get("body").asText()).get("data"));
    }

    @Test
    void shouldAnswerApiGatewayWithANotFoundTarget() throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", "apigateway-http.json")));
        event.put("body", "{\"action\":\"invoke\",\"functionName\":\"no-such-function\"}");

        JsonNode response = handle(handler, mapper.writeValueAsBytes(event));

        assertEquals(404, response.get("statusCode").asInt());
        JsonNode body = mapper.readTree(response.get("body").asText());
        assertEquals("FunctionNotFound", body.get("error").asText());
        assertTrue(body.get("message").asText().contains("no-such-function"), body.toString());
    }

    @Test
    void shouldInvokeAnExistingFunctionWithEveryField() throws Exception {
        createTarget("restart-web-service", CUSTOM_OF + """
                def lambda_handler(event, context):
                    print('restarting', event['host'])
                    custom = custom_of(context.client_context)
                    return {'host': event['host'], 'ticket': event['ticket'], 'custom': custom}
                """);
        try {
            JsonNode data = handleFile("invoke.json").get("data");
            assertEquals("restart-web-service", data.get("functionName").asText());
            assertEquals("false", data.get("functionWasCreated").asText());
            assertEquals("true", data.get("functionWasInvoked").asText());
            assertEquals("false", data.get("functionWasDeleted").asText());
            assertEquals("{\"host\":\"web-1\",\"ticket\":\"INC-1234\",\"custom\":{\"runbook\":\"restart-web\","
                    + "\"lambdaStepRunnerDepth\":\"1\"}}",
                    data.get("invokeResponsePayload").toString());
            assertTrue(data.get("invokeExecutionLog").asText().contains("restarting web-1"));
            assertEquals("$LATEST", data.get("executedVersion").asText());

            JsonNode qualified = handle("{\"action\":\"invoke\",\"functionName\":\"restart-web-service:$LATEST\","
                    + "\"payload\":{\"host\":\"h\",\"ticket\":\"t\"},\"invocationType\":\"Request\",\"logType\":\"None\"}").get("data");
            assertEquals(200, qualified.get("statusCode").asInt());
            assertTrue(qualified.get("invokeExecutionLog").isNull());
            // No clientContext in the request: the function still learns the chain depth from the runner.
            assertEquals("{\"lambdaStepRunnerDepth\":\"1\"}", qualified.get("invokeResponsePayload").get("custom").toString());

            JsonNode event = handle("{\"action\":\"invoke\",\"functionName\":\"restart-web-service\",\"qualifier\":\"$LATEST\","
                    + "\"payload\":{\"host\":\"h\",\"ticket\":\"t\"},\"invocationType\":\"Event\"}").get("data");
            assertEquals(202, event.get("statusCode").asInt());
            assertEquals("", event.get("invokeResponsePayloadString").asText());

            String arn = "arn:aws:lambda:us-east-1:000000000000:function:restart-web-service";
            JsonNode dryRun = handle("{\"action\":\"invoke\",\"functionName\":\"" + arn + "\",\"invocationType\":\"DryRun\"}").get("data");
            assertEquals(204, dryRun.get("statusCode").asInt());
        } finally {
            client.deleteFunction(r -> r.functionName("restart-web-service"));
        }
    }

    @Test
    void shouldReturnAFunctionErrorAsAResultOrFailWhenAsked() throws Exception {
        String failing = "{\"action\":\"customCode\",\"runtime\":\"python3.12\","
                + "\"code\":\"def lambda_handler(event, context):\\n    raise RuntimeError('disk full')\\n\"";

        JsonNode data = handle(failing + "}").get("data");
        assertEquals("Unhandled", data.get("invokeFunctionError").asText());
        assertEquals("RuntimeError", data.get("invokeResponsePayload").get("errorType").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());

        StepFailure failure = fails(failing + ",\"failOnFunctionError\":true}");
        assertEquals(StepError.FUNCTION_FAILED, failure.error());
        assertTrue(failure.getMessage().contains("RuntimeError: disk full"), failure.getMessage());
        assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
    }

    @Test
    void shouldReportATimedOutFunction() throws Exception {
        JsonNode data = handle("{\"action\":\"customCode\",\"runtime\":\"nodejs22.x\",\"timeoutSeconds\":1,"
                + "\"code\":\"exports.handler = () => new Promise(r => setTimeout(r, 5000));\"}").get("data");

        assertEquals("Unhandled", data.get("invokeFunctionError").asText());
        assertEquals("Sandbox.Timedout", data.get("invokeResponsePayload").get("errorType").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
    }

    @Test
    void shouldPassCustomCodeSettingsToTheFunction() throws Exception {
        JsonNode data = handle("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"memorySize\":256,\"timeoutSeconds\":9,"
                + "\"environment\":{\"STAGE\":\"${option.stage}\"},\"tags\":{\"team\":\"ops\"},\"description\":\"${option.stage} check\","
                + "\"roleArn\":\"arn:aws:iam::000000000000:role/runbook-reader\",\"variables\":{\"option\":{\"stage\":\"dev\"}},"
                + "\"clientContext\":{\"custom\":{\"k\":\"v\"}},"
                + "\"code\":" + mapper.writeValueAsString(CUSTOM_OF + "import os\ndef lambda_handler(event, context):\n"
                + "    return {'stage': os.environ['STAGE'], 'memory': context.memory_limit_in_mb, "
                + "'custom': custom_of(context.client_context)}\n") + "}").get("data");

        assertEquals("dev", data.get("invokeResponsePayload").get("stage").asText());
        assertEquals("256", data.get("invokeResponsePayload").get("memory").asText());
        assertEquals("v", data.get("invokeResponsePayload").get("custom").get("k").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
    }

    @Test
    void shouldKeepTheFunctionWhenAskedAndTagItAsOurs() throws Exception {
        JsonNode data = handle("{\"action\":\"customCode\",\"runtime\":\"ruby3.3\",\"deleteAfterExecution\":false,"
                + "\"tags\":{\"team\":\"ops\"},\"code\":\"def lambda_handler(event:, context:)\\n  { 'ok' => true }\\nend\\n\"}").get("data");
        String name = data.get("functionName").asText();
        try {
            assertEquals("false", data.get("functionWasDeleted").asText());
            String arn = client.getFunction(r -> r.functionName(name)).configuration().functionArn();
            var tags = client.listTags(r -> r.resource(arn)).tags();
            assertEquals("ops", tags.get("team"));
            assertTrue(tags.get("lambda-step-runner:created").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), tags.toString());
        } finally {
            client.deleteFunction(r -> r.functionName(name));
        }
    }

    @Test
    void shouldDeleteTheFunctionAfterAFailedInvoke() {
        SdkLambdaGateway real = new SdkLambdaGateway(client);
        StepHandler invokeFails = new StepHandler(DependencyFactory.onGateway(CONFIG,
                new FailingGateway(real, true, false)));

        StepFailure failure = assertThrows(StepFailure.class,
                () -> handle(invokeFails, Files.readAllBytes(Path.of("events", "custom-code-python.json"))));

        assertEquals(StepError.THROTTLED, failure.error());
        assertTrue(failure.partialResult().orElseThrow().functionWasDeleted());
        assertFalse(failure.partialResult().orElseThrow().functionWasInvoked());
    }

    @Test
    void shouldRefuseBadRequestsByNameBeforeCreatingAnything() {
        assertEquals(StepError.INVALID_STEP_REQUEST, fails("{\"action\":\"invoke\"}").error());
        assertEquals(StepError.UNKNOWN_VARIABLE, fails("{\"action\":\"customCode\",\"runtime\":\"python3.12\","
                + "\"code\":\"x = '${option.nope}'\"}").error());
        assertEquals(StepError.UNSUPPORTED_RUNTIME, fails("{\"action\":\"customCode\",\"runtime\":\"python3.8\",\"code\":\"x\"}").error());
        assertEquals(StepError.ROLE_NOT_ALLOWED, fails("{\"action\":\"customCode\",\"runtime\":\"python3.12\","
                + "\"code\":\"x\",\"roleArn\":\"arn:aws:iam::000000000000:role/admin\"}").error());
        assertEquals(StepError.RECURSION_REFUSED, fails("{\"action\":\"invoke\",\"functionName\":\"lambda-step-runner\"}").error());
        assertEquals(StepError.FUNCTION_NOT_FOUND, fails("{\"action\":\"invoke\",\"functionName\":\"no-such-function\"}").error());
        assertEquals(StepError.PAYLOAD_TOO_LARGE, fails("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":\""
                + "x".repeat(7 * 1024 * 1024) + "\"}").error());
        assertEquals(StepError.CODE_TOO_LARGE, fails("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"#"
                + "x".repeat(7 * 1024 * 1024) + "\"}").error());
    }

    @Test
    void shouldRunFiftyStepsAtOnceWithUniqueNamesAllDeleted() throws Exception {
        byte[] event = Files.readAllBytes(Path.of("events", "custom-code-python.json"));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<JsonNode>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                // One handler per "container", sharing the SDK client as Lambda containers share nothing else.
                StepHandler own = new StepHandler(DependencyFactory.onClient(CONFIG, client, MetricsSink.none()));
                results.add(pool.submit(() -> handle(own, event)));
            }
            Set<String> names = new HashSet<>();
            for (Future<JsonNode> result : results) {
                JsonNode data = result.get().get("data");
                assertRanAndDeleted(data);
                names.add(data.get("functionName").asText());
            }
            assertEquals(50, names.size());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The real gateway with invoke made to fail after the function was created (the service's fault
     * injection throttles every call alike; StepFaultsIT uses it for the rest).
     */
    private record FailingGateway(LambdaGateway real, boolean failInvoke, boolean failDelete) implements LambdaGateway {
        @Override
        public InvocationResult invoke(Invocation invocation) {
            if (failInvoke) {
                throw new StepFailure(StepError.THROTTLED, "Rate exceeded");
            }
            return real.invoke(invocation);
        }

        @Override
        public void createFunction(NewFunction function) {
            real.createFunction(function);
        }

        @Override
        public FunctionState awaitActive(String functionName, java.time.Duration timeout) {
            return real.awaitActive(functionName, timeout);
        }

        @Override
        public void deleteFunction(String functionName) {
            if (failDelete) {
                throw new StepFailure(StepError.LAMBDA_UNAVAILABLE, "delete refused");
            }
            real.deleteFunction(functionName);
        }
    }

}
