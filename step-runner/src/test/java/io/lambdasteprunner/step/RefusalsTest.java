package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every refusal of issue 5, one test each: a named error whose message says what to change, and not a
 * single call to Lambda before it (the fake records every call).
 */
class RefusalsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);
    private static final String PYTHON = "{\"action\":\"customCode\",\"runtime\":\"python3.12\","
            + "\"code\":\"def lambda_handler(event, context):\\n    return event\\n\"";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda lambda = new FakeLambda();
    private final StepConfig config = new StepConfig(ROLE, List.of("arn:aws:iam::123456789012:role/runbook-*"), null,
            "lambda-step-runner");
    private final StepRunner runner = new StepRunner(lambda, config, StepListener.NONE, mapper, CLOCK, new Random(1));

    private StepFailure refused(String json, int depth) {
        return assertThrows(StepFailure.class, () -> runner.run(new StepRequestParser().parse(mapper.readTree(json)),
                Deadline.after(Duration.ofSeconds(60), CLOCK), depth));
    }

    private StepFailure refused(String json) {
        return refused(json, 0);
    }

    @AfterEach
    void lambdaWasNeverCalled() {
        assertEquals(List.of(), lambda.calls);
    }

    @Test
    void shouldRefuseARoleOffTheAllowlist() {
        StepFailure failure = refused(PYTHON + ",\"roleArn\":\"arn:aws:iam::123456789012:role/admin\"}");

        assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
        assertTrue(failure.getMessage().contains("arn:aws:iam::123456789012:role/runbook-*"), failure.getMessage());
        assertTrue(failure.getMessage().contains("Leave roleArn out"), failure.getMessage());
    }

    @Test
    void shouldRefuseToInvokeTheStepRunnerItselfByNameOrArn() {
        for (String target : List.of("lambda-step-runner", "lambda-step-runner:live",
                "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner")) {
            StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"" + target + "\"}");

            assertEquals(StepError.RECURSION_REFUSED, failure.error());
            assertTrue(failure.getMessage().contains("its own runner"), failure.getMessage());
        }
    }

    @Test
    void shouldRefuseAChainOfStepRunnersDeeperThanTheConfiguredDepth() {
        // Given the default MAX_STEP_DEPTH of 3 and a request that arrived through 3 step runners
        StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"other-runner\"}",
                StepConfig.DEFAULT_MAX_STEP_DEPTH);

        assertEquals(StepError.RECURSION_REFUSED, failure.error());
        assertTrue(failure.getMessage().contains("custom.lambdaStepRunnerDepth=3"), failure.getMessage());
        assertTrue(failure.getMessage().contains("raise MAX_STEP_DEPTH"), failure.getMessage());
    }

    @Test
    void shouldRefuseADeepChainForCustomCodeToo() {
        StepRunner strict = new StepRunner(lambda, config.withMaxStepDepth(1), StepListener.NONE, mapper, CLOCK,
                new Random(1));

        StepFailure failure = assertThrows(StepFailure.class, () -> strict.run(
                new StepRequestParser().parse(mapper.readTree(PYTHON + "}")),
                Deadline.after(Duration.ofSeconds(60), CLOCK), 1));

        assertEquals(StepError.RECURSION_REFUSED, failure.error());
    }

    @Test
    void shouldRefuseARuntimeThatIsNotInterpreted() {
        for (String runtime : List.of("java21", "provided.al2023", "dotnet8", "python3.7", "Python3.12")) {
            StepFailure failure = refused("{\"action\":\"customCode\",\"runtime\":\"" + runtime
                    + "\",\"code\":\"x\"}");

            assertEquals(StepError.UNSUPPORTED_RUNTIME, failure.error(), runtime);
            assertTrue(failure.getMessage().contains("supported: python3.10"), failure.getMessage());
        }
    }

    @Test
    void shouldRefuseCodeOverTheLimit() throws Exception {
        String code = "#" + "x".repeat(FunctionSource.MAX_CODE_BYTES);

        StepFailure failure = refused("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":"
                + mapper.writeValueAsString(code) + "}");

        assertEquals(StepError.CODE_TOO_LARGE, failure.error());
        assertTrue(failure.getMessage().contains("use action invoke"), failure.getMessage());
    }

    @Test
    void shouldRefuseASynchronousPayloadOverSixMegabytes() {
        StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":\""
                + "x".repeat(LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES) + "\"}");

        assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
        assertTrue(failure.getMessage().contains("6291456 bytes for invocationType RequestResponse"), failure.getMessage());
    }

    @Test
    void shouldRefuseAnAsynchronousPayloadOverOneMegabyte() {
        StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"invocationType\":\"Event\","
                + "\"payload\":\"" + "x".repeat(LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES) + "\"}");

        assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
        assertTrue(failure.getMessage().contains("for invocationType Event"), failure.getMessage());
    }

    @Test
    void shouldRefuseAClientContextOverTheLimit() {
        StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"clientContext\":{\"custom\":"
                + "{\"k\":\"" + "x".repeat(3000) + "\"}}}");

        assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
        assertTrue(failure.getMessage().contains("Lambda accepts 3583"), failure.getMessage());
    }

    @Test
    void shouldRefuseAClientContextThatOnlyTheDepthMarkerPushesOverTheLimit() throws Exception {
        // Given a client context just under Lambda's 3583 base64 bytes on its own
        ObjectNode context = mapper.createObjectNode();
        context.putObject("custom").put("k", "");
        int room = LambdaLimits.CLIENT_CONTEXT_BASE64_BYTES / 4 * 3 - context.toString().length();
        ((ObjectNode) context.get("custom")).put("k", "x".repeat(room));
        ObjectNode request = mapper.createObjectNode().put("action", "invoke").put("functionName", "f");
        request.set("clientContext", context);

        // When the runner adds custom.lambdaStepRunnerDepth, Then it is refused before the call
        StepFailure failure = refused(request.toString());

        assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
        assertTrue(failure.getMessage().contains("lambdaStepRunnerDepth added"), failure.getMessage());
    }

    @Test
    void shouldRefuseAClientContextWhoseCustomIsNotAnObject() {
        StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"clientContext\":"
                + "{\"custom\":\"ticket\"}}");

        assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
        assertTrue(failure.getMessage().contains("clientContext.custom must be an object"), failure.getMessage());
    }

    @Test
    void shouldTellTheInvokedFunctionHowDeepTheChainIs() throws Exception {
        // Not a refusal: the marker every invocation carries, which the next runner's refusal reads
        lambda.existing.add("f");
        List<String> contexts = new java.util.ArrayList<>();
        lambda.behaviour = invocation -> {
            contexts.add(invocation.clientContextJson());
            return new LambdaGateway.InvocationResult(200, null, null, "{}", "$LATEST");
        };

        runner.run(new StepRequestParser().parse(mapper.readTree("{\"action\":\"invoke\",\"functionName\":\"f\","
                + "\"clientContext\":{\"custom\":{\"lambdaStepRunnerDepth\":\"0\",\"t\":\"1\"},\"env\":{\"a\":\"b\"}}}")),
                Deadline.after(Duration.ofSeconds(60), CLOCK), 2);

        assertEquals(List.of("{\"custom\":{\"lambdaStepRunnerDepth\":\"3\",\"t\":\"1\"},\"env\":{\"a\":\"b\"}}"), contexts);
        lambda.calls.clear();
    }

    @Test
    void shouldReadTheDepthLimitAndOrphanAgeFromTheEnvironment() {
        StepConfig fromEnv = StepConfig.fromEnvironment(Map.of("MAX_STEP_DEPTH", "5", "ORPHAN_MAX_AGE_MINUTES", "90"));
        assertEquals(5, fromEnv.maxStepDepth());
        assertEquals(Duration.ofMinutes(90), fromEnv.orphanMaxAge());

        StepConfig defaults = StepConfig.fromEnvironment(Map.of());
        assertEquals(3, defaults.maxStepDepth());
        assertEquals(Duration.ofMinutes(60), defaults.orphanMaxAge());

        IllegalArgumentException depth = assertThrows(IllegalArgumentException.class,
                () -> StepConfig.fromEnvironment(Map.of("MAX_STEP_DEPTH", "0")));
        assertTrue(depth.getMessage().startsWith("MAX_STEP_DEPTH must be"), depth.getMessage());
        IllegalArgumentException age = assertThrows(IllegalArgumentException.class,
                () -> StepConfig.fromEnvironment(Map.of("ORPHAN_MAX_AGE_MINUTES", "10")));
        assertTrue(age.getMessage().contains("from 20"), age.getMessage());
    }
}
