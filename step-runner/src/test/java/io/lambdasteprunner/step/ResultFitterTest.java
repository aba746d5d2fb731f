package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a result is kept within {@code MAX_RESULT_BYTES} without a bucket (the S3 offload runs against moto's
 * server in {@code ResultSizeIT}), and how the settings are read.
 */
class ResultFitterTest {

    private static final int MAX = 262_144;
    private final ResultFitter fitter = new ResultFitter(StepConfig.Results.defaults(), ResultStore.NONE,
            StepListener.NONE);

    private static StepResult answered(String payload, String log) {
        return StepResult.invoked("ops-fn", false, new LambdaGateway.InvocationResult(200, null, log, payload,
                "$LATEST"), payload.startsWith("\"") ? JsonNodeFactory.instance.textNode(payload) : null);
    }

    private static int bytes(StepResult result) {
        return ResultFitter.stepOutputBytes(result);
    }

    /** Any payload a function may return: JSON of strings with escapes, emoji and numbers, or not JSON at all. */
    private static String payload(java.util.Random random) {
        String[] pieces = {"a", "\\u0001", "\\\"", "\\\\", "é", "😀", "\\n", " ", "\u007f"};
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(40); i > 0; i--) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        String[] numbers = {"1e5", "9E99", "1E-7", "0e0", "123456789012345678901234567890", "-0.0000001", "1"};
        return switch (random.nextInt(4)) {
            case 0 -> "\"" + text + "\"";
            case 1 -> "{\"k\":\"" + text + "\",\"n\":" + numbers[random.nextInt(numbers.length)] + "}";
            case 2 -> "[" + numbers[random.nextInt(numbers.length)] + "," + numbers[random.nextInt(numbers.length)] + "]";
            default -> "not json " + text.toString().replace("\\", "");
        };
    }

    @Test
    void theCheapBoundNeverUndercountsTheOutput() throws Exception {
        // Results are only serialised to be measured when this bound exceeds MAX_RESULT_BYTES.
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Random random = new java.util.Random(20261130);
        for (int i = 0; i < 5000; i++) {
            String payload = payload(random);
            com.fasterxml.jackson.databind.JsonNode parsed;
            try {
                parsed = mapper.readTree(payload);
            } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
                parsed = null;
            }
            StepResult result = StepResult.invoked("ops-fn", random.nextBoolean(), new LambdaGateway.InvocationResult(
                    200, random.nextBoolean() ? "Unhandled" : null, random.nextBoolean() ? payload(random) : null,
                    payload, "$LATEST"), parsed);

            assertTrue(ResultFitter.stepOutputBound(result) >= bytes(result), payload);
        }
    }

    @Nested
    class Fitting {

        @Test
        void aResultWithinTheBoundIsUntouched() {
            StepResult small = answered("{\"ok\":true}", "END");

            assertSame(small, fitter.fit(small, "r-1"));
        }

        @Test
        void theParsedCopyGoesFirst() {
            StepResult result = answered("\"" + "x".repeat(150_000) + "\"", "END");

            StepResult fitted = fitter.fit(result, "r-1");

            assertNull(fitted.invokeResponsePayload());
            assertEquals(result.invokeResponsePayloadString(), fitted.invokeResponsePayloadString());
            assertNull(fitted.shortened());
        }

        @Test
        void thenThePayloadStringKeepsAsMuchOfItsBeginningAsFits() {
            String payload = "\"" + "ü".repeat(400_000) + "\"";

            StepResult fitted = fitter.fit(answered(payload, "END"), "r-1");

            int size = bytes(fitted);
            assertTrue(size <= MAX && size > MAX - 8, "as much as fits: " + size);
            assertTrue(payload.startsWith(fitted.invokeResponsePayloadString()));
            assertEquals(new StepResult.Shortened(payload.getBytes(StandardCharsets.UTF_8).length, null, null),
                    fitted.shortened());
            assertEquals("true", fitted.toJson().get("data").get("invokeResponsePayloadTruncated").asText());
        }

        @Test
        void aSurrogatePairIsNeverCut() {
            String payload = "😀".repeat(200_000);

            StepResult fitted = fitter.fit(answered(payload, "END"), "r-1");

            String kept = fitted.invokeResponsePayloadString();
            assertTrue(!Character.isHighSurrogate(kept.charAt(kept.length() - 1)), "ends on a whole character");
        }

        @Test
        void escapingCountsAsTheEntryPointSendsIt() {
            // Control characters take six bytes each once escaped in JSON
            String payload = "\u0001".repeat(100_000);

            StepResult fitted = fitter.fit(answered(payload, "END"), "r-1");

            assertTrue(bytes(fitted) <= MAX);
            assertTrue(fitted.invokeResponsePayloadString().length() < 45_000);
        }

        @Test
        void aHugeLogKeepsItsEnd() {
            String log = "\u0002".repeat(60_000) + "REPORT RequestId: 1\t";

            StepResult fitted = fitter.fit(answered("{}", log), "r-1");

            assertTrue(bytes(fitted) <= MAX);
            assertTrue(fitted.invokeExecutionLog().endsWith("REPORT RequestId: 1\t"));
            assertEquals("{}", fitted.invokeResponsePayloadString());
        }

        @Test
        void anotherFramingIsMeasuredByItsOwnSize() {
            StepResult result = answered("\"" + "q".repeat(200_000) + "\"", "END");

            // An envelope that doubles every byte (like a body escaped into a proxy response)
            StepResult fitted = fitter.fit(result, "r-1", r -> 2 * bytes(r));

            assertTrue(2 * bytes(fitted) <= MAX);
            assertTrue(fitted.shortened() != null);
        }

        @Test
        void theSevenRundeckKeysAreAlwaysThere() {
            StepResult fitted = fitter.fit(answered("x".repeat(1_000_000), "y".repeat(100_000)), "r-1");

            for (String key : List.of("invokeResponsePayloadString", "functionName", "functionWasCreated",
                    "functionWasInvoked", "functionWasDeleted", "invokeFunctionError", "invokeExecutionLog")) {
                assertTrue(fitted.toJson().get("data").has(key), key);
            }
        }
    }

    @Nested
    class Settings {

        @Test
        void defaultsAreStepFunctionsLimitAndNoBucket() {
            StepConfig.Results results = StepConfig.fromEnvironment(Map.of()).results();

            assertEquals(new StepConfig.Results(262_144, null, "step-results"), results);
        }

        @Test
        void theEnvironmentSetsBoundBucketAndPrefix() {
            StepConfig.Results results = StepConfig.fromEnvironment(Map.of("MAX_RESULT_BYTES", "100000",
                    "RESULT_BUCKET", "ops-results", "RESULT_PREFIX", "/runbooks/results/")).results();

            assertEquals(new StepConfig.Results(100_000, "ops-results", "runbooks/results"), results);
        }

        @Test
        void badSettingsNameTheirVariable() {
            for (Map<String, String> env : List.of(Map.of("MAX_RESULT_BYTES", "100"),
                    Map.of("MAX_RESULT_BYTES", "7000000"), Map.of("MAX_RESULT_BYTES", "lots"),
                    Map.of("RESULT_BUCKET", "Not_A_Bucket"), Map.of("RESULT_PREFIX", "a b"),
                    Map.of("RESULT_PREFIX", "a//b"))) {
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                        () -> StepConfig.fromEnvironment(env));
                assertTrue(bad.getMessage().startsWith(env.keySet().iterator().next()), bad.getMessage());
            }
        }
    }
}
