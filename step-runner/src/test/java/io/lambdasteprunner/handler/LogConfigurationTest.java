package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;
import software.amazon.lambda.powertools.logging.internal.LoggingManagerRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

/**
 * The production log configuration ({@code log4j2.properties} with Powertools' JSON layout): what a line carries
 * and which level applies. Each test reloads the configuration at its own level and sends what the JSON appender
 * would write to stderr, with the same layout, to a buffer instead.
 */
class LogConfigurationTest {

    private static final Logger STEP_LOG = LoggerFactory.getLogger(StepTelemetry.class);
    private static final Logger SDK_LOG = LoggerFactory.getLogger("software.amazon.awssdk.auth.signer.Aws4Signer");

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldWriteOnePowertoolsJsonLinePerEventWithTheLambdaContextAndStructuredArguments() {
        // Given the configuration at INFO
        // When a step logs inside a Lambda invocation
        List<JsonNode> lines = logged("INFO", () -> PowertoolsLogging.withLogging(new TestContext(60_000), () -> {
            STEP_LOG.info("step finished", entry("action", "invoke"), entry("durationMs", 12L),
                    entry("functionError", null));
            return null;
        }));

        // Then stderr has one JSON object with Powertools' fields and the step's own keys
        assertEquals(1, lines.size(), lines.toString());
        JsonNode line = lines.get(0);
        assertEquals("INFO", line.path("level").asText());
        assertEquals("step finished", line.path("message").asText());
        assertEquals("lambda-step-runner", line.path("function_name").asText());
        assertEquals("6f1f2a4e-0000-4000-8000-000000000001", line.path("function_request_id").asText());
        assertTrue(line.path("cold_start").isBoolean(), line.toString());
        assertTrue(line.has("service") && line.has("timestamp"), line.toString());
        assertEquals("invoke", line.path("action").asText());
        assertEquals(12, line.path("durationMs").asInt());
        assertTrue(line.has("functionError") && line.get("functionError").isNull(), line.toString());
    }

    @Test
    void shouldTakeTheLevelFromTheLogLevelProperty() {
        // Given the configuration at WARN, then at DEBUG
        // When the step logs at each level
        Runnable everyLevel = () -> {
            STEP_LOG.debug("at debug");
            STEP_LOG.info("at info");
            STEP_LOG.warn("at warn");
        };

        // Then only what the level lets through is written
        assertEquals(List.of("at warn"), messages(logged("WARN", everyLevel)));
        assertEquals(List.of("at debug", "at info", "at warn"), messages(logged("DEBUG", everyLevel)));
    }

    @Test
    void shouldKeepTheAwsSdkLoggersAtWarnWhenTheRunnerLogsAtDebug() {
        // Given the configuration at DEBUG
        // When the SDK logs at each level
        List<JsonNode> lines = logged("DEBUG", () -> {
            SDK_LOG.debug("canonical request");
            SDK_LOG.info("sdk info");
            SDK_LOG.warn("sdk warn");
        });

        // Then only its warning is written
        assertEquals(List.of("sdk warn"), messages(lines));
    }

    @Test
    void shouldKeepTheAwsSdkLoggersAtWarnWhenPowertoolsSetsEveryLoggerToDebug() {
        // Given the configuration at DEBUG, and Powertools' level applied as POWERTOOLS_LOG_LEVEL=DEBUG or
        // AWS_LAMBDA_LOG_LEVEL=DEBUG apply it when PowertoolsLogging is first used: to every logger, the SDK's too
        // When the SDK logs at each level
        List<JsonNode> lines = logged("DEBUG", () -> {
            LoggingManagerRegistry.getLoggingManager().setLogLevel(org.slf4j.event.Level.DEBUG);
            SDK_LOG.debug("canonical request");
            SDK_LOG.info("sdk info");
            SDK_LOG.warn("sdk warn");
            STEP_LOG.debug("step debug");
        });

        // Then only its warning is written, and the runner's own DEBUG line still is
        assertEquals(List.of("sdk warn", "step debug"), messages(lines));
    }

    /** Reloads the configuration at {@code level}, runs {@code action}, and parses the lines it logged. */
    private List<JsonNode> logged(String level, Runnable action) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String originalLevel = System.getProperty("lambdasteprunner.logLevel");
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        try {
            System.setProperty("lambdasteprunner.logLevel", level);
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

    private static List<String> messages(List<JsonNode> lines) {
        return lines.stream().map(line -> line.path("message").asText()).toList();
    }
}
