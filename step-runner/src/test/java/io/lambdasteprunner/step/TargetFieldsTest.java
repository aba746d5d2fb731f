package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code region}, {@code assumeRoleArn} and {@code externalId} as requests write them, and ALLOWED_ASSUME_ROLE_ARNS. */
class TargetFieldsTest {

    private static final String ROLE = "arn:aws:iam::222222222222:role/runbook-steps";
    private final ObjectMapper mapper = new ObjectMapper();

    private RunnerRequest parse(String json) throws Exception {
        return new StepRequestParser().parseRequest(mapper.readTree(json));
    }

    private StepFailure refused(String json) {
        return assertThrows(StepFailure.class, () -> parse(json));
    }

    @Nested
    class Requests {

        @Test
        void anInvokeNamesItsTarget() throws Exception {
            RunnerRequest request = parse("""
                    {"action": "invoke", "functionName": "f", "region": "eu-north-1",
                     "assumeRoleArn": "%s", "externalId": "rundeck-ops"}""".formatted(ROLE));

            assertEquals(new TargetAccount("eu-north-1", ROLE, "rundeck-ops"), request.target());
        }

        @Test
        void variablesExpandInTheTargetFields() throws Exception {
            RunnerRequest request = parse("""
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1",
                     "variables": {"option": {"account": "333333333333", "region": "sa-east-1", "ticket": "INC-42"}},
                     "region": "${option.region}", "assumeRoleArn": "arn:aws:iam::${option.account}:role/steps",
                     "externalId": "ext-${option.ticket}"}""");

            assertEquals(new TargetAccount("sa-east-1", "arn:aws:iam::333333333333:role/steps", "ext-INC-42"),
                    request.target());
        }

        @Test
        void aSweepMayNameAnotherAccountOrRegion() throws Exception {
            RunnerRequest request = parse("""
                    {"action": "sweep", "region": "us-west-2", "assumeRoleArn": "%s"}""".formatted(ROLE));

            assertEquals(new SweepRequest(new TargetAccount("us-west-2", ROLE, null)), request);
        }

        @Test
        void withoutTargetFieldsTheRequestActsInTheRunnersOwn() throws Exception {
            assertEquals(TargetAccount.RUNNERS_OWN, parse("""
                    {"action": "invoke", "functionName": "f"}""").target());
            assertEquals(new SweepRequest(), parse("""
                    {"action": "sweep"}"""));
        }
    }

    @Nested
    class BadTargets {

        @ParameterizedTest
        @ValueSource(strings = {
                "\"region\": \"Europe\"",
                "\"assumeRoleArn\": \"arn:aws:iam::2222:role/x\"",
                "\"externalId\": \"x\"",
                "\"assumeRoleArn\": \"" + ROLE + "\", \"externalId\": \"a\"",
                "\"assumeRoleArn\": \"" + ROLE + "\", \"externalId\": \"has space\"",
                "\"region\": 1"})
        void areInvalidStepRequestsBeforeAnyCall(String fields) {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", %s}""".formatted(fields));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
        }

        @Test
        void aFunctionArnOfAnotherRegionThanRegionIsRefused() {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "arn:aws:lambda:us-east-1:222222222222:function:f",
                     "region": "eu-west-1"}""");

            assertTrue(failure.getMessage().contains("give the region once"), failure.getMessage());
        }
    }

    @Nested
    class AssumableRoles {

        @Test
        void areReadFromTheEnvironment() {
            StepConfig config = StepConfig.fromEnvironment(Map.of("ALLOWED_ASSUME_ROLE_ARNS",
                    ROLE + ", arn:aws:iam::111111111111:role/runbook-*"));

            assertEquals(List.of(ROLE, "arn:aws:iam::111111111111:role/runbook-*"), config.allowedAssumeRoleArns());
            assertEquals(List.of(), StepConfig.fromEnvironment(Map.of()).allowedAssumeRoleArns());
        }

        @ParameterizedTest
        @ValueSource(strings = {"arn:aws:iam::222222222222:role/*", "arn:aws:iam::222222222222:role*", "*",
                "arn:aws:iam::222222222222:user/x"})
        void entriesThatAllowEveryRoleOrAreNoRoleAreRefusedAtStartUp(String entry) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> StepConfig.fromEnvironment(Map.of("ALLOWED_ASSUME_ROLE_ARNS", entry)));

            assertTrue(refused.getMessage().startsWith("ALLOWED_ASSUME_ROLE_ARNS "), refused.getMessage());
        }
    }
}
