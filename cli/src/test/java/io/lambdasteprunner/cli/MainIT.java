package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded jar as users run it: {@code run} with the embedded service, and {@code serve} + {@code run --endpoint}. */
class MainIT {

    private static final Path JAR = Path.of(System.getProperty("cli.jar", "cli/target/lambda-step-runner-cli.jar"));
    private final ObjectMapper mapper = new ObjectMapper();

    private record Outcome(int status, String stdout, String stderr) {
    }

    private static Outcome java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        try (ChildProcess process = ChildProcess.start(new ProcessBuilder(command))) {
            int status = process.waitFor(Duration.ofMinutes(5));
            return new Outcome(status, process.stdout(), process.stderr());
        }
    }

    @Test
    void shouldPrintTheSevenContextVariablesForTheReadmesMainJob() throws Exception {
        Outcome outcome = java("run", "events/custom-code-python.json");

        assertEquals(0, outcome.status(), outcome.stderr());
        JsonNode data = mapper.readTree(outcome.stdout()).get("data");
        for (String key : List.of("invokeResponsePayloadString", "functionName", "functionWasCreated",
                "functionWasInvoked", "functionWasDeleted", "invokeFunctionError", "invokeExecutionLog")) {
            assertTrue(data.has(key), key);
        }
        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasInvoked").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertEquals("web-1", data.get("invokeResponsePayload").get("host").asText());
    }

    @Test
    void shouldFailWithTheErrorNameOnStderr() throws Exception {
        Outcome outcome = java("run", "cli/src/test/resources/events/unsupported-runtime.json");

        assertEquals(Main.STEP_FAILED, outcome.status());
        assertTrue(outcome.stderr().contains("UnsupportedRuntime: "), outcome.stderr());
    }

    @Test
    void shouldRefuseAnExpansionBombByNameWithoutAStackTrace() throws Exception {
        // Given the request: 1 MB value, code referencing it 3000 times (OutOfMemoryError before)
        Path event = Files.createTempFile("bomb", ".json");
        try {
            Files.writeString(event, mapper.createObjectNode().put("action", "customCode").put("runtime", "python3.12")
                    .put("code", "x = '" + "${option.x}".repeat(3000) + "'")
                    .set("variables", mapper.createObjectNode().set("option",
                            mapper.createObjectNode().put("x", "v".repeat(1024 * 1024)))).toString());

            Outcome outcome = java("run", event.toString());

            assertEquals(Main.STEP_FAILED, outcome.status(), outcome.stderr());
            assertTrue(outcome.stderr().startsWith("CodeTooLarge: code would be more than 6291456 characters"),
                    outcome.stderr());
            assertFalse(outcome.stderr().contains("Exception in thread") || outcome.stderr().contains("\tat "),
                    outcome.stderr());
        } finally {
            Files.delete(event);
        }
    }

    @Test
    void shouldRefuseAClientContextTheJavaRuntimeWouldChokeOn() throws Exception {
        Path event = Files.createTempFile("context", ".json");
        try {
            Files.writeString(event, "{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"custom\":{\"ticket\":{\"id\":1}}}}");

            Outcome outcome = java("run", event.toString());

            assertEquals(Main.STEP_FAILED, outcome.status(), outcome.stderr());
            assertTrue(outcome.stderr().startsWith("InvalidStepRequest: clientContext.custom.ticket must be a string"),
                    outcome.stderr());
        } finally {
            Files.delete(event);
        }
    }

    /** Starts {@code serve} and returns once it printed a line containing {@code ready}; the endpoint is in {@code found[0]}. */
    private static ChildProcess serve(Map<String, String> env, String ready, String[] found) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve", "--port", "0").redirectErrorStream(true);
        builder.environment().putAll(env);
        ChildProcess serve = ChildProcess.start(builder);
        serve.awaitLine(line -> line.contains(ready), Duration.ofMinutes(3));
        String output = serve.stdout();
        assertTrue(output.lines().noneMatch(line -> line.startsWith("could not")), output);
        Matcher matcher = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(output);
        assertTrue(matcher.find(), "serve printed no endpoint: " + output);
        found[0] = matcher.group(1);
        return serve;
    }

    @Test
    void shouldServeTheStepRunnerAsAFunctionThatReportsErrorsByName() throws Exception {
        String[] endpoint = new String[1];
        Path ric = Path.of(System.getProperty("java.ric.dir", "cli/target/java-ric")).toAbsolutePath();
        byte[] pythonStep = Files.readAllBytes(Path.of("events", "custom-code-python.json"));
        try (ChildProcess serve = serve(Map.of("LOCAL_LAMBDA_JAVA_RIC", ric + "/*"), "deployed as function", endpoint);
             LambdaClient lambda = LambdaClients.create(LambdaClientConfig.local(URI.create(endpoint[0]), "us-east-1"))) {
            // Given the step runner deployed in the local service under the official Java runtime interface client
            // When a step runs the way Step Functions runs it
            InvokeResponse ran = lambda.invoke(r -> r.functionName(Main.SELF_FUNCTION_NAME)
                    .payload(SdkBytes.fromByteArray(pythonStep)));

            // Then it returns the context variables
            assertNull(ran.functionError(), ran.payload().asUtf8String());
            JsonNode data = mapper.readTree(ran.payload().asUtf8String()).get("data");
            assertEquals("true", data.get("functionWasDeleted").asText());
            assertEquals("web-1", data.get("invokeResponsePayload").get("host").asText());

            // And a refused step is a function error whose type is the error's bare name, without a stack trace
            InvokeResponse refused = lambda.invoke(r -> r.functionName(Main.SELF_FUNCTION_NAME)
                    .payload(SdkBytes.fromUtf8String("{\"action\":\"invoke\",\"functionName\":\"lambda-step-runner\"}")));
            assertEquals("Unhandled", refused.functionError());
            JsonNode error = mapper.readTree(refused.payload().asUtf8String());
            assertEquals("RecursionRefused", error.get("errorType").asText());
            assertEquals(0, error.path("stackTrace").size());
        }
    }

    @Test
    void shouldServeTheLocalServiceForRunWithEndpoint() throws Exception {
        String[] found = new String[1];
        try (ChildProcess serve = serve(Map.of(), "Use it with", found)) {
            String endpoint = found[0];

            Outcome outcome = java("run", "events/apigateway-http.json", "--endpoint", endpoint);

            assertEquals(0, outcome.status(), outcome.stderr());
            JsonNode response = mapper.readTree(outcome.stdout());
            assertEquals(200, response.get("statusCode").asInt());
            assertEquals("true", mapper.readTree(response.get("body").asText()).get("data").get("functionWasDeleted").asText());
        }
    }
}
