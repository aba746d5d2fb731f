package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.LambdaRetries;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.lambda.ZipPackager;
import io.lambdasteprunner.local.FaultInjection;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRunner;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The soak test of issue 5: 1000 custom-code steps, 8 at a time, against the local Lambda service
 * injecting 10% of every kind of fault (throttling, 5xx, failing deletes, crashing and hanging
 * runtimes) and a slow Pending on every function. Then the hourly sweep. At the end: every generated
 * function is deleted or swept, every {@code functionWasDeleted} matched what the service held, no
 * child process is left, and the heap after GC stayed flat. Prints its figures.
 */
class SoakIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final int STEPS = 1000;
    private static final int CONCURRENCY = 8;
    private static final int WARM_UP = 16;
    private static final double FAULT_RATE = 0.10;
    /** Production's backoff shape, shorter delays: the test proves the rules, not the patience. */
    private static final LambdaRetries QUICK = new LambdaRetries(5, Duration.ofMillis(5), Duration.ofMillis(40), new Random(5));
    /** Errors a step may end with under these faults; anything else is a defect. */
    private static final Set<StepError> EXPECTED_ERRORS = Set.of(StepError.THROTTLED, StepError.LAMBDA_UNAVAILABLE);
    private static final long MEGABYTE = 1024 * 1024;

    private final ObjectMapper mapper = new ObjectMapper();

    /** What one step reported: its context variables (also of a failure), or only the error when none. */
    private record Outcome(int n, JsonNode data, StepError error) {
    }

    @Test
    void shouldStayTruthfulAndCleanThroughAThousandFaultyStepsEightAtATime() throws Exception {
        long started = System.nanoTime();
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"))) {
            SdkLambdaGateway gateway = new SdkLambdaGateway(client, QUICK);
            StepConfig config = new StepConfig(ROLE, List.of(), null, null);
            ThreadLocal<StepHandler> handlers = ThreadLocal.withInitial(() -> new StepHandler(
                    DependencyFactory.onGateway(config, gateway)));
            Set<String> lookAlikes = createLookAlikes(client);

            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
            List<Outcome> outcomes = new ArrayList<>();
            try {
                // Warm up without faults (classes, JIT, interpreters), then the 1000 steps in two halves
                outcomes.addAll(runSteps(pool, handlers, 0, WARM_UP));
                long heapStart = heapAfterGc();
                service.injectFaults(FaultInjection.everyKind(FAULT_RATE, Duration.ofMillis(100), 20261124));
                outcomes.addAll(runSteps(pool, handlers, WARM_UP, STEPS / 2));
                long heapMiddle = heapAfterGc();
                outcomes.addAll(runSteps(pool, handlers, WARM_UP + STEPS / 2, STEPS - STEPS / 2));
                long stepsDone = System.nanoTime();

                // Then every functionWasDeleted matches what the service holds
                Set<String> held = new HashSet<>(service.functionNames());
                held.removeAll(lookAlikes);
                Set<String> reportedKept = new HashSet<>();
                for (Outcome outcome : outcomes) {
                    assertTruthful(outcome, held);
                    if (outcome.data() != null && outcome.data().path("functionWasDeleted").asText().equals("false")
                            && outcome.data().path("functionWasCreated").asText().equals("true")) {
                        reportedKept.add(outcome.data().get("functionName").asText());
                    }
                }
                assertEquals(reportedKept, held, "the service holds exactly the generated functions steps reported "
                        + "as not deleted");

                // When the hourly sweep runs (an hour later, still under faults), until nothing is left
                StepHandler anHourLater = new StepHandler(DependencyFactory.onGateway(config, gateway,
                        MetricsSink.none(), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(61))));
                List<String> swept = new ArrayList<>();
                for (int sweep = 0; sweep < 10 && !leftovers(service, lookAlikes).isEmpty(); sweep++) {
                    try {
                        JsonNode report = handle(anHourLater, "{\"action\":\"sweep\"}").get("sweep");
                        report.get("deleted").forEach(name -> swept.add(name.asText()));
                    } catch (StepFailure listingFailed) {
                        assertTrue(EXPECTED_ERRORS.contains(listingFailed.error()), listingFailed.toString());
                    }
                }
                service.injectFaults(FaultInjection.NONE);

                // Then every generated function is gone, the look-alikes are untouched
                assertEquals(List.of(), leftovers(service, lookAlikes));
                assertTrue(new HashSet<>(service.functionNames()).containsAll(lookAlikes), service.functionNames().toString());
                assertEquals(reportedKept, new HashSet<>(swept));
                for (String lookAlike : lookAlikes) {
                    client.deleteFunction(r -> r.functionName(lookAlike));
                }

                // Then no child process is left but the service's spare runtimes (one per language at most)
                assertTrue(service.spareRuntimeProcesses().size() <= 3, service.spareRuntimeProcesses().toString());
                long children = waitForNoChildren(service);
                long heapEnd = heapAfterGc();

                Map<String, Integer> tally = tally(outcomes);
                System.out.printf("SoakIT: %d steps (%d warm-up without faults), %d at a time, %.0f%% faults of every kind + 100 ms Pending: "
                                + "%.1f s for the steps, %.1f s in all%n", outcomes.size(), WARM_UP, CONCURRENCY, FAULT_RATE * 100,
                        (stepsDone - started) / 1e9, (System.nanoTime() - started) / 1e9);
                System.out.printf("SoakIT: outcomes %s; kept by failed deletes then swept: %d%n", tally, swept.size());
                System.out.printf("SoakIT: heap after GC start %d MB, middle %d MB, end %d MB; child processes at end %d%n",
                        heapStart / MEGABYTE, heapMiddle / MEGABYTE, heapEnd / MEGABYTE, children);
                assertEquals(0, children);
                // Flat: the second half of the run grows the heap by less than 32 MB, the whole run by less than 64 MB.
                assertTrue(heapEnd - heapMiddle < 32 * MEGABYTE && heapEnd - heapStart < 64 * MEGABYTE,
                        "heap grew: start " + heapStart / MEGABYTE + " MB, middle " + heapMiddle / MEGABYTE + " MB, end "
                                + heapEnd / MEGABYTE + " MB");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Functions that look like ours but are not (no tag, other name) or are too young: the sweep must keep them. */
    private Set<String> createLookAlikes(LambdaClient client) {
        byte[] zip = new ZipPackager().zip("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n");
        Map<String, Map<String, String>> lookAlikes = Map.of(
                "rundeck-generated-function-1700000000000-0000aaaa", Map.of("team", "ops"),
                "payments-nightly", Map.of(StepRunner.CREATED_TAG, "2020-01-01T00:00:00Z"),
                "rundeck-generated-function-1700000000001-0000bbbb",
                Map.of(StepRunner.CREATED_TAG, Instant.now().plus(Duration.ofMinutes(30)).toString()));
        lookAlikes.forEach((name, tags) -> client.createFunction(r -> r.functionName(name).runtime("python3.12")
                .role(ROLE).handler("lambda_function.lambda_handler").tags(tags)
                .code(c -> c.zipFile(SdkBytes.fromByteArray(zip)))));
        return lookAlikes.keySet();
    }

    private List<Outcome> runSteps(ExecutorService pool, ThreadLocal<StepHandler> handlers, int from, int count)
            throws Exception {
        List<Future<Outcome>> futures = new ArrayList<>();
        for (int n = from; n < from + count; n++) {
            int step = n;
            futures.add(pool.submit(() -> runStep(handlers.get(), step)));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> future : futures) {
            outcomes.add(future.get());
        }
        return outcomes;
    }

    private Outcome runStep(StepHandler handler, int n) throws Exception {
        ObjectNode request = mapper.createObjectNode().put("action", "customCode").put("timeoutSeconds", 1);
        switch (n % 10) {
            case 3 -> request.put("runtime", "nodejs22.x")
                    .put("code", "exports.handler = async (event) => ({n: event.n});\n");
            case 7 -> request.put("runtime", "ruby3.3")
                    .put("code", "def lambda_handler(event:, context:)\n  { 'n' => event['n'] }\nend\n");
            default -> request.put("runtime", "python3.12")
                    .put("code", "def lambda_handler(event, context):\n    return {'n': event['n']}\n");
        }
        request.putObject("payload").put("n", n);
        try {
            return new Outcome(n, handle(handler, request.toString()).get("data"), null);
        } catch (StepFailure failure) {
            if (!EXPECTED_ERRORS.contains(failure.error())) {
                fail("step " + n + " ended with " + failure);
            }
            return new Outcome(n, failure.partialResult().map(result -> result.toJson().get("data")).orElse(null),
                    failure.error());
        }
    }

    private JsonNode handle(StepHandler handler, String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(120_000));
        return mapper.readTree(out.toByteArray());
    }

    /** The context variables agree with each other and with what the service holds. */
    private static void assertTruthful(Outcome outcome, Set<String> held) {
        JsonNode data = outcome.data();
        if (data == null) {
            // Failed before a function existed (create refused after the retries): nothing to report.
            assertTrue(outcome.error() != null);
            return;
        }
        String name = data.get("functionName").asText();
        String context = "step " + outcome.n() + " (" + outcome.error() + "): " + data;
        assertEquals("true", data.get("functionWasCreated").asText(), context);
        assertEquals(data.get("functionWasDeleted").asText().equals("false"), held.contains(name), context);
        if (data.get("functionWasInvoked").asText().equals("true")) {
            assertEquals(200, data.get("statusCode").asInt(), context);
            JsonNode payload = data.get("invokeResponsePayload");
            if (data.get("invokeFunctionError").isNull()) {
                assertEquals(outcome.n(), payload.get("n").asInt(), context);
            } else {
                assertEquals("Unhandled", data.get("invokeFunctionError").asText(), context);
                String errorType = payload.get("errorType").asText();
                assertTrue(errorType.equals("Runtime.ExitError") || errorType.equals("Sandbox.Timedout"), context);
            }
            assertTrue(data.get("invokeExecutionLog").asText().contains("REPORT RequestId: "), context);
        } else {
            assertTrue(data.get("statusCode").isNull(), context);
            assertTrue(outcome.error() != null, context);
        }
    }

    private static List<String> leftovers(LocalLambdaService service, Set<String> lookAlikes) {
        return service.functionNames().stream().filter(name -> !lookAlikes.contains(name)).toList();
    }

    private static Map<String, Integer> tally(List<Outcome> outcomes) {
        Map<String, Integer> tally = new TreeMap<>();
        for (Outcome outcome : outcomes) {
            String kind;
            if (outcome.error() != null) {
                kind = outcome.error().errorName();
            } else if (!outcome.data().get("invokeFunctionError").isNull()) {
                kind = outcome.data().get("invokeResponsePayload").get("errorType").asText();
            } else {
                kind = "ok";
            }
            if (outcome.data() != null && outcome.data().get("functionWasDeleted").asText().equals("false")) {
                kind += " (kept)";
            }
            tally.merge(kind, 1, Integer::sum);
        }
        return tally;
    }

    private static long waitForNoChildren(LocalLambdaService service) throws InterruptedException {
        long children = 0;
        for (int i = 0; i < 50; i++) {
            List<ProcessHandle> spares = service.spareRuntimeProcesses();
            children = ProcessHandle.current().descendants()
                    .filter(ProcessHandle::isAlive).filter(process -> !spares.contains(process)).count();
            if (children == 0) {
                return 0;
            }
            Thread.sleep(100);
        }
        return children;
    }

    private static long heapAfterGc() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
