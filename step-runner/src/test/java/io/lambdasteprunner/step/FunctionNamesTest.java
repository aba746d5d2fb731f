package io.lambdasteprunner.step;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FunctionNamesTest {

    private static final Clock FIXED = Clock.fixed(Instant.ofEpochMilli(1763937000123L), ZoneOffset.UTC);

    @Test
    void shouldFollowRundeckPatternWithUniqueSuffix() {
        String name = new FunctionNames(StepConfig.DEFAULT_PREFIX, FIXED, new Random(1)).next();

        assertTrue(name.matches("rundeck-generated-function-1763937000123-[0-9a-f]{8}"), name);
    }

    @Test
    void shouldStayWithin64CharactersWithALongPrefix() {
        String name = new FunctionNames("p".repeat(64), FIXED, new Random(1)).next();

        assertTrue(name.length() <= 64, name);
        assertTrue(name.matches("p+-1763937000123-[0-9a-f]{8}"), name);
    }

    @Test
    void shouldNeverRepeatUnderConcurrencyEvenAtTheSameMillisecond() {
        // Given a frozen clock and a random source that always returns the same number
        FunctionNames names = new FunctionNames("x", FIXED, new Random() {
            @Override
            public int nextInt() {
                return 42;
            }
        });
        Set<String> seen = ConcurrentHashMap.newKeySet();

        IntStream.range(0, 10_000).parallel().forEach(i -> seen.add(names.next()));

        assertEquals(10_000, seen.size());
    }

    @Test
    void shouldSplitNamesPartialAndFullArnsWithQualifier() {
        assertEquals(new FunctionNames.Reference("my-fn", Optional.empty()), FunctionNames.parse("my-fn"));
        assertEquals(new FunctionNames.Reference("my-fn", Optional.of("prod")), FunctionNames.parse("my-fn:prod"));
        assertEquals(new FunctionNames.Reference("my-fn", Optional.of("7")),
                FunctionNames.parse("123456789012:function:my-fn:7"));
        assertEquals(new FunctionNames.Reference("my_fn", Optional.of("$LATEST")),
                FunctionNames.parse("arn:aws:lambda:eu-west-1:123456789012:function:my_fn:$LATEST"));
        assertEquals("fn", FunctionNames.parse("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn").name());
    }

    @Test
    void shouldRefuseNamesLambdaWouldRefuse() {
        for (String bad : new String[]{"", "my fn", "a".repeat(65), "arn:aws:s3:::bucket", "fn:a:b"}) {
            StepFailure failure = assertThrows(StepFailure.class, () -> FunctionNames.parse(bad), bad);
            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
        }
    }
}
