package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

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

    private final StepConfig config = new StepConfig("arn:aws:iam::123456789012:role/step-default", List.of(), null, null);

    private OrphanSweeper.SweepResult sweep(FakeLambda lambda) {
        return OrphanSweeper.forConfig(lambda, config, CLOCK).sweep(Deadline.after(Duration.ofMinutes(5), CLOCK));
    }

    private static String generated(long millis) {
        return "rundeck-generated-function-" + millis + "-0123abcd";
    }

    @Test
    void shouldDeleteOnlyOldFunctionsWithOurTagAndOurGeneratedName() {
        // Given an old orphan of ours and every kind of look-alike
        String orphan = generated(1763950000000L);
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction(orphan, Map.of(TAG, OLD, "team", "ops"))
                .foreignFunction(generated(1763950000001L), Map.of(TAG, YOUNG))               // ours, but young
                .foreignFunction(generated(1763950000002L), Map.of("team", "ops"))            // our name, no tag
                .foreignFunction("rundeck-generated-function-1763950000003", Map.of())        // the Rundeck plugin's own
                .foreignFunction("rundeck-generated-function-keep", Map.of(TAG, OLD))         // tag, not our name shape
                .foreignFunction("payments-api", Map.of(TAG, OLD))                            // tag without prefix
                .foreignFunction("my-rundeck-generated-function-1763950000004-0123abcd", Map.of(TAG, OLD))
                .foreignFunction("other-prefix-1763950000005-0123abcd", Map.of(TAG, OLD))
                .build();

        OrphanSweeper.SweepResult result = sweep(lambda);

        assertEquals(List.of(orphan), result.deleted());
        assertEquals(List.of(), result.failed());
        assertEquals(8, result.examined());
        assertEquals(3, result.candidates());
        assertTrue(result.complete());
        assertEquals(7, lambda.functionNames().size());
        assertFalse(lambda.functionNames().contains(orphan));
        // Only names of our shape had their tags read
        assertEquals(3, lambda.count("tags"));
    }

    @Test
    void shouldDeleteWhatAStepLeftBehindOnceItIsOldEnough() throws Exception {
        // Given a real step two hours ago that kept its function (deleteAfterExecution false)
        FakeLambda lambda = FakeLambda.builder().pendingPolls(0).build();
        ObjectMapper mapper = new ObjectMapper();
        StepRunner runner = new StepRunner(lambda, config, StepListener.NONE, mapper,
                Clock.fixed(NOW.minus(Duration.ofHours(2)), ZoneOffset.UTC), new Random(3));
        StepResult kept = runner.run(new StepRequestParser().parse(mapper.readTree("""
                        {"action": "customCode", "runtime": "python3.12", "deleteAfterExecution": false,
                         "code": "def lambda_handler(e, c):\\n    return 1\\n"}""")),
                Deadline.after(Duration.ofSeconds(60), CLOCK));

        OrphanSweeper.SweepResult result = sweep(lambda);

        assertEquals(List.of(kept.functionName()), result.deleted());
        assertTrue(lambda.createdFunctions().isEmpty());
    }

    @Test
    void shouldUseTheConfiguredPrefixAndAge() {
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction("ops-step-1763950000000-0123abcd", Map.of(TAG, NOW.minus(Duration.ofMinutes(31)).toString()))
                .foreignFunction("ops-step-1763950000001-0123abcd", Map.of(TAG, NOW.minus(Duration.ofMinutes(29)).toString()))
                .foreignFunction(generated(1763950000000L), Map.of(TAG, OLD))
                .build();
        OrphanSweeper custom = OrphanSweeper.forConfig(lambda, new StepConfig(null, List.of(), "ops-step", null)
                .withOrphanMaxAge(Duration.ofMinutes(30)), CLOCK);

        OrphanSweeper.SweepResult result = custom.sweep(Deadline.after(Duration.ofMinutes(5), CLOCK));

        assertEquals(List.of("ops-step-1763950000000-0123abcd"), result.deleted());
    }

    @Test
    void shouldKeepAFunctionWhoseAgeCannotBeTold() {
        FakeLambda lambda = FakeLambda.builder().foreignFunction(generated(1L), Map.of(TAG, "yesterday")).build();

        assertEquals(List.of(), sweep(lambda).deleted());
    }

    @Test
    void shouldReportWhatItCouldNotDeleteOrReadAndCarryOn() {
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction(generated(1L), Map.of(TAG, OLD))
                .foreignFunction(generated(2L), Map.of(TAG, OLD))
                .failingTags(generated(2L), new StepFailure(StepError.THROTTLED, "Rate Exceeded. (after 5 attempts)"))
                .build();

        OrphanSweeper.SweepResult result = sweep(lambda);

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
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction(generated(1L), Map.of(TAG, OLD))
                .failing(FakeLambda.Call.DELETE, new StepFailure(StepError.LAMBDA_UNAVAILABLE,
                        "ServiceException (after 5 attempts)"))
                .build();

        OrphanSweeper.SweepResult result = sweep(lambda);

        assertEquals(List.of(), result.deleted());
        assertEquals(StepError.LAMBDA_UNAVAILABLE, result.failed().get(0).error());
        assertTrue(lambda.functionNames().contains(generated(1L)));
    }

    @Test
    void shouldStopAtTheDeadlineAndSaySo() {
        FakeLambda lambda = FakeLambda.builder().foreignFunction(generated(1L), Map.of(TAG, OLD)).build();

        OrphanSweeper.SweepResult result = OrphanSweeper.forConfig(lambda, config, CLOCK)
                .sweep(Deadline.after(Duration.ofSeconds(1), CLOCK));

        assertFalse(result.complete());
        assertEquals(List.of(), result.deleted());
    }

    @Test
    void shouldFailWithTheNamedErrorWhenFunctionsCannotBeListed() {
        FakeLambda down = FakeLambda.builder().failing(FakeLambda.Call.LIST,
                new StepFailure(StepError.LAMBDA_ACCESS_DENIED, "not authorized to perform lambda:ListFunctions")).build();

        StepFailure failure = assertThrows(StepFailure.class, () -> OrphanSweeper.forConfig(down, config, CLOCK)
                .sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)));

        assertEquals(StepError.LAMBDA_ACCESS_DENIED, failure.error());
    }

    @Test
    void shouldDeleteKeptFunctionsOnlyWhenIdleLongerThanTheAge() {
        // Given functions kept on purpose (e.g. reusable ones), named <prefix>-reuse-<hex>, with a last-used tag
        String idleOne = "rundeck-generated-function-reuse-0123456789abcdef01234567";
        String busyOne = "rundeck-generated-function-reuse-0123456789abcdef0123456a";
        String neverTouched = "rundeck-generated-function-reuse-0123456789abcdef0123456b";
        String notOurs = "rundeck-generated-function-reuse-0123456789abcdef0123456c";
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction(idleOne, Map.of(TAG, OLD, "lambda-step-runner:last-used", OLD))
                .foreignFunction(busyOne, Map.of(TAG, NOW.minus(Duration.ofDays(3)).toString(),
                        "lambda-step-runner:last-used", YOUNG))
                .foreignFunction(neverTouched, Map.of(TAG, OLD))
                .foreignFunction(notOurs, Map.of("lambda-step-runner:last-used", OLD))
                .build();
        OrphanSweeper.Rule idle = OrphanSweeper.idleLongerThan(name -> name.matches("rundeck-generated-function-reuse-[0-9a-f]{24}"),
                "lambda-step-runner:last-used", Duration.ofMinutes(60));
        OrphanSweeper both = new OrphanSweeper(lambda, List.of(
                OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofMinutes(60)), idle), CLOCK);

        // Then the generated rule alone leaves them all alone
        OrphanSweeper generatedOnly = new OrphanSweeper(lambda,
                List.of(OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofMinutes(60))), CLOCK);
        assertEquals(List.of(), generatedOnly.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted());

        // And with the idle rule, only the idle ones of ours go
        List<String> deleted = both.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted();
        assertEquals(2, deleted.size(), deleted.toString());
        assertTrue(deleted.containsAll(List.of(idleOne, neverTouched)));
        assertTrue(lambda.functionNames().containsAll(List.of(busyOne, notOurs)));
    }

    @Test
    void shouldSweepIdleReusableFunctionsInADeployment() {
        String idleOne = "rundeck-generated-function-reuse-0123456789abcdef01234567";
        String busyOne = "rundeck-generated-function-reuse-0123456789abcdef0123456a";
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction(idleOne, Map.of(TAG, OLD, ReusableFunctions.DEFINITION_TAG, "ab",
                        ReusableFunctions.LAST_USED_TAG, OLD))
                .foreignFunction(busyOne, Map.of(TAG, OLD, ReusableFunctions.DEFINITION_TAG, "cd",
                        ReusableFunctions.LAST_USED_TAG, YOUNG))
                .build();

        assertEquals(List.of(idleOne), sweep(lambda).deleted());
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
        FakeLambda lambda = FakeLambda.builder()
                .foreignFunction("reusable-a", Map.of("idle", "yes"))
                .foreignFunction("reusable-b", Map.of())
                .foreignFunction(generated(1L), Map.of(TAG, OLD))
                .build();
        OrphanSweeper both = new OrphanSweeper(lambda, List.of(
                OrphanSweeper.generatedOlderThan(StepConfig.DEFAULT_PREFIX, Duration.ofHours(1)), idle), CLOCK);

        List<String> deleted = both.sweep(Deadline.after(Duration.ofMinutes(1), CLOCK)).deleted();

        assertEquals(2, deleted.size());
        assertTrue(deleted.containsAll(List.of("reusable-a", generated(1L))));
    }

    @Test
    void shouldKeepTheReportWithinTheResultBoundAndCountEverything() {
        // Given a sweep that deleted 5,000 functions and failed on 100
        List<String> deleted = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            deleted.add(generated(1763950000000L + i));
        }
        List<OrphanSweeper.SweepResult.Failure> failed = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            failed.add(new OrphanSweeper.SweepResult.Failure(generated(1763960000000L + i), StepError.THROTTLED,
                    "Rate exceeded"));
        }
        OrphanSweeper.SweepResult result = new OrphanSweeper.SweepResult(6000, 5100, deleted, failed, true);

        // When it is reported within 32 KiB
        JsonNode report = result.toJson(32 * 1024).get("sweep");

        // Then it fits, counts all, lists every failure first and as many deletions as fit, in order
        assertTrue(result.toJson(32 * 1024).toString().length() <= 32 * 1024);
        assertEquals(5000, report.get("deletedCount").asInt());
        assertEquals(100, report.get("failedCount").asInt());
        assertTrue(report.get("listsShortened").asBoolean());
        assertEquals(100, report.get("failed").size());
        int listed = report.get("deleted").size();
        assertTrue(listed > 100 && listed < 5000, "listed " + listed);
        assertEquals(deleted.get(listed - 1), report.get("deleted").get(listed - 1).asText());
        // and no more room was left than one more name takes
        assertTrue(result.toJson(32 * 1024).toString().length() > 32 * 1024 - 64);
    }

    @Test
    void shouldListEveryNameWhenTheReportFits() {
        OrphanSweeper.SweepResult result = new OrphanSweeper.SweepResult(3, 1, List.of(generated(1L)), List.of(), true);

        JsonNode report = result.toJson(32 * 1024).get("sweep");

        assertEquals(1, report.get("deleted").size());
        assertEquals(1, report.get("deletedCount").asInt());
        assertFalse(report.has("listsShortened"));
    }
}
