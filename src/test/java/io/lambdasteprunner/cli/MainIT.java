package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded jar as users run it: {@code run} with the embedded service, and {@code serve} + {@code run --endpoint}. */
class MainIT {

    private static final Path JAR = Path.of("target", "lambda-step-runner.jar");
    private final ObjectMapper mapper = new ObjectMapper();

    private record Outcome(int status, String stdout, String stderr) {
    }

    private static Outcome java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("main-it", ".err");
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        String stderr = Files.readString(err);
        Files.delete(err);
        return new Outcome(process.exitValue(), stdout, stderr);
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
        Outcome outcome = java("run", "src/test/resources/events/unsupported-runtime.json");

        assertEquals(Main.STEP_FAILED, outcome.status());
        assertTrue(outcome.stderr().contains("UnsupportedRuntime: "), outcome.stderr());
    }

    @Test
    void shouldServeTheLocalServiceForRunWithEndpoint() throws Exception {
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve", "--port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String endpoint = null;
            for (String line = lines.readLine(); line != null && endpoint == null; line = lines.readLine()) {
                Matcher matcher = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(line);
                if (matcher.find()) {
                    endpoint = matcher.group(1);
                }
            }
            assertTrue(endpoint != null, "serve printed no endpoint");

            Outcome outcome = java("run", "events/apigateway-http.json", "--endpoint", endpoint);

            assertEquals(0, outcome.status(), outcome.stderr());
            JsonNode response = mapper.readTree(outcome.stdout());
            assertEquals(200, response.get("statusCode").asInt());
            assertEquals("true", mapper.readTree(response.get("body").asText()).get("data").get("functionWasDeleted").asText());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(20, TimeUnit.SECONDS));
        }
    }
}
