package io.lambdasteprunner.lambda;

import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.FunctionSource;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SDK adapter against the real local Lambda service: packaging, every invoke field, the wait, errors, retries. */
public class SdkLambdaGatewayIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";

    /** AWS's Python runtime gives {@code context.client_context} as an object with {@code .custom}. */
    public static final String CUSTOM_OF = """
            def custom_of(cc):
                return None if cc is None else cc.custom
            """;

    private static LocalLambdaService service;
    private static LambdaClient client;
    private static SdkLambdaGateway gateway;

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        gateway = new SdkLambdaGateway(client);
    }

    @AfterAll
    static void stop() {
        client.close();
        service.close();
    }

    private static String createPython(String code) {
        String name = "gw-it-" + UUID.randomUUID().toString().substring(0, 8);
        gateway.createFunction(new LambdaGateway.NewFunction(name, "python3.12", ROLE,
                FunctionSource.forRuntime("python3.12", "lambda_handler", code), "gateway IT", 5, 128,
                Map.of("GREETING", "hi"), Map.of("owner", "it")));
        return name;
    }

    private static void awaitActive(String name) {
        LambdaGateway.FunctionState state = gateway.awaitActive(name, Duration.ofSeconds(20));
        assertTrue(state.isActive(), "function never became Active: " + state);
    }

    private static LambdaGateway.Invocation call(String name, String qualifier, String payload, InvocationType type,
                                                 String clientContext, LogType logType) {
        return new LambdaGateway.Invocation(name, qualifier, payload, type, clientContext, logType);
    }

    @Test
    void shouldStopWaitingForAFunctionWhenTheStepsTimeRunsOut() {
        // Given a function that takes 3 s, and a step with 1 s left
        String name = createPython("""
                import time
                def lambda_handler(event, context):
                    time.sleep(3)
                    return 'done'
                """);
        awaitActive(name);

        // When the step invokes it
        long start = System.nanoTime();
        StepFailure timedOut = assertThrows(StepFailure.class, () -> gateway.invoke(new LambdaGateway.Invocation(name,
                null, "{}", InvocationType.REQUEST_RESPONSE, null, LogType.NONE, Duration.ofSeconds(1))));

        // Then it answers in time with a named error that says the function may have run, and does not invoke again
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(StepError.STEP_TIMED_OUT, timedOut.error());
        assertTrue(timedOut.getMessage().contains("may have run"), timedOut.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "took " + took);
        gateway.deleteFunction(name);
    }

    @Test
    void shouldLogGeneratedFunctionsToTheDeploymentsLogGroup() {
        // Given a gateway configured as the stack configures it (GENERATED_FUNCTION_LOG_GROUP)
        SdkLambdaGateway sharedLogs = new SdkLambdaGateway(client, LambdaRetries.standard(),
                "/lambda-step-runner/generated-functions");
        String name = "gw-it-logs-" + UUID.randomUUID().toString().substring(0, 8);

        // When it creates a function
        sharedLogs.createFunction(new LambdaGateway.NewFunction(name, "python3.12", ROLE,
                FunctionSource.forRuntime("python3.12", "lambda_handler", "def lambda_handler(e, c):\n    return 1\n"),
                null, null, null, Map.of(), Map.of()));

        // Then Lambda is asked to write its logs there, not to a log group of its own that would outlive it
        assertEquals("/lambda-step-runner/generated-functions",
                client.getFunctionConfiguration(r -> r.functionName(name)).loggingConfig().logGroup());
        gateway.deleteFunction(name);
    }

    @Test
    void shouldRunAPackagedFunctionWithEveryInvokeField() throws Exception {
        String name = createPython(CUSTOM_OF + """
                import os
                def lambda_handler(event, context):
                    print('handling', event['n'])
                    custom = custom_of(context.client_context)
                    return {'n': event['n'] + 1, 'custom': custom, 'greeting': os.environ['GREETING']}
                """);
        awaitActive(name);

        LambdaGateway.InvocationResult result = gateway.invoke(call(name, "$LATEST", "{\"n\":41}",
                InvocationType.REQUEST_RESPONSE, "{\"custom\":{\"ticket\":\"INC-1\"}}", LogType.TAIL));

        assertEquals(200, result.statusCode());
        assertNull(result.functionError(), result.payload());
        assertEquals("{\"n\": 42, \"custom\": {\"ticket\": \"INC-1\"}, \"greeting\": \"hi\"}", result.payload());
        assertEquals("$LATEST", result.executedVersion());
        assertTrue(result.logTail().contains("START RequestId: "), result.logTail());
        assertTrue(result.logTail().contains("handling 41"), result.logTail());
        assertTrue(result.logTail().contains("REPORT RequestId: "), result.logTail());

        LambdaGateway.InvocationResult quiet = gateway.invoke(call(name, null, "{\"n\":1}",
                InvocationType.REQUEST_RESPONSE, null, LogType.NONE));
        assertNull(quiet.logTail());

        assertEquals(202, gateway.invoke(call(name, null, "{\"n\":1}", InvocationType.EVENT, null, LogType.NONE)).statusCode());
        assertEquals(204, gateway.invoke(call(name, null, "{\"n\":1}", InvocationType.DRY_RUN, null, LogType.NONE)).statusCode());

        gateway.deleteFunction(name);
        StepFailure gone = assertThrows(StepFailure.class,
                () -> gateway.invoke(call(name, null, "{}", InvocationType.REQUEST_RESPONSE, null, LogType.NONE)));
        assertEquals(StepError.FUNCTION_NOT_FOUND, gone.error());
    }

    @Test
    void shouldRetryAnInvokeWhileTheFunctionIsPending() {
        String name = createPython("def lambda_handler(event, context):\n    return 'ready'\n");

        // No wait: Lambda answers ResourceConflictException while Pending, which the gateway retries.
        LambdaGateway.InvocationResult result = gateway.invoke(call(name, null, "{}",
                InvocationType.REQUEST_RESPONSE, null, LogType.NONE));

        assertEquals("\"ready\"", result.payload());
        gateway.deleteFunction(name);
    }

    @Test
    void shouldWaitUntilANewFunctionIsActive() {
        String name = createPython("def lambda_handler(event, context):\n    return 1\n");

        LambdaGateway.FunctionState state = gateway.awaitActive(name, Duration.ofSeconds(20));

        assertEquals(new LambdaGateway.FunctionState("Active", null), state);
        gateway.deleteFunction(name);
    }

    @Test
    void shouldReportWaitingForAFunctionThatDoesNotExistAsNotFound() {
        StepFailure failure = assertThrows(StepFailure.class,
                () -> gateway.awaitActive("gw-it-never-created", Duration.ofSeconds(20)));

        assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error());
        assertTrue(failure.getMessage().startsWith("wait for gw-it-never-created: ResourceNotFoundException"),
                failure.getMessage());
    }

    @Test
    void shouldReturnTheRuntimesErrorPayload() throws Exception {
        String name = createPython("def lambda_handler(event, context):\n    raise ValueError('disk full')\n");
        awaitActive(name);

        LambdaGateway.InvocationResult result = gateway.invoke(call(name, null, "{}",
                InvocationType.REQUEST_RESPONSE, null, LogType.TAIL));

        assertEquals("Unhandled", result.functionError());
        assertTrue(result.payload().contains("\"errorType\": \"ValueError\"") || result.payload().contains("\"errorType\":\"ValueError\""),
                result.payload());
        gateway.deleteFunction(name);
    }

    @Test
    void shouldKeepLambdasMessageWhenItRefusesAParameter() {
        StepFailure refused = assertThrows(StepFailure.class, () -> gateway.createFunction(new LambdaGateway.NewFunction(
                "gw-it-old-runtime", "python3.7", ROLE,
                new FunctionSource("lambda_function.py", "lambda_function.lambda_handler", "x = 1\n"),
                null, null, null, Map.of(), Map.of())));

        assertEquals(StepError.LAMBDA_REJECTED_REQUEST, refused.error());
        assertTrue(refused.getMessage().contains("python3.7"), refused.getMessage());
    }

    @Test
    void shouldReportATakenNameAsAConflict() {
        String name = createPython("def lambda_handler(event, context):\n    return 1\n");

        StepFailure taken = assertThrows(StepFailure.class, () -> gateway.createFunction(new LambdaGateway.NewFunction(
                name, "python3.12", ROLE, FunctionSource.forRuntime("python3.12", "lambda_handler", "x = 1\n"),
                null, null, null, Map.of(), Map.of())));

        assertEquals(StepError.FUNCTION_CONFLICT, taken.error());
        gateway.deleteFunction(name);
    }

    @Test
    void shouldReportAnUnreachableServiceAsUnavailable() {
        try (LambdaClient nowhere = LambdaClients.create(LambdaClientConfig.local(java.net.URI.create("http://127.0.0.1:1"), "us-east-1"))) {
            SdkLambdaGateway down = new SdkLambdaGateway(nowhere,
                    new LambdaRetries(3, Duration.ofMillis(1), Duration.ofMillis(5), new Random(1)));

            StepFailure failure = assertThrows(StepFailure.class, () -> down.findFunction("f"));

            assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
            assertTrue(failure.getMessage().contains("after 3 attempts"), failure.getMessage());
        }
    }
}
