package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        ProcessBuilder serveCommand = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "serve", "--port", "0").redirectErrorStream(true);
        // Runner settings the deployed runner must get, as template.yaml gives them on AWS.
        serveCommand.environment().put("ALLOWED_ASSUME_ROLE_ARNS", "arn:aws:iam::222233334444:role/runbooks-*");
        serveCommand.environment().put("MAX_STEP_DEPTH", "4");
        serveCommand.environment().put("AWS_REGION", "us-east-1");
        try (ChildProcess serve = ChildProcess.start(serveCommand)) {
            serve.awaitLine(line -> line.contains("deployed as function lambda-step-runner"), Duration.ofMinutes(3));
            Matcher matcher = ENDPOINT.matcher(serve.stdout());
            assertTrue(matcher.find(), "serve printed no endpoint: " + serve.stdout());
            String endpoint = matcher.group(1);
            Path out = Files.createTempFile("serve-it", ".json");

            // AWS CLI v1 (tools/requirements.txt) takes the payload as JSON text; v2 needs --cli-binary-format raw-in-base64-out.
            ProcessBuilder cli = new ProcessBuilder(aws.toString(), "lambda", "invoke", "--function-name", "lambda-step-runner",
                    "--endpoint-url", endpoint, "--region", "us-east-1",
                    "--payload", "file://events/custom-code-nodejs.json", out.toString())
                    .redirectErrorStream(true);
            cli.environment().put("AWS_ACCESS_KEY_ID", "local");
            cli.environment().put("AWS_SECRET_ACCESS_KEY", "local");
            String cliOutput;
            int status;
            try (ChildProcess invoke = ChildProcess.start(cli)) {
                status = invoke.waitFor(Duration.ofMinutes(5));
                cliOutput = invoke.stdout();
            }

            assertEquals(0, status, cliOutput);
            assertTrue(serve.stdout().contains("AWS_ENDPOINT_URL_STS=" + endpoint), serve.stdout());
            assertTrue(!cliOutput.contains("FunctionError"), cliOutput);
            JsonNode data = new ObjectMapper().readTree(out.toFile()).get("data");
            Files.delete(out);
            assertEquals("Hello, operator!", data.at("/invokeResponsePayload/greeting").asText(), data.toString());
            assertEquals("true", data.get("functionWasDeleted").asText());
            for (String key : List.of("functionName", "invokeExecutionLog")) {
                assertTrue(data.hasNonNull(key), key);
            }

            ProcessBuilder describe = new ProcessBuilder(aws.toString(), "lambda", "get-function-configuration",
                    "--function-name", "lambda-step-runner", "--endpoint-url", endpoint, "--region", "us-east-1",
                    "--output", "json").redirectErrorStream(true);
            describe.environment().put("AWS_ACCESS_KEY_ID", "local");
            describe.environment().put("AWS_SECRET_ACCESS_KEY", "local");
            try (ChildProcess configuration = ChildProcess.start(describe)) {
                assertEquals(0, configuration.waitFor(Duration.ofMinutes(2)), configuration.stdout());
                JsonNode variables = new ObjectMapper().readTree(configuration.stdout()).at("/Environment/Variables");
                assertEquals("arn:aws:iam::222233334444:role/runbooks-*", variables.path("ALLOWED_ASSUME_ROLE_ARNS").asText(),
                        configuration.stdout());
                assertEquals("4", variables.path("MAX_STEP_DEPTH").asText());
            }
        }
    }
}
