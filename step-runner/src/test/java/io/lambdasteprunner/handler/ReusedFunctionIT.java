package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.local.LocalLambdaExtension;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.ReusableFunctions;
import io.lambdasteprunner.step.SimulatedClock;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepListener;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepResult;
import io.lambdasteprunner.step.StepRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code "reuse": true} on the real local Lambda service. Each {@link StepRunner} stands for one
 * container of the step runner, so several of them are several containers sharing one account.
 */
class ReusedFunctionIT {

    @RegisterExtension
    static final LocalLambdaExtension local = new LocalLambdaExtension();

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final StepConfig CONFIG = new StepConfig(ROLE, List.of("arn:aws:iam::000000000000:role/runbook-*"),
            null, "lambda-step-runner");
    private static final String PYTHON = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"reuse\":true,"
            + "\"code\":\"def lambda_handler(event, context):\\n    return {'got': event}\\n\",\"payload\":{\"n\":1}";

    private final ObjectMapper mapper = new ObjectMapper();
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-11-24T09:00:00Z"));

    @AfterEach
    void deleteFunctions() {
        for (FunctionConfiguration function : local.lambda().listFunctions().functions()) {
            local.lambda().deleteFunction(r -> r.functionName(function.functionName()));
        }
    }

    private StepRunner container() {
        return container(CONFIG);
    }

    private StepRunner container(StepConfig config) {
        return new StepRunner(new SdkLambdaGateway(local.lambda()), config, StepListener.NONE, mapper, clock,
                new Random());
    }

    private StepResult run(StepRunner runner, String json) throws Exception {
        StepRequest request = new StepRequestParser().parse(mapper.readTree(json));
        return runner.run(request, Deadline.after(Duration.ofSeconds(60), Clock.systemUTC()));
    }

    private List<String> functionNames() {
        return local.lambda().listFunctions().functions().stream().map(FunctionConfiguration::functionName).toList();
    }

    private Map<String, String> tags(String name) {
        return local.lambda().getFunction(r -> r.functionName(name)).tags();
    }

    @Test
    void shouldReuseTheSameFunctionForTheSameDefinitionAndNeverDeleteIt() throws Exception {
        StepRunner runner = container();

        StepResult first = run(runner, PYTHON + "}");
        StepResult second = run(runner, PYTHON.replace("\"n\":1", "\"n\":2") + "}");
        StepResult otherContainer = run(container(), PYTHON + "}");

        assertEquals(first.functionName(), second.functionName());
        assertEquals(first.functionName(), otherContainer.functionName());
        assertTrue(first.functionName().startsWith("rundeck-generated-function-reuse-"), first.functionName());
        assertTrue(first.functionWasCreated());
        assertFalse(second.functionWasCreated());
        assertFalse(otherContainer.functionWasCreated());
        assertFalse(first.functionWasDeleted() || second.functionWasDeleted() || otherContainer.functionWasDeleted());
        assertEquals("{\"got\": {\"n\": 1}}", first.invokeResponsePayloadString());
        assertEquals("{\"got\": {\"n\": 2}}", second.invokeResponsePayloadString());
        assertEquals(List.of(first.functionName()), functionNames());
        Map<String, String> tags = tags(first.functionName());
        assertEquals(64, tags.get(ReusableFunctions.DEFINITION_TAG).length());
        assertEquals("2026-11-24T09:00:00Z", tags.get(ReusableFunctions.LAST_USED_TAG));
        assertEquals("2026-11-24T09:00:00Z", tags.get(StepRunner.CREATED_TAG));
        assertEquals("false", first.toJson().get("data").get("functionWasDeleted").asText());
    }

    @Test
    void shouldCreateANewFunctionWhenAnythingInTheDefinitionChanges() throws Exception {
        StepRunner runner = container();
        List<String> variants = List.of(
                PYTHON + "}",
                PYTHON.replace("'got'", "'had'") + "}",
                PYTHON.replace("python3.12", "python3.13") + "}",
                PYTHON.replace("lambda_handler(", "main(") + ",\"handler\":\"main\"}",
                PYTHON + ",\"roleArn\":\"arn:aws:iam::000000000000:role/runbook-a\"}",
                PYTHON + ",\"memorySize\":256}",
                PYTHON + ",\"timeoutSeconds\":10}",
                PYTHON + ",\"environment\":{\"STAGE\":\"prod\"}}",
                PYTHON + ",\"environment\":{\"STAGE\":\"test\"}}",
                PYTHON + ",\"description\":\"disk check\"}",
                PYTHON + ",\"tags\":{\"team\":\"ops\"}}");
        Set<String> names = new HashSet<>();
        for (String variant : variants) {
            StepResult result = run(runner, variant);
            assertTrue(result.functionWasCreated(), variant);
            names.add(result.functionName());
        }
        StepResult otherPrefix = run(container(new StepConfig(ROLE, List.of(), "runbook-fns", "lambda-step-runner")),
                PYTHON + "}");
        names.add(otherPrefix.functionName());

        assertEquals(variants.size() + 1, names.size());
        assertEquals(names, new HashSet<>(functionNames()));
        // Lambda's defaults are part of the definition: naming them changes nothing.
        StepResult defaults = run(runner, PYTHON + ",\"memorySize\":128,\"timeoutSeconds\":3}");
        assertFalse(defaults.functionWasCreated());
    }

    @Test
    void shouldCreateExactlyOneFunctionWhenContainersUseANewDefinitionConcurrently() throws Exception {
        int containers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(containers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<StepResult>> results = new ArrayList<>();
            for (int i = 0; i < containers; i++) {
                StepRunner runner = container();
                Callable<StepResult> step = () -> {
                    start.await();
                    return run(runner, PYTHON + "}");
                };
                results.add(pool.submit(step));
            }
            start.countDown();
            Set<String> names = new HashSet<>();
            int created = 0;
            for (Future<StepResult> result : results) {
                StepResult step = result.get();
                names.add(step.functionName());
                created += step.functionWasCreated() ? 1 : 0;
                assertEquals("{\"got\": {\"n\": 1}}", step.invokeResponsePayloadString());
            }
            assertEquals(1, names.size());
            assertEquals(1, created);
            assertEquals(List.copyOf(names), functionNames());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldCreateTheFunctionAgainWhenItWasSweptSinceItsLastUse() throws Exception {
        StepRunner runner = container();
        StepResult first = run(runner, PYTHON + "}");
        local.lambda().deleteFunction(r -> r.functionName(first.functionName()));

        StepResult again = run(runner, PYTHON + "}");

        assertEquals(first.functionName(), again.functionName());
        assertTrue(again.functionWasCreated());
        assertEquals("{\"got\": {\"n\": 1}}", again.invokeResponsePayloadString());
    }

    @Test
    void shouldRefreshTheLastUsedTagOnlyWhenItIsOlderThanTheTouchInterval() throws Exception {
        StepRunner runner = container();
        String name = run(runner, PYTHON + "}").functionName();

        clock.advance(ReusableFunctions.TOUCH_INTERVAL.minusSeconds(1));
        run(runner, PYTHON + "}");
        assertEquals("2026-11-24T09:00:00Z", tags(name).get(ReusableFunctions.LAST_USED_TAG));

        clock.advance(Duration.ofSeconds(2));
        run(runner, PYTHON + "}");
        assertEquals("2026-11-24T09:05:01Z", tags(name).get(ReusableFunctions.LAST_USED_TAG));
        assertEquals("2026-11-24T09:00:00Z", tags(name).get(StepRunner.CREATED_TAG));
    }

    @Test
    void shouldRefuseAFunctionOfTheSameNameThatIsNotThisDefinition() throws Exception {
        String name = run(container(), PYTHON + "}").functionName();
        local.lambda().untagResource(r -> r.resource(local.lambda().getFunction(g -> g.functionName(name))
                .configuration().functionArn()).tagKeys(ReusableFunctions.DEFINITION_TAG));
        local.lambda().updateFunctionCode(r -> r.functionName(name).zipFile(software.amazon.awssdk.core.SdkBytes
                .fromByteArray(new io.lambdasteprunner.lambda.ZipPackager().zip("lambda_function.py",
                        "def lambda_handler(event, context):\n    return 'not mine'\n"))));

        StepFailure refused = assertThrows(StepFailure.class, () -> run(container(), PYTHON + "}"));

        assertEquals(StepError.FUNCTION_CONFLICT, refused.error());
        assertTrue(refused.getMessage().contains(name), refused.getMessage());
    }

    @Test
    void shouldRecogniseItsFunctionByCodeSha256WhenTheDefinitionTagIsGone() throws Exception {
        String name = run(container(), PYTHON + "}").functionName();
        local.lambda().untagResource(r -> r.resource(local.lambda().getFunction(g -> g.functionName(name))
                .configuration().functionArn()).tagKeys(ReusableFunctions.DEFINITION_TAG));

        StepResult reused = run(container(), PYTHON + "}");

        assertEquals(name, reused.functionName());
        assertFalse(reused.functionWasCreated());
    }

    @Test
    void shouldRefuseDeleteAfterExecutionTogetherWithReuse() {
        StepFailure refused = assertThrows(StepFailure.class,
                () -> run(container(), PYTHON + ",\"deleteAfterExecution\":true}"));
        assertEquals(StepError.INVALID_STEP_REQUEST, refused.error());
        assertEquals(List.of(), functionNames());
    }
}
