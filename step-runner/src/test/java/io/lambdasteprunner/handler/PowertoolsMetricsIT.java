package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real metrics path: Lambda's handler constructor in a JVM whose environment is a Lambda function's, so
 * {@link DependencyFactory#fromEnvironment} builds Powertools metrics and their EMF goes where it goes on
 * Lambda, a JSON line on stdout per invocation. The steps run on the local Lambda service (Python functions
 * created, invoked and deleted). The EMF lines must carry the step metrics under the configured namespace,
 * by service and by action within it (dimension sets [Service] and [Service, Action]), and no secret: not the payload, the code, the
 * function's environment, the data variables, the runner's own environment or the caller's client context.
 */
class PowertoolsMetricsIT {

    @TempDir
    Path temp;

    private static final String SECRET_PAYLOAD = "payload-secret-4f1c";
    private static final String SECRET_CODE = "code-secret-9a7e";
    private static final String SECRET_ENVIRONMENT = "environment-secret-2b6d";
    private static final String SECRET_VARIABLE = "variable-secret-77c3";
    private static final String SECRET_RUNNER_ENV = "runner-environment-secret-5e08";
    private static final String SECRET_CLIENT_CONTEXT = "client-context-secret-c0de";
    private static final List<String> SECRETS = List.of(SECRET_PAYLOAD, SECRET_CODE, SECRET_ENVIRONMENT,
            SECRET_VARIABLE, SECRET_RUNNER_ENV, SECRET_CLIENT_CONTEXT);

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldWriteEmfWithTheStepMetricsItsDimensionsAndNoSecret() throws Exception {
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults())) {
            // Given the runner in a Lambda environment, with metrics on
            Map<String, String> lambdaEnvironment = Map.of(
                    "AWS_LAMBDA_FUNCTION_NAME", "lambda-step-runner",
                    "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST",
                    "AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/29/[$LATEST]0123456789abcdef",
                    "AWS_EXECUTION_ENV", "AWS_Lambda_java21",
                    "AWS_REGION", "us-east-1",
                    "AWS_ENDPOINT_URL_LAMBDA", service.endpoint().toString(),
                    "DEFAULT_EXECUTION_ROLE_ARN", "arn:aws:iam::000000000000:role/lambda-step-runner-local",
                    "POWERTOOLS_METRICS_NAMESPACE", "StepRunnerTest",
                    "POWERTOOLS_SERVICE_NAME", "runner-under-test",
                    "RUNBOOK_API_TOKEN", SECRET_RUNNER_ENV);

            // When it runs a custom-code step, a step whose function raises, a failed invoke and a refused request
            Run run = runInLambdaEnvironment(lambdaEnvironment, List.of("""
                    {"action": "customCode", "runtime": "python3.12",
                     "code": "def lambda_handler(event, context):\\n    return {'seen': '%s', 'marker': '%s'}\\n",
                     "payload": {"token": "%s", "option": "${option.secret}"},
                     "environment": {"TOKEN": "%s"}, "variables": {"option": {"secret": "%s"}}}"""
                    .formatted(SECRET_CODE, SECRET_CODE, SECRET_PAYLOAD, SECRET_ENVIRONMENT, SECRET_VARIABLE), """
                    {"action": "customCode", "runtime": "python3.12",
                     "code": "def lambda_handler(event, context):\\n    raise ValueError('%s')\\n"}"""
                    .formatted(SECRET_CODE), """
                    {"action": "invoke", "functionName": "no-such-function", "payload": {"token": "%s"}}"""
                    .formatted(SECRET_PAYLOAD), """
                    {"action": "customCode", "runtime": "cobol", "code": "%s"}""".formatted(SECRET_CODE)));

            // Then each invocation wrote one EMF line on stdout
            assertEquals(4, run.emf().size(), run.toString());
            Set<String> names = new LinkedHashSet<>();
            for (JsonNode line : run.emf()) {
                JsonNode directive = line.get("_aws").get("CloudWatchMetrics").get(0);
                assertEquals("StepRunnerTest", directive.get("Namespace").asText(), line.toString());
                List<List<String>> dimensions = new ArrayList<>();
                directive.get("Dimensions").forEach(set -> dimensions.add(texts(set)));
                assertEquals(List.of(List.of("Service"), List.of("Service", "Action")), dimensions, line.toString());
                assertEquals("runner-under-test", line.get("Service").asText(), line.toString());
                directive.get("Metrics").forEach(metric -> names.add(metric.get("Name").asText()));
            }
            // with the action of each step as its dimension
            assertEquals(List.of("customCode", "customCode", "invoke", "none"),
                    run.emf().stream().map(line -> line.get("Action").asText()).toList(), run.toString());
            // and the step metrics by name
            assertEquals(Set.of("CreateDuration", "WaitActiveDuration", "InvokeDuration", "DeleteDuration",
                    "StepDuration", "StepSucceeded", "StepFailed", "FunctionErrors", "StepRejected"), names);
            assertEquals(1.0, run.emf().get(0).get("StepSucceeded").asDouble(), run.emf().get(0).toString());
            assertEquals(1.0, run.emf().get(1).get("FunctionErrors").asDouble(), run.emf().get(1).toString());
            assertEquals(1.0, run.emf().get(2).get("StepFailed").asDouble(), run.emf().get(2).toString());
            assertEquals(1.0, run.emf().get(3).get("StepRejected").asDouble(), run.emf().get(3).toString());
            // and no secret reached them
            for (String secret : SECRETS) {
                assertFalse(run.stdout().contains(secret), secret + " in the EMF output:\n" + run.stdout());
            }
            // while the steps really ran with them (the secrets were there to leak)
            assertTrue(run.results().contains("\"seen\":\"" + SECRET_CODE + "\""), run.toString());
        }
    }

    /** What the runner's JVM wrote: EMF lines on stdout, the step results after them on stderr. */
    private record Run(String stdout, String stderr, List<JsonNode> emf, String results) {
    }

    private Run runInLambdaEnvironment(Map<String, String> environment, List<String> events) throws Exception {
        Path dir = Files.createTempDirectory(temp, "metrics-it");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dlambdasteprunner.logLevel=WARN",
                InLambdaEnvironment.class.getName()));
        command.addAll(events);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        // The test JVM's own POWERTOOLS_METRICS_DISABLED must not reach the runner's.
        builder.environment().remove("POWERTOOLS_METRICS_DISABLED");
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the runner's JVM did not finish in 180 s");
        } finally {
            process.destroyForcibly();
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), "stdout:\n" + stdout + "\nstderr:\n" + stderr);
        List<JsonNode> emf = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            JsonNode json = line.startsWith("{") ? mapper.readTree(line) : null;
            if (json != null && json.has("_aws")) {
                emf.add(json);
            }
        }
        String results = stderr.lines().filter(line -> line.startsWith("result ")).toList().toString();
        return new Run(stdout, stderr, emf, results);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    /**
     * The runner's JVM: Lambda's constructor ({@code new StepHandler()}) reads this process's environment; each
     * argument is one event, invoked with a client context that carries a secret. Results go to stderr.
     */
    static final class InLambdaEnvironment {
        public static void main(String[] events) {
            StepHandler handler = new StepHandler();
            for (String event : events) {
                ByteArrayOutputStream output = new ByteArrayOutputStream();
                try {
                    handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), output,
                            TestContext.withCustom(Map.of("ticket", SECRET_CLIENT_CONTEXT)));
                    System.err.println("result " + output.toString(StandardCharsets.UTF_8));
                } catch (StepFailure failure) {
                    System.err.println("result " + failure);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
