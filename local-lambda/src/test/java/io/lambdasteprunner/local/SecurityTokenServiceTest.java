package io.lambdasteprunner.local;

import io.lambdasteprunner.local.SecurityTokenService.Answer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** STS's AssumeRole and GetCallerIdentity as AWS answers them (query protocol, XML). */
class SecurityTokenServiceTest {

    private static final String ROLE = "arn:aws:iam::222233334444:role/runbooks/step-target";
    private static final Instant NOW = Instant.parse("2026-11-29T20:00:00Z");

    private final AccessKeys keys = new AccessKeys("000000000000");
    private final SecurityTokenService sts = new SecurityTokenService(keys,
            new RoleTrust(Map.of("arn:aws:iam::555566667777:role/needs-id", "ticket-42"),
                    Set.of("arn:aws:iam::555566667777:role/trusts-nobody")),
            Clock.fixed(NOW, ZoneOffset.UTC));

    private Answer assumeRole(Map<String, String> fields) {
        var form = new java.util.HashMap<>(Map.of("Action", "AssumeRole", "Version", "2011-06-15"));
        form.putAll(fields);
        return sts.handle(form, "AKIAIOSFODNN7EXAMPLE");
    }

    private static String element(String xml, String name) {
        Matcher matcher = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        return matcher.find() ? matcher.group(1) : null;
    }

    @Nested
    class Accounts {
        @Test
        void twelveDigitKeyIsThatAccount() {
            assertEquals("111122223333", keys.accountOf("111122223333", NOW));
        }

        @Test
        void anyOtherKeyIsTheDefaultAccount() {
            assertEquals("000000000000", keys.accountOf("AKIAIOSFODNN7EXAMPLE", NOW));
            assertEquals("000000000000", keys.accountOf("test", NOW));
            assertEquals("000000000000", keys.accountOf(null, NOW));
        }

        @Test
        void issuedKeyIsTheRolesAccountUntilItExpires() {
            String key = element(assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "step-1")).xml(), "AccessKeyId");

            assertEquals("222233334444", keys.accountOf(key, NOW));
            assertEquals("000000000000", keys.accountOf(key, NOW.plus(Duration.ofHours(1))));
        }
    }

    @Nested
    class AssumeRole {
        @Test
        void answersTemporaryCredentialsForTheRolesAccount() {
            // When
            Answer answer = assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "lambda-step-runner-exec-1",
                    "DurationSeconds", "900"));

            // Then
            assertEquals(200, answer.status());
            assertTrue(answer.xml().startsWith("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<AssumeRoleResult><Credentials>"), answer.xml());
            assertTrue(element(answer.xml(), "AccessKeyId").matches("ASIA[A-Z2-7]{16}"));
            assertEquals("2026-11-29T20:15:00Z", element(answer.xml(), "Expiration"));
            assertEquals("arn:aws:sts::222233334444:assumed-role/step-target/lambda-step-runner-exec-1",
                    element(answer.xml(), "Arn"));
            assertTrue(element(answer.xml(), "AssumedRoleId").matches("AROA[A-Z2-7]{17}:lambda-step-runner-exec-1"));
        }

        @Test
        void refusesASessionNameOutsideStsPattern() {
            Answer answer = assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "Session1:2"));

            assertEquals(400, answer.status());
            assertEquals("ValidationError", element(answer.xml(), "Code"));
            assertEquals("1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy "
                    + "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", element(answer.xml(), "Message"));
        }

        @Test
        void refusesAMalformedRoleArn() {
            Answer answer = assumeRole(Map.of("RoleArn", "nothing-valid-in-here", "RoleSessionName", "s1"));

            assertEquals(400, answer.status());
            assertEquals("nothing-valid-in-here is invalid", element(answer.xml(), "Message"));
        }

        @Test
        void refusesExternalIdsAndDurationsOutsideStsLimits() {
            assertEquals(400, assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "s1", "ExternalId", "x")).status());
            assertEquals(400, assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "s1", "ExternalId", "a b")).status());
            assertEquals(400, assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "s1", "DurationSeconds", "899")).status());
            assertEquals(400, assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "s1", "DurationSeconds", "x")).status());
        }

        @Test
        void deniesWhatTheTrustPolicyDenies() {
            Answer nobody = assumeRole(Map.of("RoleArn", "arn:aws:iam::555566667777:role/trusts-nobody",
                    "RoleSessionName", "s1"));
            Answer wrongId = assumeRole(Map.of("RoleArn", "arn:aws:iam::555566667777:role/needs-id",
                    "RoleSessionName", "s1", "ExternalId", "ticket-41"));
            Answer rightId = assumeRole(Map.of("RoleArn", "arn:aws:iam::555566667777:role/needs-id",
                    "RoleSessionName", "s1", "ExternalId", "ticket-42"));

            assertEquals(403, nobody.status());
            assertEquals("AccessDenied", element(nobody.xml(), "Code"));
            assertEquals("User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on "
                    + "resource: arn:aws:iam::555566667777:role/trusts-nobody", element(nobody.xml(), "Message"));
            assertEquals(403, wrongId.status());
            assertEquals(200, rightId.status());
        }
    }

    @Nested
    class CallerIdentity {
        @Test
        void namesTheAssumedRoleSession() {
            String key = element(assumeRole(Map.of("RoleArn", ROLE, "RoleSessionName", "step-1")).xml(), "AccessKeyId");

            Answer answer = sts.handle(Map.of("Action", "GetCallerIdentity", "Version", "2011-06-15"), key);

            assertEquals("222233334444", element(answer.xml(), "Account"));
            assertEquals("arn:aws:sts::222233334444:assumed-role/step-target/step-1", element(answer.xml(), "Arn"));
        }

        @Test
        void namesTheAccountOfAPlainKey() {
            Answer answer = sts.handle(Map.of("Action", "GetCallerIdentity", "Version", "2011-06-15"), "111122223333");

            assertEquals("111122223333", element(answer.xml(), "Account"));
            assertEquals("arn:aws:iam::111122223333:root", element(answer.xml(), "Arn"));
        }
    }

    @Test
    void namesTheActionsItAnswersForAnyOther() {
        Answer answer = sts.handle(Map.of("Action", "GetSessionToken", "Version", "2011-06-15"), null);

        assertEquals(400, answer.status());
        assertEquals("InvalidAction", element(answer.xml(), "Code"));
        assertTrue(element(answer.xml(), "Message").contains("AssumeRole and GetCallerIdentity"));
    }
}
