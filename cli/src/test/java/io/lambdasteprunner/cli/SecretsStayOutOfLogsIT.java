package io.lambdasteprunner.cli;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.handler.JsonLogCapture;
import io.lambdasteprunner.handler.DependencyFactory;
import io.lambdasteprunner.handler.MetricsSink;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.LambdaRetries;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.lambda.ZipPackager;
import io.lambdasteprunner.local.FaultInjection;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.lambda.powertools.logging.internal.LoggingManagerRegistry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets stay secret: runs every path (success, function error, every named error the local service
 * can produce, injected faults, a defect, the sweep, the command line) with code, payloads, client context,
 * environment values and data variables that carry marker strings, with the production log configuration
 * at DEBUG, and asserts that no marker reaches the JSON logs or the command line's stderr.
 */
class SecretsStayOutOfLogsIT {

    @TempDir
    Path temp;

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final String CODE = "c0de-s3cret-7731";
    private static final String PAYLOAD = "pay-s3cret-4410";
    private static final String CONTEXT = "ctx-s3cret-9902";
    private static final String ENVIRONMENT = "env-s3cret-5521";
    private static final String VARIABLE = "var-s3cret-3318";
    private static final List<String> SECRETS = List.of(CODE, PAYLOAD, CONTEXT, ENVIRONMENT, VARIABLE);
    private static final LambdaRetries QUICK = new LambdaRetries(3, Duration.ofMillis(5), Duration.ofMillis(20), new Random(1));

    private final ObjectMapper mapper = new ObjectMapper();

    /** A custom-code request with a secret in every place a secret can be. */
    private ObjectNode customCode(String body) {
        ObjectNode request = mapper.createObjectNode().put("action", "customCode").put("runtime", "python3.12")
                .put("timeoutSeconds", 1)
                .put("code", "import os\nTOKEN = '" + CODE + "'\ndef lambda_handler(event, context):\n" + body);
        request.putObject("payload").put("token", PAYLOAD).put("fromVariable", "${option.password}");
        request.putObject("clientContext").putObject("custom").put("ticket", CONTEXT);
        request.putObject("environment").put("API_KEY", ENVIRONMENT);
        request.putObject("variables").putObject("option").put("password", VARIABLE);
        return request;
    }

    private ObjectNode invoke(String functionName) {
        ObjectNode request = mapper.createObjectNode().put("action", "invoke").put("functionName", functionName);
        request.putObject("payload").put("token", PAYLOAD).put("fromVariable", "${option.password}");
        request.putObject("clientContext").putObject("custom").put("ticket", CONTEXT);
        request.putObject("variables").putObject("option").put("password", VARIABLE);
        return request;
    }

    @Test
    void shouldKeepCodePayloadsClientContextAndEnvironmentValuesOutOfEveryLog() throws Exception {
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        ByteArrayOutputStream cliErr = new ByteArrayOutputStream();
        Set<StepError> seen = EnumSet.noneOf(StepError.class);
        PrintStream originalErr = System.err;
        String originalLevel = System.getProperty("lambdasteprunner.logLevel");
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"))) {
            // Given the production log configuration at DEBUG, the AWS SDK's loggers too, writing to a capture
            System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
            System.setProperty("lambdasteprunner.logLevel", "DEBUG");
            captureLogs(logs);

            SdkLambdaGateway gateway = new SdkLambdaGateway(client, QUICK);
            StepConfig config = new StepConfig(ROLE, List.of(), null, "lambda-step-runner");
            StepHandler handler = new StepHandler(DependencyFactory.onGateway(config, gateway));
            createTarget(client);

            // When every path runs
            run(handler, customCode("    return {'ok': True, 'key': os.environ['API_KEY'], 'event': event}\n"), seen);
            run(handler, customCode("    raise Exception('boom')\n"), seen);
            run(handler, customCode("    raise Exception('boom')\n").put("failOnFunctionError", true), seen);
            run(handler, invoke("secret-target"), seen);
            run(handler, invoke("no-such-function"), seen);
            run(handler, invoke("lambda-step-runner"), seen);
            run(handler, customCode("    return 1\n").put("roleArn", "arn:aws:iam::000000000000:role/admin"), seen);
            run(handler, customCode("    return 1\n").put("runtime", "java21"), seen);
            run(handler, customCode("    return '${option.missing}'\n"), seen);
            run(handler, customCode("    return 1\n").put("timeoutSeconds", "soon"), seen);
            run(handler, customCode("    return 1\n" + "#".repeat(6 * 1024 * 1024)), seen);
            ObjectNode bigPayload = customCode("    return 1\n");
            ((ObjectNode) bigPayload.get("payload")).put("pad", "x".repeat(6 * 1024 * 1024));
            run(handler, bigPayload, seen);
            run(handler, apiEvent(customCode("    return 1\n"), "GET", "/steps"), seen);
            run(handler, apiEvent(customCode("    return 1\n"), "POST", "/other"), seen);
            run(handler, apiEvent(customCode("    return event\n"), "POST", "/steps"), seen);
            ObjectNode bridged = mapper.createObjectNode().put("source", "com.example.runbooks")
                    .put("detail-type", "Runbook Step Requested");
            bridged.set("detail", customCode("    return event\n"));
            run(handler, bridged, seen);

            // ... under faults: crashing and hanging runtimes, failing deletes, throttling, 5xx, slow Pending
            service.injectFaults(new FaultInjection(0, 0, 0, 1, 0, Duration.ZERO, 1));
            run(handler, customCode("    return event\n"), seen);
            service.injectFaults(new FaultInjection(0, 0, 0, 0, 1, Duration.ZERO, 1));
            run(handler, customCode("    return event\n"), seen);
            service.injectFaults(new FaultInjection(0, 0, 1, 0, 0, Duration.ZERO, 1));
            run(handler, customCode("    return event\n"), seen);
            service.injectFaults(new FaultInjection(1, 0, 0, 0, 0, Duration.ZERO, 1));
            run(handler, customCode("    return event\n"), seen);
            service.injectFaults(new FaultInjection(0, 1, 0, 0, 0, Duration.ZERO, 1));
            run(handler, customCode("    return event\n"), seen);
            service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ofSeconds(5), 1));
            run(handler, customCode("    return event\n"), seen, 5_000);
            service.injectFaults(FaultInjection.NONE);

            // ... a defect whose exception message quotes the request
            StepHandler defective = new StepHandler(DependencyFactory.onGateway(config,
                    new QuotingGateway(gateway)));
            run(defective, invoke("secret-target"), seen);

            // ... the sweep of what the failing delete and the slow Pending left
            StepHandler sweeper = new StepHandler(DependencyFactory.onGateway(
                    config.withOrphanMaxAge(Duration.ZERO), gateway));
            run(sweeper, mapper.createObjectNode().put("action", "sweep"), seen);

            // ... and the command line, whose stderr is the user's log
            Path dir = Files.createTempDirectory(temp, "secrets-it");
            Main main = new Main(Map.of("DEFAULT_EXECUTION_ROLE_ARN", ROLE), new PrintStream(new ByteArrayOutputStream(),
                    true, StandardCharsets.UTF_8), new PrintStream(cliErr, true, StandardCharsets.UTF_8));
            List<ObjectNode> cliEvents = List.of(customCode("    return event\n"),
                    customCode("    raise Exception('boom')\n").put("failOnFunctionError", true),
                    customCode("    return '${option.missing}'\n"), invoke("no-such-function"),
                    customCode("    return 1\n").put("roleArn", "arn:aws:iam::000000000000:role/admin"),
                    apiEvent(customCode("    return 1\n"), "GET", "/steps"));
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < cliEvents.size(); i++) {
                Path file = dir.resolve("event-" + i + ".json");
                Files.writeString(file, cliEvents.get(i).toString());
                statuses.add(main.run(List.of("run", file.toString(), "--endpoint", service.endpoint().toString())));
            }
            assertEquals(List.of(0, 1, 1, 1, 1, 1), statuses);
            client.deleteFunction(r -> r.functionName("secret-target"));
            assertEquals(List.of(), service.functionNames());
        } finally {
            System.setErr(originalErr);
            if (originalLevel == null) {
                System.clearProperty("lambdasteprunner.logLevel");
            } else {
                System.setProperty("lambdasteprunner.logLevel", originalLevel);
            }
            ((LoggerContext) LogManager.getContext(false)).reconfigure();
        }

        String logText = logs.toString(StandardCharsets.UTF_8);
        String errText = cliErr.toString(StandardCharsets.UTF_8);
        System.out.printf("SecretsStayOutOfLogsIT: %d log lines at level DEBUG, %d stderr lines, named errors seen %s%n",
                logText.lines().count(), errText.lines().count(), seen);

        // Then the capture worked, at DEBUG, over the paths that matter
        assertTrue(logText.contains("step finished") && logText.contains("could not delete generated function") && logText.contains("sweep finished")
                && logText.contains("unexpected failure in the step runner"), logText);
        assertTrue(seen.containsAll(EnumSet.of(StepError.INVALID_STEP_REQUEST, StepError.UNKNOWN_VARIABLE,
                StepError.UNSUPPORTED_RUNTIME, StepError.CODE_TOO_LARGE, StepError.PAYLOAD_TOO_LARGE,
                StepError.ROLE_NOT_ALLOWED, StepError.RECURSION_REFUSED, StepError.FUNCTION_NOT_FOUND,
                StepError.ROUTE_NOT_FOUND, StepError.METHOD_NOT_ALLOWED, StepError.FUNCTION_FAILED,
                StepError.THROTTLED, StepError.LAMBDA_UNAVAILABLE, StepError.FUNCTION_NOT_READY,
                StepError.INTERNAL_ERROR)), seen.toString());
        // And no secret, nor the base64 client context Lambda is sent, is in a log line or on stderr
        List<String> forbidden = new ArrayList<>(SECRETS);
        forbidden.add(Base64.getEncoder().encodeToString(("{\"custom\":{\"ticket\":\"" + CONTEXT
                + "\",\"lambdaStepRunnerDepth\":\"1\"}}").getBytes(StandardCharsets.UTF_8)));
        for (String secret : forbidden) {
            assertFalse(logText.contains(secret), () -> "log leaks " + secret + ":\n" + lineWith(logText, secret));
            assertFalse(errText.contains(secret), () -> "stderr leaks " + secret + ":\n" + lineWith(errText, secret));
        }
    }

    /**
     * Reloads log4j2.properties at DEBUG, applies Powertools' level to every logger as {@code POWERTOOLS_LOG_LEVEL=DEBUG}
     * does on Lambda, and sends what its JSON appender would write, with the same layout, to {@code logs} instead.
     */
    private static void captureLogs(ByteArrayOutputStream logs) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.reconfigure();
        JsonLogCapture.redirect(context, logs);
        Configuration configuration = context.getConfiguration();
        assertEquals(Level.DEBUG, configuration.getRootLogger().getLevel());
        // On Lambda, POWERTOOLS_LOG_LEVEL=DEBUG also makes Powertools set every logger to DEBUG at the first
        // invocation, the AWS SDK's too, whose signer then logs the canonical request with X-Amz-Client-Context
        // (the client context, base64) in full. Do the same here: the configuration's filter must still drop it.
        LoggingManagerRegistry.getLoggingManager().setLogLevel(org.slf4j.event.Level.DEBUG);
        assertEquals(Level.DEBUG, configuration.getLoggerConfig("software.amazon.awssdk").getLevel());
    }

    private void run(StepHandler handler, ObjectNode event, Set<StepError> seen) {
        run(handler, event, seen, 60_000);
    }

    private void run(StepHandler handler, ObjectNode event, Set<StepError> seen, int remainingMillis) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(event.toString().getBytes(StandardCharsets.UTF_8)), out,
                    new SecretContext(remainingMillis));
            var output = mapper.readTree(out.toByteArray());
            if (output.has("statusCode") && output.has("body") && output.get("statusCode").asInt() >= 400) {
                String name = mapper.readTree(output.get("body").asText()).get("error").asText();
                for (StepError error : StepError.values()) {
                    if (error.errorName().equals(name)) {
                        seen.add(error);
                    }
                }
            }
        } catch (StepFailure failure) {
            seen.add(failure.error());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private ObjectNode apiEvent(ObjectNode step, String method, String path) {
        ObjectNode event = mapper.createObjectNode().put("resource", path).put("path", path).put("httpMethod", method)
                .put("body", step.toString()).put("isBase64Encoded", false);
        event.putObject("requestContext").put("httpMethod", method);
        return event;
    }

    private static void createTarget(LambdaClient client) {
        byte[] zip = new ZipPackager().zip("lambda_function.py", "def lambda_handler(event, context):\n    return event\n");
        client.createFunction(r -> r.functionName("secret-target").runtime("python3.12").role(ROLE)
                .handler("lambda_function.lambda_handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip))));
        client.waiter().waitUntilFunctionActiveV2(r -> r.functionName("secret-target"));
    }

    private static String lineWith(String text, String secret) {
        return text.lines().filter(line -> line.contains(secret)).findFirst().orElse("");
    }

    /** A defect whose exception message quotes the payload, as a careless library might. */
    private record QuotingGateway(LambdaGateway delegate) implements LambdaGateway {
        @Override
        public InvocationResult invoke(Invocation invocation) {
            throw new IllegalStateException("cannot handle " + invocation.payloadJson() + " with "
                    + invocation.clientContextJson());
        }

        @Override
        public void createFunction(NewFunction function) {
            delegate.createFunction(function);
        }

        @Override
        public FunctionState awaitActive(String functionName, Duration timeout) {
            return delegate.awaitActive(functionName, timeout);
        }

        @Override
        public void deleteFunction(String functionName) {
            delegate.deleteFunction(functionName);
        }
    }

    /** A Lambda context as the Java runtime gives one. */
    private record SecretContext(int remainingMillis) implements Context {
        public String getAwsRequestId() {
            return "6f1f2a4e-0000-4000-8000-000000000002";
        }

        public String getLogGroupName() {
            return "/aws/lambda/lambda-step-runner";
        }

        public String getLogStreamName() {
            return "2026/11/24/[$LATEST]0123456789abcdef";
        }

        public String getFunctionName() {
            return "lambda-step-runner";
        }

        public String getFunctionVersion() {
            return "$LATEST";
        }

        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:lambda-step-runner";
        }

        public CognitoIdentity getIdentity() {
            return null;
        }

        public ClientContext getClientContext() {
            return null;
        }

        public int getRemainingTimeInMillis() {
            return remainingMillis;
        }

        public int getMemoryLimitInMB() {
            return 512;
        }

        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                public void log(String message) {
                    System.err.print(message);
                }

                public void log(byte[] message) {
                    System.err.write(message, 0, message.length);
                }
            };
        }
    }
}
