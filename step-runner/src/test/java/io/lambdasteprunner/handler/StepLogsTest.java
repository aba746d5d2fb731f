package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's own log lines say what failed: each failure line names its error under {@code errorName}
 * (Powertools reserves {@code error} and drops it). The production log configuration at INFO, captured with
 * its JSON layout.
 */
class StepLogsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String CUSTOM_CODE = """
            {"action": "customCode", "runtime": "python3.13",
             "code": "def lambda_handler(event, context):\\n    return {'ok': True}\\n"}""";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateway(
            new StepConfig(ROLE, List.of(), null, "lambda-step-runner"), lambda, MetricsSink.none(),
            java.time.Clock.systemUTC()));

    @Nested
    class AFailedStep {

        @Test
        void namesItsErrorInTheFinishedLine() {
            // Given a function that Lambda throttles
            lambda.addFunction("f");
            lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.THROTTLED, "Rate exceeded"));

            // When the step runs
            List<JsonNode> lines = logged(() -> assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "f"}""")));

            // Then its finished line names the error; it is the step's one line (its one phase is the step)
            JsonNode finished = line(lines, "step finished");
            assertEquals("Throttled", finished.path("errorName").asText(), finished.toString());
            assertEquals("Throttled", finished.path("outcome").asText(), finished.toString());
            assertEquals("f", finished.path("functionName").asText(), finished.toString());
            assertEquals(List.of("step finished"), messages(lines));
        }

        @Test
        void namesItsErrorInTheFailedPhaseOfACustomCodeStep() {
            // Given Lambda throttles the generated function's invoke
            lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.THROTTLED, "Rate exceeded"));

            List<JsonNode> lines = logged(() -> assertThrows(StepFailure.class, () -> handle(CUSTOM_CODE)));

            // Then each phase has its line as it ends, the failed one naming the error, then the finished line
            assertEquals(List.of("step phase", "step phase", "step phase", "step phase", "step finished"),
                    messages(lines), lines.toString());
            JsonNode invoke = lines.stream().filter(line -> "INVOKE".equals(line.path("phase").asText()))
                    .findFirst().orElseThrow();
            assertFalse(invoke.path("succeeded").asBoolean(true), invoke.toString());
            assertEquals("Throttled", invoke.path("errorName").asText(), invoke.toString());
            assertEquals("Throttled", line(lines, "step finished").path("errorName").asText());
        }

        @Test
        void namesItsErrorWhenItWasRefused() {
            List<JsonNode> lines = logged(() -> assertThrows(StepFailure.class, () -> handle("""
                    {"action": "customCode", "runtime": "cobol", "code": "x"}""")));

            JsonNode refused = line(lines, "step refused");
            assertEquals("UnsupportedRuntime", refused.path("errorName").asText(), refused.toString());
            assertEquals("STEP_REQUEST", refused.path("shape").asText());
        }

        @Test
        void namesADefectStepRunnerInternalError() {
            lambda.addFunction("f");
            lambda.answer(invocation -> {
                throw new IllegalStateException("payload secret");
            });

            List<JsonNode> lines = logged(() -> assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "f"}""")));

            JsonNode defect = line(lines, "unexpected failure in the step runner");
            assertEquals("StepRunnerInternalError", defect.path("errorName").asText(), defect.toString());
            assertEquals("java.lang.IllegalStateException", defect.path("errorType").asText());
            assertFalse(lines.toString().contains("payload secret"), lines.toString());
        }
    }

    @Nested
    class AFailedDelete {

        @Test
        void namesItsError() {
            // Given a generated function that Lambda will not delete
            lambda.failing(FakeLambda.Call.DELETE, new StepFailure(StepError.LAMBDA_ACCESS_DENIED, "not authorized: lambda:DeleteFunction"));

            // When the custom-code step runs
            List<JsonNode> lines = logged(() -> handle(CUSTOM_CODE));

            // Then the warning names the error, and the step itself succeeded
            JsonNode warning = line(lines, "could not delete generated function");
            assertEquals("WARN", warning.path("level").asText());
            assertEquals("LambdaAccessDenied", warning.path("errorName").asText(), warning.toString());
            assertTrue(warning.path("functionName").asText().startsWith("rundeck-generated-function-"));
            assertEquals("ok", line(lines, "step finished").path("outcome").asText());
        }
    }

    @Test
    void noLineUsesTheReservedErrorKey() {
        lambda.failing(FakeLambda.Call.DELETE, new StepFailure(StepError.LAMBDA_ACCESS_DENIED, "denied"));
        lambda.failing(FakeLambda.Call.INVOKE, new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down"));

        List<JsonNode> lines = logged(() -> assertThrows(StepFailure.class, () -> handle(CUSTOM_CODE)));

        // Then no line lost its error name: Powertools logs "Attempted to use reserved key 'error' ..." and drops the key.
        assertTrue(lines.size() >= 4, lines.toString());
        assertTrue(lines.stream().noneMatch(line -> line.path("message").asText().contains("reserved key")),
                lines.toString());
        assertEquals(List.of("LambdaUnavailable", "LambdaAccessDenied", "LambdaAccessDenied", "LambdaUnavailable"),
                lines.stream()
                .map(line -> line.path("errorName").asText(null)).filter(java.util.Objects::nonNull).toList(),
                lines.toString());
    }

    private void handle(String event) {
        try {
            handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
                    new ByteArrayOutputStream(), new TestContext(60_000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> messages(List<JsonNode> lines) {
        return lines.stream().map(line -> line.path("message").asText()).toList();
    }

    private static JsonNode line(List<JsonNode> lines, String message) {
        return lines.stream().filter(line -> message.equals(line.path("message").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + message + "' in " + lines));
    }

    /** Runs {@code action} with the production configuration at INFO and parses the lines it logged. */
    private List<JsonNode> logged(Runnable action) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String originalLevel = System.getProperty("lambdasteprunner.logLevel");
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        try {
            System.setProperty("lambdasteprunner.logLevel", "INFO");
            context.reconfigure();
            JsonLogCapture.redirect(context, captured);
            action.run();
        } finally {
            if (originalLevel == null) {
                System.clearProperty("lambdasteprunner.logLevel");
            } else {
                System.setProperty("lambdasteprunner.logLevel", originalLevel);
            }
            context.reconfigure();
        }
        return captured.toString(StandardCharsets.UTF_8).lines().map(this::json).toList();
    }

    private JsonNode json(String line) {
        try {
            return mapper.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON log line: " + line, e);
        }
    }
}
