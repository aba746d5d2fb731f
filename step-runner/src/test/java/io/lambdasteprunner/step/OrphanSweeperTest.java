package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The orphan sweeper against an in-memory Lambda full of look-alikes. */
class OrphanSweeperTest {

    private static final Instant NOW = Instant.parse("2026-11-24T09:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String TAG = StepRunner.CREATED_TAG;
    private static final String OLD = NOW.minus(Duration.ofMinutes(61)).toString();
    private static final String YOUNG = NOW.minus(Duration.ofMinutes(59)).toString();

    private final FakeLambda lambda = new FakeLambda();
    private final StepConfig config = new StepConfig("arn:aws:iam::123456789012:role/step-default", List.of(), null, null);
    private final OrphanSweeper sweeper = OrphanSweeper.forConfig(lambda, config, CLOCK);

    private OrphanSweeper.SweepResult sweep() {
        return sweeper.sweep(Deadline.after(Duration.ofMinutes(5), CLOCK));
    }

    private static String generated(long millis) {
        return "rundeck-generated-function-" + millis + "-0123abcd";
    }

    @Test
    void shouldDeleteOnlyOldFunctionsWithOurTagAndOurGeneratedName() {
        // Given an old orphan of ours and every kind of look-alike
        String orphan = generated(1763950000000L);
        lambda.others.put(orphan, Map.of(TAG, OLD, "team", "ops"));
        lambda.others.put(generated(1763950000001L), Map.of(TAG, YOUNG));               // ours, but young
        lambda.others.put(generated(1763950000002L), Map.of("team", "ops"));            // our name, no tag
        lambda.others.put("rundeck-generated-function-1763950000003", Map.of());        // the Rundeck plugin's own
        lambda.others.put("rundeck-generated-function-keep", Map.of(TAG, OLD));         // tag, not our name shape
        lambda.others.put("payments-api", Map.of(TAG, OLD));                            // tag without prefix
        lambda.others.put("my-rundeck-generated-function-1763950000004-0123abcd", Map.of(TAG, OLD));
        lambda.others.put("other-prefix-1763950000005-0123abcd", Map.of(TAG, OLD));

        OrphanSweeper.SweepResult result = sweep();

        assertEquals(List.of(orphan), result.deleted());
        assertEquals(List.of(), result.failed());
        assertEquals(8, result.examined());
        assertEquals(3, result.candidates());
        assertTrue(result.complete());
        assertEquals(7, lambda.others.size());
        assertFalse(lambda.others.containsKey(orphan));
        // Only names of our shape had their tags read
        assertEquals(3, lambda.count("tags"));
    }

    @Test
    void shouldDeleteWhatAStepLeftBehindOnceItIsOldEnough() throws Exception {
        // Given a real step that kept its function (deleteAfterExecution false)
        StepRunner runner = new StepRunner(lambda, config, StepListener.NONE, new com.fasterxml.jackson.databind.ObjectMapper(),
                Clock.fixed(NOW.minus(Duration.ofHours(2)), ZoneOffset.UTC), new java.util.Random(3));
        StepResult kept = runner.run(new StepRequestParser().parse(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"deleteAfterExecution\":false,"
                        + "\"code\":\"def lambda_handler(e, c):\\n    return 1\\n\"}")),
                Deadline.after(Duration.ofSeconds(60), CLOCK));

        OrphanSweeper.SweepResult result = sweep();

        assertEquals(List.of(kept.functionName()), result.deleted());
        assertTrue(lambda.created.isEmpty());
    }

    @Test
    void shouldUseTheConfiguredPrefixAndAge() {
        OrphanSweeper custom = OrphanSweeper.forConfig(lambda, new StepConfig(null, List.of(), "ops-step", null)
                .withOrphanMaxAge(Duration.ofMinutes(30)), CLOCK);
        lambda.others.put("ops-step-1763950000000-0123abcd", Map.of(TAG, NOW.minus(Duration.ofMinutes(31)).toString()));
        lambda.others.put("ops-step-1763950000001-0123abcd", Map.of(TAG, NOW.minus(Duration.ofMinutes(29)).toString()));
        lambda.others.put(generated(1763950000000L), Map.of(TAG, OLD));

        OrphanSweeper.SweepResult result = custom.sweep(Deadline.after(Duration.ofMinutes(5), CLOCK));

        assertEquals(List.of("ops-step-1763950000000-0123abcd"), result.deleted());
    }

    @Test
    void shouldKeepAFunctionWhoseAgeCannotBeTold() {
        lambda.others.put(generated(1L), Map.of(TAG, "yesterday"));

        assertEquals(List.of(), sweep().deleted());
    }

    @Test
    void shouldReportWhatItCouldNotDeleteOrReadAndCarryOn() {
        lambda.others.put(generated(1L), Map.of(TAG, OLD));
        lambda.others.put(generated(2L), Map.of(TAG, OLD));
        lambda.tagFailures.put(generated(2L), new StepFailure(StepError.THROTTLED, "Rate Exceeded. (after 5 attempts)"));

        OrphanSweeper.SweepResult result = sweep();

        assertEquals(List.of(generated(1L)), result.deleted());
        assertEquals(1, result.failed().size());
        assertEquals(generated(2L), result.failed().get(0).functionName());
        assertEquals(StepError.THROTTLED, result.failed().get(0).error());
        JsonNode json = result.toJson().get("sweep");
        assertEquals("Throttled", json.get("failed").get(0).get("error").asText());
        assertEquals(generated(1L), json.get("deleted").get(0).asText());
    }

    @Test
    void shouldReportAFailedDeleteAndLeaveTheFunctionForTheNextSweep() {
        lambda.others.put(generated(1L), Map.of(TAG, OLD));
        lambda.deleteFailure = new StepFailure(StepError.LAMBDA_UNAVAILABLE, "ServiceException (after 5 attempts)");

        OrphanSweeper.SweepResult result = sweep();

        assertEquals(List.of(), result.deleted());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, result.failed().get(0).error());
        assertTrue(lambda.others.containsKey(generated(1L)));
    }

    @Test
    void shouldStopAtTheDeadlineAndSaySo() {
        lambda.others.put(generated(1L), Map.of(TAG, OLD));

        OrphanSweeper.SweepResult result = sweeper.sweep(Deadline.after(Duration.ofSeconds(1), CLOCK));

        assertFalse(result.complete());
        assertEquals(List.of(), result.deleted());
    }

    @Test
    void shouldFailWithTheNamedErrorWhenFunctionsCannotBeListed() {
        FakeLambda down = new FakeLambda();
        down.listFailure = new StepFailure(StepError.LAMBDA_ACCESS_DENIED, "not authorized to perform lambda:ListFunctions");

        StepFailure failure = assertThrows(StepFailure.class, () -> OrphanSweeper.forConfig(down, config, CLOCK)
                .sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)));

        assertEquals(StepError.LAMBDA_ACCESS_DENIED, failure.error());
    }

    @Test
    void shouldDeleteKeptFunctionsOnlyWhenIdleLongerThanTheAge() {
        // Given functions kept on purpose (e.g. reusable ones), named <prefix>-reuse-<hex>, with a last-used tag
        OrphanSweeper.Rule idle = OrphanSweeper.idleLongerThan(name -> name.matches("rundeck-generated-function-reuse-[0-9a-f]{24}"),
                "lambda-step-runner:last-used", Duration.ofMinutes(60));
        OrphanSweeper both = new OrphanSweeper(lambda, List.of(
                OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofMinutes(60)), idle), CLOCK);
        String idleOne = "rundeck-generated-function-reuse-0123456789abcdef01234567";
        String busyOne = "rundeck-generated-function-reuse-0123456789abcdef0123456a";
        String neverTouched = "rundeck-generated-function-reuse-0123456789abcdef0123456b";
        String notOurs = "rundeck-generated-function-reuse-0123456789abcdef0123456c";
        lambda.others.put(idleOne, Map.of(TAG, OLD, "lambda-step-runner:last-used", OLD));
        lambda.others.put(busyOne, Map.of(TAG, NOW.minus(Duration.ofDays(3)).toString(),
                "lambda-step-runner:last-used", YOUNG));
        lambda.others.put(neverTouched, Map.of(TAG, OLD));
        lambda.others.put(notOurs, Map.of("lambda-step-runner:last-used", OLD));

        // Then the generated rule alone leaves them all alone
        OrphanSweeper generatedOnly = new OrphanSweeper(lambda,
                List.of(OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofMinutes(60))), CLOCK);
        assertEquals(List.of(), generatedOnly.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted());

        // And with the idle rule, only the idle ones of ours go
        List<String> deleted = both.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted();
        assertEquals(2, deleted.size(), deleted.toString());
        assertTrue(deleted.containsAll(List.of(idleOne, neverTouched)));
        assertTrue(lambda.others.containsKey(busyOne) && lambda.others.containsKey(notOurs));
    }

    @Test
    void shouldSweepIdleReusableFunctionsInADeployment() {
        String idleOne = "rundeck-generated-function-reuse-0123456789abcdef01234567";
        String busyOne = "rundeck-generated-function-reuse-0123456789abcdef0123456a";
        lambda.others.put(idleOne, Map.of(TAG, OLD, ReusableFunctions.DEFINITION_TAG, "ab",
                ReusableFunctions.LAST_USED_TAG, OLD));
        lambda.others.put(busyOne, Map.of(TAG, OLD, ReusableFunctions.DEFINITION_TAG, "cd",
                ReusableFunctions.LAST_USED_TAG, YOUNG));

        assertEquals(List.of(idleOne), sweep().deleted());
    }

    @Test
    void shouldTakeMoreRulesForOtherKindsOfFunctions() {
        // A later kind of function (e.g. reusable ones, due when idle) is one more rule beside the first.
        OrphanSweeper.Rule idle = new OrphanSweeper.Rule() {
            @Override
            public boolean mayConcern(LambdaGateway.FunctionSummary function) {
                return function.functionName().startsWith("reusable-");
            }

            @Override
            public Optional<String> due(LambdaGateway.FunctionSummary function, Map<String, String> tags, Instant now) {
                return Optional.ofNullable(tags.get("idle")).map(value -> "idle");
            }
        };
        OrphanSweeper both = new OrphanSweeper(lambda, List.of(
                OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofHours(1)), idle), CLOCK);
        lambda.others.put("reusable-a", Map.of("idle", "yes"));
        lambda.others.put("reusable-b", Map.of());
        lambda.others.put(generated(1L), Map.of(TAG, OLD));

        List<String> deleted = both.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted();

        assertEquals(2, deleted.size());
        assertTrue(deleted.containsAll(List.of("reusable-a", generated(1L))));
    }
}
