package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asynchronous ({@code Event}) invokes as AWS runs them: a failed event is retried with the same request
 * id, up to {@code MaximumRetryAttempts}, unless it would grow older than {@code MaximumEventAgeInSeconds};
 * its invocation record then goes to the on-failure destination, and a successful one's to the on-success
 * destination. The service waits 1 and 2 seconds before retries here instead of AWS's 1 and 2 minutes.
 *
 * <p>Sources (recorded from AWS in localstack/localstack tests/aws/services/lambda_/):
 * test_lambda.snapshot.json TestRequestIdHandling::test_request_id_async_invoke_with_retry (one request id,
 * an END line per attempt); test_lambda_destinations.snapshot.json TestLambdaDestinationSqs::test_retries
 * and test_lambda_destination_default_retries (RetriesExhausted after 3 attempts), test_maxeventage
 * (EventAgeExceeded without waiting out the age: approximateInvokeCount 1 and 2),
 * test_assess_lambda_destination_invocation (the Success and the failure record with MaximumRetryAttempts 0).
 */
class AsyncInvocationIT {

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration SECOND_RETRY = Duration.ofSeconds(2);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension(LocalLambdaConfig.defaults()
            .withAsyncRetryDelays(FIRST_RETRY, SECOND_RETRY));
    private static LambdaClient lambda;

    static final String FAILING = """
            def lambda_handler(event, context):
                print("attempt of", context.aws_request_id)
                raise Exception("intentional failure")
            """;
    static final String ECHO = """
            def lambda_handler(event, context):
                return {"echo": event}
            """;
    /** A destination function: prints each record it is sent on one line. */
    static final String RECORDER = """
            import json
            def lambda_handler(event, context):
                print("RECORD " + json.dumps(event))
            """;

    @BeforeAll
    static void client() {
        lambda = LOCAL.lambda();
    }

    @Nested
    class Retries {

        @Test
        void aFailedEventRunsThreeTimesWithOneRequestIdThenItsRecordGoesToTheOnFailureDestination() throws Exception {
            // Given a function that always fails, with a Lambda function as its on-failure destination
            LocalLambda.createPython(lambda, "async-fails", FAILING);
            String recorder = recorder("async-fails-records");
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-fails")
                    .destinationConfig(d -> d.onFailure(f -> f.destination(recorder))));

            // When an event is invoked
            long sent = System.nanoTime();
            String requestId = event("async-fails", "{\"message\": \"retry me\"}");

            // Then it runs three times under the same request id, the retries after the configured delays
            List<String> starts = await(() -> startLines("async-fails"), lines -> lines.size() >= 3);
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            assertEquals(List.of(requestId, requestId, requestId), starts);
            assertTrue(took.compareTo(FIRST_RETRY.plus(SECOND_RETRY)) >= 0, "three attempts took only " + took);

            // and the record of the last attempt goes to the destination
            JsonNode record = await(() -> records("async-fails-records"), found -> !found.isEmpty()).get(0);
            assertEquals("1.0", record.path("version").asText());
            assertTrue(record.path("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                    record.toString());
            assertEquals(requestId, record.at("/requestContext/requestId").asText());
            assertEquals(arn("async-fails") + ":$LATEST", record.at("/requestContext/functionArn").asText());
            assertEquals("RetriesExhausted", record.at("/requestContext/condition").asText());
            assertEquals(3, record.at("/requestContext/approximateInvokeCount").asInt());
            assertEquals(JSON.readTree("{\"message\": \"retry me\"}"), record.path("requestPayload"));
            assertEquals(200, record.at("/responseContext/statusCode").asInt());
            assertEquals("$LATEST", record.at("/responseContext/executedVersion").asText());
            assertEquals("Unhandled", record.at("/responseContext/functionError").asText());
            assertEquals("intentional failure", record.at("/responsePayload/errorMessage").asText());
            assertEquals(requestId, record.at("/responsePayload/requestId").asText());
            assertEquals(3, startLines("async-fails").size(), "no fourth attempt");
        }

        @Test
        void withMaximumRetryAttemptsZeroAFailedEventRunsOnce() throws Exception {
            LocalLambda.createPython(lambda, "async-no-retry", FAILING);
            String recorder = recorder("async-no-retry-records");
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-no-retry").maximumRetryAttempts(0)
                    .destinationConfig(d -> d.onFailure(f -> f.destination(recorder))));

            String requestId = event("async-no-retry", "{\"raise_error\": 1}");

            JsonNode record = await(() -> records("async-no-retry-records"), found -> !found.isEmpty()).get(0);
            assertEquals("RetriesExhausted", record.at("/requestContext/condition").asText());
            assertEquals(1, record.at("/requestContext/approximateInvokeCount").asInt());
            Thread.sleep(FIRST_RETRY.plus(SECOND_RETRY).toMillis()); // when a retry would have run
            assertEquals(List.of(requestId), startLines("async-no-retry"));
        }

        @Test
        void aTimeoutIsAFailureThatIsRetriedToo() throws Exception {
            LocalLambda.create(lambda, "async-times-out", "python3.12", "lambda_function.py",
                    "lambda_function.lambda_handler", """
                            import time
                            def lambda_handler(event, context):
                                time.sleep(5)
                            """, 1);
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-times-out").maximumRetryAttempts(1));

            String requestId = event("async-times-out", "{}");

            assertEquals(List.of(requestId, requestId),
                    await(() -> startLines("async-times-out"), lines -> lines.size() >= 2));
        }

        @Test
        void deletingTheFunctionDropsItsWaitingRetries() throws Exception {
            LocalLambda.createPython(lambda, "async-deleted", FAILING);
            String recorder = recorder("async-deleted-records");
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-deleted")
                    .destinationConfig(d -> d.onFailure(f -> f.destination(recorder))));
            event("async-deleted", "{}");
            await(() -> startLines("async-deleted"), lines -> lines.size() >= 1);

            lambda.deleteFunction(r -> r.functionName("async-deleted"));

            Thread.sleep(FIRST_RETRY.plus(SECOND_RETRY).plusSeconds(2).toMillis());
            assertEquals(List.of(), records("async-deleted-records"), "no retry ran, so no record was sent");
            assertThrows(ResourceNotFoundException.class,
                    () -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-deleted")));
        }
    }

    @Nested
    class EventAge {

        /** With AWS's delays the first retry would come after 60 s, beyond an age of 60 s: there is none. */
        @Test
        void anEventThatWouldBeTooOldByItsFirstRetryIsGivenUpAtOnce() throws Exception {
            assertGivenUpAfter(LocalLambdaConfig.defaults(), 1);
        }

        /** A first retry a second later is within the age; a second one 61 s after that is not. */
        @Test
        void anEventThatWouldBeTooOldByItsSecondRetryIsGivenUpAfterTheFirst() throws Exception {
            assertGivenUpAfter(LocalLambdaConfig.defaults().withAsyncRetryDelays(FIRST_RETRY, Duration.ofSeconds(61)), 2);
        }

        private void assertGivenUpAfter(LocalLambdaConfig config, int attempts) throws Exception {
            try (LocalLambdaService service = LocalLambdaService.start(config);
                 LambdaClient client = LocalLambda.client(service)) {
                LocalLambda.createPython(client, "async-aged", FAILING);
                LocalLambda.createPython(client, "async-aged-records", RECORDER);
                client.putFunctionEventInvokeConfig(r -> r.functionName("async-aged").maximumRetryAttempts(2)
                        .maximumEventAgeInSeconds(60)
                        .destinationConfig(d -> d.onFailure(f -> f.destination(arn("async-aged-records")))));

                String requestId = client.invoke(r -> r.functionName("async-aged").invocationType(InvocationType.EVENT)
                        .payload(SdkBytes.fromUtf8String("{}"))).responseMetadata().requestId();

                JsonNode record = await(() -> records(service, "async-aged-records"), found -> !found.isEmpty()).get(0);
                assertEquals(requestId, record.at("/requestContext/requestId").asText());
                assertEquals("EventAgeExceeded", record.at("/requestContext/condition").asText());
                assertEquals(attempts, record.at("/requestContext/approximateInvokeCount").asInt());
                assertEquals("Unhandled", record.at("/responseContext/functionError").asText());
                assertEquals(attempts, startLines(service, "async-aged").size());
            }
        }
    }

    @Nested
    class Destinations {

        @Test
        void aSuccessfulEventsRecordGoesToTheOnSuccessDestination() throws Exception {
            LocalLambda.createPython(lambda, "async-echo", ECHO);
            String recorder = recorder("async-echo-records");
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-echo")
                    .destinationConfig(d -> d.onSuccess(s -> s.destination(recorder))));

            String requestId = event("async-echo", "{\"mode\": \"success\"}");

            JsonNode record = await(() -> records("async-echo-records"), found -> !found.isEmpty()).get(0);
            assertEquals(requestId, record.at("/requestContext/requestId").asText());
            assertEquals(arn("async-echo") + ":$LATEST", record.at("/requestContext/functionArn").asText());
            assertEquals("Success", record.at("/requestContext/condition").asText());
            assertEquals(1, record.at("/requestContext/approximateInvokeCount").asInt());
            assertEquals(JSON.readTree("{\"mode\": \"success\"}"), record.path("requestPayload"));
            assertEquals(JSON.readTree("{\"statusCode\": 200, \"executedVersion\": \"$LATEST\"}"),
                    record.path("responseContext"));
            assertEquals(JSON.readTree("{\"echo\": {\"mode\": \"success\"}}"), record.path("responsePayload"));
        }

        @Test
        void anAliasInvokeUsesTheAliasConfigAndNamesTheAlias() throws Exception {
            LocalLambda.createPython(lambda, "async-alias", ECHO);
            lambda.publishVersion(r -> r.functionName("async-alias"));
            lambda.createAlias(r -> r.functionName("async-alias").name("live").functionVersion("1"));
            String recorder = recorder("async-alias-records");
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-alias").qualifier("live")
                    .destinationConfig(d -> d.onSuccess(s -> s.destination(recorder))));

            event("async-alias", "{\"unqualified\": true}");
            String requestId = event("async-alias:live", "{\"qualified\": true}");

            JsonNode record = await(() -> records("async-alias-records"), found -> !found.isEmpty()).get(0);
            assertEquals(requestId, record.at("/requestContext/requestId").asText());
            assertEquals(arn("async-alias") + ":live", record.at("/requestContext/functionArn").asText());
            assertEquals("1", record.at("/responseContext/executedVersion").asText());
            Thread.sleep(1000);
            assertEquals(1, records("async-alias-records").size(), "the unqualified invoke has no destination");
        }

        @Test
        void aQueueDestinationIsKeptAndTheLogSaysTheRecordWasNotDelivered() throws Exception {
            LocalLambda.createPython(lambda, "async-to-queue", ECHO);
            String queue = "arn:aws:sqs:us-east-1:000000000000:async-records";
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("async-to-queue")
                    .destinationConfig(d -> d.onSuccess(s -> s.destination(queue))));
            assertEquals(queue, lambda.getFunctionEventInvokeConfig(r -> r.functionName("async-to-queue"))
                    .destinationConfig().onSuccess().destination());

            String requestId = event("async-to-queue", "{}");

            String line = await(() -> LOCAL.service().functionLog("async-to-queue").lines()
                    .filter(l -> l.contains("would have gone to")).toList(), found -> !found.isEmpty()).get(0);
            assertEquals("The OnSuccess record of event " + requestId + " (Success) would have gone to " + queue
                    + ": the local Lambda service does not deliver to sqs.", line);
        }
    }

    /**
     * Two functions that are each other's on-success destination loop; Lambda's recursive loop detection
     * stops a triggering event after 16 invocations (AWS's launch note of 2023-07-13: "after 16 recursive
     * calls"; docs: invocation-recursion), unless the function's RecursiveLoop is Allow.
     */
    @Nested
    class RecursiveLoops {

        @Test
        void destinationsThatLoopAreStoppedAfterSixteenInvocations() throws Exception {
            loop("loop-a", "loop-b");

            event("loop-a", "{\"start\": true}");

            String notice = await(() -> (LOCAL.service().functionLog("loop-a") + LOCAL.service().functionLog("loop-b"))
                    .lines().filter(l -> l.startsWith("Lambda stopped a recursive loop")).toList(),
                    found -> !found.isEmpty()).get(0);
            assertTrue(notice.contains("as invocation 17 of one triggering event (more than 16)"), notice);
            Thread.sleep(1000);
            assertEquals(16, startLines("loop-a").size() + startLines("loop-b").size());
        }

        @Test
        void recursiveLoopAllowLetsTheLoopRunOn() throws Exception {
            loop("allowed-a", "allowed-b");
            lambda.putFunctionRecursionConfig(r -> r.functionName("allowed-a").recursiveLoop("Allow"));
            lambda.putFunctionRecursionConfig(r -> r.functionName("allowed-b").recursiveLoop("Allow"));

            event("allowed-a", "{\"start\": true}");

            await(() -> startLines("allowed-a").size() + startLines("allowed-b").size(), count -> count > 20);
            lambda.deleteFunction(r -> r.functionName("allowed-a")); // ends the loop
            lambda.deleteFunction(r -> r.functionName("allowed-b"));
        }

        /** Two recorders (small answers, so records grow only by nesting), each the other's destination. */
        private void loop(String first, String second) {
            String firstArn = recorder(first);
            String secondArn = recorder(second);
            lambda.putFunctionEventInvokeConfig(r -> r.functionName(first)
                    .destinationConfig(d -> d.onSuccess(s -> s.destination(secondArn))));
            lambda.putFunctionEventInvokeConfig(r -> r.functionName(second)
                    .destinationConfig(d -> d.onSuccess(s -> s.destination(firstArn))));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String event(String function, String payload) {
        return lambda.invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(payload))).responseMetadata().requestId();
    }

    private static String recorder(String name) {
        LocalLambda.createPython(lambda, name, RECORDER);
        return arn(name);
    }

    private static String arn(String name) {
        return "arn:aws:lambda:us-east-1:000000000000:function:" + name;
    }

    private static final Pattern START = Pattern.compile("^START RequestId: (\\S+) Version: .*$", Pattern.MULTILINE);

    private static List<String> startLines(String function) {
        return startLines(LOCAL.service(), function);
    }

    /** The request ids of the function's START lines, in order. */
    private static List<String> startLines(LocalLambdaService service, String function) {
        List<String> ids = new ArrayList<>();
        Matcher matcher = START.matcher(service.functionLog(function));
        while (matcher.find()) {
            ids.add(matcher.group(1));
        }
        return ids;
    }

    private static List<JsonNode> records(String recorder) {
        return records(LOCAL.service(), recorder);
    }

    /** The invocation records a recorder function was sent, in order. */
    private static List<JsonNode> records(LocalLambdaService service, String recorder) {
        List<JsonNode> found = new ArrayList<>();
        for (String line : service.functionLog(recorder).lines().toList()) {
            if (line.startsWith("RECORD ")) {
                try {
                    found.add(JSON.readTree(line.substring("RECORD ".length())));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not a JSON record: " + line, e);
                }
            }
        }
        return found;
    }

    /** Polls {@code read} until {@code done} holds, for at most {@link #PATIENCE} (the machine is busy). */
    private static <T> T await(java.util.function.Supplier<T> read, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still " + value + " after " + PATIENCE);
            }
            Thread.sleep(100);
            value = read.get();
        }
        return value;
    }
}
