package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps that act in another account or region: which gateway each uses, and every refusal before any AWS call
 * (no gateway asked for, no call recorded).
 */
class CrossAccountStepsTest {

    private static final String RUNNER_ARN = "arn:aws:lambda:eu-west-1:111111111111:function:lambda-step-runner";
    private static final String DEFAULT_ROLE = "arn:aws:iam::111111111111:role/step-default";
    private static final String OPS_ROLE = "arn:aws:iam::222222222222:role/runbook-steps";
    private static final String OPS_EXECUTION_ROLE = "arn:aws:iam::222222222222:role/runbook-functions";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);
    private static final RunnerInvocation SELF = new RunnerInvocation("req-1", RUNNER_ARN);

    private final ObjectMapper mapper = new ObjectMapper();
    /** One in-memory Lambda per target, and the targets asked for in order, with the session origin. */
    private final Map<TargetAccount, FakeLambda> lambdas = new LinkedHashMap<>();
    private final List<String> asked = new ArrayList<>();
    private final FakeLambda own = FakeLambda.builder().anyFunctionExists().build();

    private final LambdaGateways gateways = (target, origin) -> {
        asked.add(target.regionOr("eu-west-1") + "/" + target.assumeRoleArn() + "/" + target.externalId() + " as " + origin);
        return target.isRunnersOwn() ? own
                : lambdas.computeIfAbsent(target, t -> FakeLambda.builder().anyFunctionExists().build());
    };

    private StepRunner runner(List<String> assumable, List<String> executionRoles) {
        StepConfig config = new StepConfig(DEFAULT_ROLE, executionRoles, null, "lambda-step-runner")
                .withAllowedAssumeRoleArns(assumable);
        return new StepRunner(gateways, config, StepListener.NONE, mapper, CLOCK, new Random(7),
                ResultStore.NONE);
    }

    private StepResult run(StepRunner runner, String json) throws Exception {
        return runner.run(new StepRequestParser().parse(mapper.readTree(json)),
                Deadline.after(Duration.ofSeconds(60), CLOCK), 0, SELF);
    }

    private StepFailure refused(StepRunner runner, String json) {
        StepFailure failure = assertThrows(StepFailure.class, () -> run(runner, json));
        assertEquals(List.of(), asked, "no gateway may be asked for before the refusal");
        assertEquals(List.of(), own.calls());
        return failure;
    }

    @Nested
    class Gateways {

        @Test
        void aStepWithoutTargetUsesTheRunnersOwn() throws Exception {
            run(runner(List.of(), List.of()), """
                    {"action": "invoke", "functionName": "f"}""");

            assertEquals(List.of("eu-west-1/null/null as req-1"), asked);
            assertEquals(1, own.count("invoke"));
        }

        @Test
        void anotherRegionNeedsNoRole() throws Exception {
            run(runner(List.of(), List.of()), """
                    {"action": "invoke", "functionName": "f", "region": "us-east-2"}""");

            assertEquals(List.of("us-east-2/null/null as req-1"), asked);
            assertEquals(0, own.count("invoke"));
            assertEquals(1, lambdas.get(new TargetAccount("us-east-2", null, null)).count("invoke"));
        }

        @Test
        void anAssumedRoleActsInItsAccountWithTheDepthMarker() throws Exception {
            run(runner(List.of(OPS_ROLE), List.of()), """
                    {"action": "invoke", "functionName": "restart-service", "assumeRoleArn": "%s",
                     "externalId": "rundeck-ops", "variables": {"option": {"region": "ap-south-1"}},
                     "region": "${option.region}"}""".formatted(OPS_ROLE));

            assertEquals(List.of("ap-south-1/" + OPS_ROLE + "/rundeck-ops as req-1"), asked);
            FakeLambda ops = lambdas.get(new TargetAccount("ap-south-1", OPS_ROLE, "rundeck-ops"));
            assertTrue(ops.invocations().getFirst().clientContextJson().contains("\"lambdaStepRunnerDepth\":\"1\""));
        }

        @Test
        void aCustomCodeStepCreatesInvokesAndDeletesInTheTargetWithItsRole() throws Exception {
            StepResult result = run(runner(List.of(OPS_ROLE), List.of(OPS_EXECUTION_ROLE)), """
                    {"action": "customCode", "runtime": "python3.12", "assumeRoleArn": "%s", "roleArn": "%s",
                     "code": "def lambda_handler(event, context):\\n    return 1\\n"}""".formatted(OPS_ROLE, OPS_EXECUTION_ROLE));

            FakeLambda ops = lambdas.get(new TargetAccount(null, OPS_ROLE, null));
            assertEquals(OPS_EXECUTION_ROLE, ops.creations().getFirst().roleArn());
            assertEquals(1, ops.count("invoke"));
            assertEquals(1, ops.count("delete"));
            assertEquals("true", result.toJson().get("data").get("functionWasDeleted").asText());
            assertEquals(List.of(), own.calls());
        }
    }

    @Nested
    class Refusals {

        @Test
        void noRoleMayBeAssumedWhenTheListIsEmpty() {
            StepFailure failure = refused(runner(List.of(), List.of()), """
                    {"action": "invoke", "functionName": "f", "assumeRoleArn": "%s"}""".formatted(OPS_ROLE));

            assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
            assertTrue(failure.getMessage().contains("ALLOWED_ASSUME_ROLE_ARNS is empty"), failure.getMessage());
        }

        @Test
        void aRoleOffTheListIsRefusedWithoutNamingTheList() {
            StepFailure failure = refused(runner(List.of(OPS_ROLE), List.of()), """
                    {"action": "invoke", "functionName": "f",
                     "assumeRoleArn": "arn:aws:iam::222222222222:role/admin"}""");

            assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
            assertFalse(failure.getMessage().contains(OPS_ROLE), failure.getMessage());
        }

        @Test
        void aWildcardCoversOnlyTheRunnersOwnAccount() throws Exception {
            StepRunner runner = runner(List.of("arn:aws:iam::222222222222:role/runbook-*",
                    "arn:aws:iam::111111111111:role/runbook-*"), List.of());

            StepFailure failure = refused(runner, """
                    {"action": "invoke", "functionName": "f", "assumeRoleArn": "%s"}""".formatted(OPS_ROLE));
            assertTrue(failure.getMessage().contains("covers only the runner's own account"), failure.getMessage());

            run(runner, """
                    {"action": "invoke", "functionName": "f",
                     "assumeRoleArn": "arn:aws:iam::111111111111:role/runbook-reader"}""");
            assertEquals(1, asked.size());
        }

        @Test
        void aCustomCodeStepInAnotherAccountNeedsARoleOfThatAccount() {
            StepRunner runner = runner(List.of(OPS_ROLE), List.of(OPS_EXECUTION_ROLE));
            String step = """
                    {"action": "customCode", "runtime": "python3.12", "assumeRoleArn": "%s", %s
                     "code": "def lambda_handler(event, context):\\n    return 1\\n"}""";

            StepFailure none = refused(runner, step.formatted(OPS_ROLE, ""));
            assertEquals(StepError.INVALID_STEP_REQUEST, none.error());
            assertTrue(none.getMessage().contains("needs a roleArn of that account"), none.getMessage());

            StepFailure runners = refused(runner, step.formatted(OPS_ROLE, "\"roleArn\": \"" + DEFAULT_ROLE + "\","));
            assertEquals(StepError.INVALID_STEP_REQUEST, runners.error());
            assertTrue(runners.getMessage().contains("is of account 111111111111"), runners.getMessage());

            StepFailure unlisted = refused(runner, step.formatted(OPS_ROLE,
                    "\"roleArn\": \"arn:aws:iam::222222222222:role/other\","));
            assertEquals(StepError.ROLE_NOT_ALLOWED, unlisted.error());
        }

        @Test
        void theRunnerItselfIsRefusedInItsOwnAccountAndRegion() {
            StepRunner runner = runner(List.of(), List.of());

            assertEquals(StepError.RECURSION_REFUSED, refused(runner, """
                    {"action": "invoke", "functionName": "lambda-step-runner", "region": "eu-west-1"}""").error());
            assertEquals(StepError.RECURSION_REFUSED, refused(runner, """
                    {"action": "invoke", "functionName": "%s"}""".formatted(RUNNER_ARN)).error());
        }

        @Test
        void aFunctionNamedLikeTheRunnerElsewhereIsNotTheRunner() throws Exception {
            StepRunner runner = runner(List.of(OPS_ROLE), List.of());

            run(runner, """
                    {"action": "invoke", "functionName": "lambda-step-runner", "region": "us-east-1"}""");
            run(runner, """
                    {"action": "invoke", "functionName": "lambda-step-runner", "assumeRoleArn": "%s"}""".formatted(OPS_ROLE));

            assertEquals(2, asked.size());
        }

        @Test
        void aChainThroughOtherAccountsIsStillBounded() {
            StepRunner runner = runner(List.of(OPS_ROLE), List.of());

            StepFailure failure = assertThrows(StepFailure.class, () -> runner.run(new StepRequestParser().parse(
                    mapper.readTree("""
                            {"action": "invoke", "functionName": "f", "assumeRoleArn": "%s"}""".formatted(OPS_ROLE))),
                    Deadline.after(Duration.ofSeconds(60), CLOCK), StepConfig.DEFAULT_MAX_STEP_DEPTH, SELF));

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
            assertEquals(List.of(), asked);
        }
    }
}
