package io.lambdasteprunner.step;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The account and region a step names, checked before any AWS call. */
class TargetAccountTest {

    private static StepFailure refused(String region, String role, String externalId) {
        return assertThrows(StepFailure.class, () -> new TargetAccount(region, role, externalId));
    }

    @Nested
    class Region {
        @ParameterizedTest
        @ValueSource(strings = {"us-east-1", "eu-west-3", "ap-southeast-4", "us-gov-west-1", "cn-north-1", "il-central-1"})
        void acceptsRegionCodes(String region) {
            assertEquals(region, new TargetAccount(region, null, null).regionOr("us-east-1"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "US-EAST-1", "us-east", "useast1", "eu-west-1 ", "https://lambda.eu-west-1.amazonaws.com"})
        void refusesAnythingElseNamingTheField(String region) {
            StepFailure failure = refused(region, null, null);

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().startsWith("region '"), failure.getMessage());
        }

        @Test
        void defaultsToTheRunnersRegion() {
            assertEquals("eu-central-1", TargetAccount.RUNNERS_OWN.regionOr("eu-central-1"));
            assertTrue(TargetAccount.RUNNERS_OWN.isRunnersOwn());
        }
    }

    @Nested
    class AssumedRole {
        @Test
        void namesTheRolesAccount() {
            TargetAccount target = new TargetAccount(null, "arn:aws:iam::222233334444:role/runbooks/steps", "ticket-42");

            assertEquals("222233334444", target.roleAccount().orElseThrow());
        }

        @ParameterizedTest
        @ValueSource(strings = {"arn:aws:iam::2222:role/x", "arn:aws:iam::222233334444:user/x", "role/x",
                "arn:aws:lambda:us-east-1:222233334444:function:x"})
        void refusesWhatIsNotARoleArn(String role) {
            StepFailure failure = refused(null, role, null);

            assertTrue(failure.getMessage().startsWith("assumeRoleArn '"), failure.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"x", "has space", "semi;colon"})
        void refusesExternalIdsOutsideStsRule(String externalId) {
            StepFailure failure = refused(null, "arn:aws:iam::222233334444:role/steps", externalId);

            assertTrue(failure.getMessage().startsWith("externalId must be 2 to 1224 characters"), failure.getMessage());
        }

        @Test
        void refusesAnExternalIdOf1225Characters() {
            refused(null, "arn:aws:iam::222233334444:role/steps", "a".repeat(1225));
        }

        @Test
        void refusesAnExternalIdWithoutARole() {
            assertTrue(refused(null, null, "ticket-42").getMessage().startsWith("externalId goes with assumeRoleArn"));
        }
    }
}
