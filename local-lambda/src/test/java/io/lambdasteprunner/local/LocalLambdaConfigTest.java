package io.lambdasteprunner.local;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry delays of failed {@code Event} invokes: AWS's by default, {@code LOCAL_LAMBDA_ASYNC_RETRY_DELAYS} else. */
class LocalLambdaConfigTest {

    @Nested
    class AsyncRetryDelays {

        @Test
        void withoutTheVariableTheyAreAwsOneAndTwoMinutes() {
            assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2)), LocalLambdaConfig.retryDelays(null));
            assertEquals(LocalLambdaConfig.AWS_RETRY_DELAYS, LocalLambdaConfig.retryDelays(" "));
        }

        @Test
        void theVariableGivesTwoNumbersOfSeconds() {
            assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), LocalLambdaConfig.retryDelays("1,2"));
            assertEquals(List.of(Duration.ofMillis(500), Duration.ZERO), LocalLambdaConfig.retryDelays(" 0.5 , 0 "));
        }

        @Test
        void anythingElseIsRefusedSayingWhatToGive() {
            for (String wrong : List.of("60", "1,2,3", "a,b", "-1,2")) {
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> LocalLambdaConfig.retryDelays(wrong));
                assertTrue(refused.getMessage().contains("two numbers of seconds"), refused.getMessage());
            }
        }

        @Test
        void theConfigTakesThemFromWithAsyncRetryDelays() {
            LocalLambdaConfig config = LocalLambdaConfig.defaults().withAsyncRetryDelays(Duration.ofSeconds(3),
                    Duration.ofSeconds(4));
            assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(4)), config.asyncRetryDelays());
            assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(4)), config.withPort(0).asyncRetryDelays());
        }
    }
}
