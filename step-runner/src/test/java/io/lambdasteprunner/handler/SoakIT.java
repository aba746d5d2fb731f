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
import org.junit.jupiter.api.Timeout;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The soak test of issue 5: 1000 custom-code steps, 8 at a time, against the local Lambda service
 * injecting 10% of every kind of fault (throttling, 5xx, failing deletes, crashing and hanging
 * runtimes) and a slow Pending on every function, between fault-free steps before and after that must
 * all succeed. Then the hourly sweep. At the end: each outcome's count fits the injected rates, every
 * generated function is deleted or swept, every {@code functionWasDeleted} matched what the service
 * held, no child process is left, and the heap after GC stayed flat. Prints its figures.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SoakIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final int STEPS = 1000;
    private static final int CONCURRENCY = 8;
    /** Fault-free steps before the faults (warming classes, JIT, interpreters) and after them (recovery). */
    private static final int FAULT_FREE = 16;
    private static final double FAULT_RATE = 0.10;
    /** Production's backoff shape, shorter delays: the test proves the rules, not the patience. */
    private static final LambdaRetries QUICK = new LambdaRetries(5, Duration.ofMillis(5), Duration.ofMillis(40), new Random(5));
    /**
     * Lambda API calls a step makes before its invoke has answered, at most: CreateFunction, the GetFunction
     * polls until Active (about 7 for 100 ms of Pending, more on a busy machine), Invoke. Generous on purpose:
     * it only bounds how many steps may fail for faults that outlast the retries.
     */
    private static final int MAX_CALLS_BEFORE_ANSWER = 20;
    /** Standard deviations of slack on every count: wide enough never to fail by chance. */
    private static final double SIGMAS = 6;
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
                // Given fault-free steps first (classes, JIT, interpreters warm up): every one succeeds
                List<Outcome> warmUp = runSteps(pool, handlers, 0, FAULT_FREE);
                assertAllSucceeded("warm-up without faults", warmUp);
                outcomes.addAll(warmUp);
                long heapStart = heapAfterGc();

                // When the 1000 steps run under faults, in two halves
                service.injectFaults(FaultInjection.everyKind(FAULT_RATE, Duration.ofMillis(100), 20261124));
                List<Outcome> faulty = new ArrayList<>(runSteps(pool, handlers, FAULT_FREE, STEPS / 2));
                long heapMiddle = heapAfterGc();
                faulty.addAll(runSteps(pool, handlers, FAULT_FREE + STEPS / 2, STEPS - STEPS / 2));
                outcomes.addAll(faulty);
                long stepsDone = System.nanoTime();

                // Then each outcome's count fits the injected rates
                Map<String, Integer> tally = tally(faulty);
                System.out.printf("SoakIT: outcomes under faults %s%n", tally);
                assertOutcomesFitTheRates(faulty);

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

                // Then, the faults over, every step succeeds again
                List<Outcome> after = runSteps(pool, handlers, FAULT_FREE + STEPS, FAULT_FREE);
                assertAllSucceeded("after the faults", after);

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

                System.out.printf("SoakIT: %d steps under %.0f%% faults of every kind + 100 ms Pending, %d fault-free before "
                                + "and after, %d at a time: %.1f s for the steps, %.1f s in all%n", faulty.size(),
                        FAULT_RATE * 100, FAULT_FREE, CONCURRENCY, (stepsDone - started) / 1e9,
                        (System.nanoTime() - started) / 1e9);
                System.out.printf("SoakIT: kept by failed deletes then swept: %d%n", swept.size());
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
        // 2 s: a hung runtime costs its whole timeout, and a busy machine must not time out a healthy one.
        ObjectNode request = mapper.createObjectNode().put("action", "customCode").put("timeoutSeconds", 2);
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

    /** Without faults every step creates, runs, answers and deletes its function. */
    private static void assertAllSucceeded(String when, List<Outcome> outcomes) {
        for (Outcome outcome : outcomes) {
            String context = when + ", step " + outcome.n() + ": " + outcome;
            assertNull(outcome.error(), context);
            JsonNode data = outcome.data();
            assertEquals("true", data.get("functionWasCreated").asText(), context);
            assertEquals("true", data.get("functionWasInvoked").asText(), context);
            assertEquals("true", data.get("functionWasDeleted").asText(), context);
            assertTrue(data.get("invokeFunctionError").isNull(), context);
            assertEquals(outcome.n(), data.get("invokeResponsePayload").get("n").asInt(), context);
        }
    }

    /**
     * Each outcome's count against the chance the injected faults give it. Per call the service throttles
     * with the fault rate r, else answers 5xx with r; a delete then also fails with r; an invoke that reaches
     * the function crashes it with r, else hangs it with r. The gateway tries each control-plane call
     * {@code QUICK.maxAttempts()} times, so one fails for good with (fault chance)^attempts. An invoke runs
     * at most once: it is tried again only after a 429, so a 5xx on any try before one gets through fails
     * the step ({@code LambdaUnavailable}).
     */
    private static void assertOutcomesFitTheRates(List<Outcome> outcomes) {
        double r = FAULT_RATE;
        int attempts = QUICK.maxAttempts();
        double callFails = Math.pow(1 - (1 - r) * (1 - r), attempts);
        double deleteFails = Math.pow(1 - (1 - r) * (1 - r) * (1 - r), attempts);
        double invokeFails = Math.pow(r, attempts);
        for (int throttled = 0; throttled < attempts; throttled++) {
            invokeFails += Math.pow(r, throttled) * (1 - r) * r;
        }
        double reachInvoke = Math.pow(1 - callFails, MAX_CALLS_BEFORE_ANSWER);

        List<Outcome> invoked = outcomes.stream().filter(o -> o.data() != null
                && o.data().get("functionWasInvoked").asText().equals("true")).toList();
        long crashed = invoked.stream().filter(o -> errorType(o).equals("Runtime.ExitError")).count();
        long hung = invoked.stream().filter(o -> errorType(o).equals("Sandbox.Timedout")).count();
        long answered = invoked.stream().filter(o -> o.data().get("invokeFunctionError").isNull()).count();
        long failed = outcomes.stream().filter(o -> o.error() != null).count();
        List<Outcome> created = outcomes.stream().filter(o -> o.data() != null
                && o.data().get("functionWasCreated").asText().equals("true")).toList();
        long kept = created.stream().filter(o -> o.data().get("functionWasDeleted").asText().equals("false")).count();

        assertEquals(invoked.size(), crashed + hung + answered, "every invoked step answered, crashed or hung");
        assertFits("crashed runtimes (Runtime.ExitError) of invoked steps", crashed, invoked.size(), r, r);
        assertFits("hung runtimes (Sandbox.Timedout) of invoked steps", hung, invoked.size(), (1 - r) * r, (1 - r) * r);
        assertFits("answered invokes of invoked steps", answered, invoked.size(), (1 - r) * (1 - r), (1 - r) * (1 - r));
        assertFits("steps failed (Throttled, LambdaUnavailable: mostly an invoke's 5xx, not retried)", failed,
                outcomes.size(), reachInvoke * invokeFails, 1 - reachInvoke * (1 - invokeFails));
        assertFits("functions kept by failed deletes", kept, created.size(), 0, deleteFails);
    }

    /**
     * {@code observed} of {@code n} is within {@link #SIGMAS} binomial standard deviations of n times a chance
     * in [low, high] (plus 3, for counts so small that the normal approximation is poor).
     */
    private static void assertFits(String what, long observed, long n, double low, double high) {
        double min = n * low - SIGMAS * Math.sqrt(n * low * (1 - low));
        double max = n * high + SIGMAS * Math.sqrt(n * high * (1 - high)) + 3;
        System.out.printf("SoakIT: %s: %d of %d, expected %.1f to %.1f%n", what, observed, n, min, max);
        assertTrue(observed >= min && observed <= max, what + ": " + observed + " of " + n + " is outside "
                + String.format("%.1f to %.1f", min, max) + " for the injected rate of " + FAULT_RATE);
    }

    private static String errorType(Outcome outcome) {
        return outcome.data().get("invokeFunctionError").isNull() ? ""
                : outcome.data().get("invokeResponsePayload").path("errorType").asText();
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
            // A spare runs in a sandbox: bwrap, its namespace's init and the interpreter all belong to it.
            List<ProcessHandle> spares = new java.util.ArrayList<>(service.spareRuntimeProcesses());
            spares.addAll(spares.stream().flatMap(ProcessHandle::descendants).toList());
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
