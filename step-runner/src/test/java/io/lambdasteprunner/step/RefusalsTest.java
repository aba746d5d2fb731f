package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every refusal of issue 5: a named error whose message says what to change, and not a single call to
 * Lambda before it (the fake records every call).
 */
class RefusalsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = FakeLambda.builder().function("f").function("other-runner").build();
    private final StepConfig config = new StepConfig(ROLE, List.of("arn:aws:iam::123456789012:role/runbook-*"), null,
            "lambda-step-runner");
    private final StepRunner runner = new StepRunner(lambda, config, StepListener.NONE, mapper, CLOCK, new Random(1));

    /** Runs the request as the {@code depth}-th step runner of a chain; it must be refused. */
    private StepFailure refused(String json, int depth) {
        return assertThrows(StepFailure.class, () -> runner.run(new StepRequestParser().parse(mapper.readTree(json)),
                Deadline.after(Duration.ofSeconds(60), CLOCK), depth));
    }

    private StepFailure refused(String json) {
        return refused(json, 0);
    }

    private static void assertNamed(StepFailure failure, StepError error, String fragment) {
        assertEquals(error, failure.error(), failure.getMessage());
        assertTrue(failure.getMessage().contains(fragment), "'" + failure.getMessage() + "' lacks '" + fragment + "'");
    }

    @AfterEach
    void lambdaWasNeverCalled() {
        assertEquals(List.of(), lambda.calls());
    }

    @Nested
    class Roles {

        @Test
        void shouldRefuseARoleOffTheAllowlist() {
            StepFailure failure = refused("""
                    {"action": "customCode", "runtime": "python3.12",
                     "code": "def lambda_handler(event, context):\\n    return event\\n",
                     "roleArn": "arn:aws:iam::123456789012:role/admin"}""");

            assertNamed(failure, StepError.ROLE_NOT_ALLOWED, "neither the default role nor on the deployment's allowlist");
            // The rule that failed, never the allowlist itself: a caller need not learn the deployment's roles.
            assertFalse(failure.getMessage().contains("runbook-"), failure.getMessage());
            assertTrue(failure.getMessage().contains("leave roleArn out"), failure.getMessage());
        }
    }

    @Nested
    class Recursion {

        @ParameterizedTest
        @ValueSource(strings = {"lambda-step-runner", "lambda-step-runner:live",
                "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner"})
        void shouldRefuseToInvokeTheStepRunnerItselfByNameOrArn(String target) {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "%s"}""".formatted(target));

            assertNamed(failure, StepError.RECURSION_REFUSED, "its own runner");
        }

        @Test
        void shouldRefuseAChainOfStepRunnersDeeperThanTheConfiguredDepth() {
            // Given the default MAX_STEP_DEPTH of 3 and a request that arrived through 3 step runners
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "other-runner"}""", StepConfig.DEFAULT_MAX_STEP_DEPTH);

            assertNamed(failure, StepError.RECURSION_REFUSED, "custom.lambdaStepRunnerDepth=3");
            assertTrue(failure.getMessage().contains("raise MAX_STEP_DEPTH"), failure.getMessage());
        }

        @Test
        void shouldRefuseADeepChainForCustomCodeToo() {
            StepRunner strict = new StepRunner(lambda, config.withMaxStepDepth(1), StepListener.NONE, mapper, CLOCK,
                    new Random(1));

            StepFailure failure = assertThrows(StepFailure.class, () -> strict.run(
                    new StepRequestParser().parse(mapper.readTree("""
                            {"action": "customCode", "runtime": "python3.12", "code": "x = 1"}""")),
                    Deadline.after(Duration.ofSeconds(60), CLOCK), 1));

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
        }

        @Test
        void shouldTellTheInvokedFunctionHowDeepTheChainIs() throws Exception {
            // Not a refusal: the marker every invocation carries, which the next runner's refusal reads
            FakeLambda answering = FakeLambda.builder().function("f").build();
            StepRunner second = new StepRunner(answering, config, StepListener.NONE, mapper, CLOCK, new Random(1));

            second.run(new StepRequestParser().parse(mapper.readTree("""
                    {"action": "invoke", "functionName": "f",
                     "clientContext": {"custom": {"lambdaStepRunnerDepth": "0", "t": "1"}, "env": {"a": "b"}}}""")),
                    Deadline.after(Duration.ofSeconds(60), CLOCK), 2);

            assertEquals(mapper.readTree("""
                    {"custom": {"lambdaStepRunnerDepth": "3", "t": "1"}, "env": {"a": "b"}}"""),
                    mapper.readTree(answering.invocations().get(0).clientContextJson()));
        }
    }

    @Nested
    class Runtimes {

        @ParameterizedTest
        @ValueSource(strings = {"java21", "provided.al2023", "dotnet8", "python3.7", "Python3.12"})
        void shouldRefuseARuntimeThatIsNotInterpreted(String runtime) {
            StepFailure failure = refused("""
                    {"action": "customCode", "runtime": "%s", "code": "x"}""".formatted(runtime));

            assertNamed(failure, StepError.UNSUPPORTED_RUNTIME, "supported: python3.10");
        }
    }

    @Nested
    class Sizes {

        @Test
        void shouldRefuseCodeOverTheLimit() {
            String code = "#" + "x".repeat(FunctionSource.MAX_CODE_BYTES);

            StepFailure failure = refused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "%s"}""".formatted(code));

            assertNamed(failure, StepError.CODE_TOO_LARGE, "use action invoke");
        }

        @Test
        void shouldRefuseASynchronousPayloadOverSixMegabytes() {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", "payload": "%s"}"""
                    .formatted("x".repeat(LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES)));

            assertNamed(failure, StepError.PAYLOAD_TOO_LARGE, "6291456 bytes for invocationType RequestResponse");
        }

        @Test
        void shouldRefuseAnAsynchronousPayloadOverOneMegabyte() {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", "invocationType": "Event", "payload": "%s"}"""
                    .formatted("x".repeat(LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES)));

            assertNamed(failure, StepError.PAYLOAD_TOO_LARGE, "for invocationType Event");
        }

        @Test
        void shouldRefuseAClientContextOverTheLimit() {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", "clientContext": {"custom": {"k": "%s"}}}"""
                    .formatted("x".repeat(3000)));

            assertNamed(failure, StepError.PAYLOAD_TOO_LARGE, "Lambda accepts 3583");
        }

        @Test
        void shouldRefuseAClientContextThatOnlyTheDepthMarkerPushesOverTheLimit() {
            // Given a client context just under Lambda's 3583 base64 bytes on its own
            ObjectNode context = mapper.createObjectNode();
            context.putObject("custom").put("k", "");
            int room = LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES / 4 * 3 - context.toString().length();
            ((ObjectNode) context.get("custom")).put("k", "x".repeat(room));

            // When the runner adds custom.lambdaStepRunnerDepth, Then it is refused before the call
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", "clientContext": %s}""".formatted(context));

            assertNamed(failure, StepError.PAYLOAD_TOO_LARGE, "lambdaStepRunnerDepth added");
        }

        @Test
        void shouldRefuseAClientContextWhoseCustomIsNotAnObject() {
            StepFailure failure = refused("""
                    {"action": "invoke", "functionName": "f", "clientContext": {"custom": "ticket"}}""");

            assertNamed(failure, StepError.INVALID_STEP_REQUEST, "clientContext.custom must be an object");
        }
    }

    @Nested
    class Configuration {

        @Test
        void shouldReadTheDepthLimitAndOrphanAgeFromTheEnvironment() {
            StepConfig fromEnv = StepConfig.fromEnvironment(Map.of("MAX_STEP_DEPTH", "5", "ORPHAN_MAX_AGE_MINUTES", "90"));
            assertEquals(5, fromEnv.maxStepDepth());
            assertEquals(Duration.ofMinutes(90), fromEnv.orphanMaxAge());

            StepConfig defaults = StepConfig.fromEnvironment(Map.of());
            assertEquals(3, defaults.maxStepDepth());
            assertEquals(Duration.ofMinutes(60), defaults.orphanMaxAge());
        }

        @Test
        void shouldNameTheVariableOfABadLimit() {
            IllegalArgumentException depth = assertThrows(IllegalArgumentException.class,
                    () -> StepConfig.fromEnvironment(Map.of("MAX_STEP_DEPTH", "0")));
            assertTrue(depth.getMessage().startsWith("MAX_STEP_DEPTH must be"), depth.getMessage());
            IllegalArgumentException age = assertThrows(IllegalArgumentException.class,
                    () -> StepConfig.fromEnvironment(Map.of("ORPHAN_MAX_AGE_MINUTES", "10")));
            assertTrue(age.getMessage().contains("from 20"), age.getMessage());
        }
    }
}
