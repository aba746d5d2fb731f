package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} deploys the step runner itself, so DESIGN.md's command works as written:
 * {@code aws lambda invoke --function-name lambda-step-runner --endpoint-url ...} runs a step.
 */
class ServeIT {
    private static final Path JAR = Path.of(System.getProperty("cli.jar", "cli/target/lambda-step-runner-cli.jar"));
    private static final Pattern ENDPOINT = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)");

    @Test
    void shouldRunAStepThroughTheDeployedStepRunnerWithTheAwsCli() throws Exception {
        Path aws = Path.of(".venv/bin/aws").toAbsolutePath();
        assertTrue(Files.isExecutable(aws), aws + " is missing: run scripts/setup-tools.sh (the test command does)");
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve", "--port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String endpoint = null;
            boolean deployed = false;
            while (!deployed) {
                String line = lines.readLine();
                if (line == null) {
                    break;
                }
                Matcher matcher = ENDPOINT.matcher(line);
                if (endpoint == null && matcher.find()) {
                    endpoint = matcher.group(1);
                }
                deployed = line.contains("deployed as function lambda-step-runner");
            }
            // serve echoes function logs from here on: keep its pipe drained.
            Thread drain = new Thread(() -> {
                try {
                    lines.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // serve stopped
                }
            }, "serve-output");
            drain.setDaemon(true);
            drain.start();
            assertNotNull(endpoint, "serve printed no endpoint");
            assertTrue(deployed, "serve did not report the step runner deployed");
            Path out = Files.createTempFile("serve-it", ".json");

            // AWS CLI v1 (tools/requirements.txt) takes the payload as JSON text; v2 needs --cli-binary-format raw-in-base64-out.
            ProcessBuilder cli = new ProcessBuilder(aws.toString(), "lambda", "invoke", "--function-name", "lambda-step-runner",
                    "--endpoint-url", endpoint, "--region", "us-east-1",
                    "--payload", "file://events/custom-code-nodejs.json", out.toString())
                    .redirectErrorStream(true);
            cli.environment().put("AWS_ACCESS_KEY_ID", "local");
            cli.environment().put("AWS_SECRET_ACCESS_KEY", "local");
            Process invoke = cli.start();
            invoke.getOutputStream().close();
            String cliOutput = new String(invoke.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(invoke.waitFor(120, TimeUnit.SECONDS));

            assertEquals(0, invoke.exitValue(), cliOutput);
            assertTrue(!cliOutput.contains("FunctionError"), cliOutput);
            JsonNode data = new ObjectMapper().readTree(out.toFile()).get("data");
            Files.delete(out);
            assertEquals("Hello, operator!", data.at("/invokeResponsePayload/greeting").asText(), data.toString());
            assertEquals("true", data.get("functionWasDeleted").asText());
            for (String key : List.of("functionName", "invokeExecutionLog")) {
                assertTrue(data.hasNonNull(key), key);
            }
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(20, TimeUnit.SECONDS));
        }
    }
}
