package io.lambdasteprunner.local;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GetFunction poll made while a new function is Pending is held a moment ({@link LocalFunction#awaitActive}),
 * so that it answers Active as soon as the function is, rather than after the poller's next sleep; and
 * never longer than its patience. Deadlines are generous: they tell a hold that ends from one that does not.
 */
class PendingPollTest {

    /** A function whose environment cannot start: activating it makes it Active at once (the invoke reports why). */
    private static LocalFunction pendingFunction() {
        FunctionVersion latest = new FunctionVersion("held", "arn:aws:lambda:us-east-1:000000000000:function:held",
                FunctionVersion.LATEST, "python3.12", "lambda_function.lambda_handler",
                "arn:aws:iam::000000000000:role/test", "", 3, 128, 512, Map.of(), false, List.of("x86_64"),
                new FunctionCode("sha", 1, Path.of("/nonexistent")), LoggingConfig.defaultFor("held"),
                "2026-11-30T00:00:00.000+0000", "r1", FunctionVersion.SNAP_START_OFF, false);
        return new LocalFunction(latest, Map.of(), new FunctionLog(text -> { }), version -> {
            throw new IllegalStateException("no runtime in this test");
        }, 1, new EnvironmentBudget(1));
    }

    @Nested
    class WhileTheFunctionIsPending {

        @Test
        void shouldAnswerAsSoonAsTheFunctionTurnsActive() throws Exception {
            // Given a Pending function and a poll held with far more patience than the activation needs
            LocalFunction function = pendingFunction();
            CompletableFuture<LocalFunction.State> poll = CompletableFuture.supplyAsync(() -> {
                function.awaitActive(Duration.ofSeconds(60));
                return function.state();
            });

            // When the function's activation ends (after a Pending of 200 ms)
            function.activate(Duration.ofSeconds(1), Duration.ofMillis(200), function.latest());

            // Then the held poll answers Active, long before its patience runs out
            assertEquals(LocalFunction.State.Active, poll.get(20, TimeUnit.SECONDS));
        }

        @Test
        void shouldAnswerPendingWhenItsPatienceRunsOut() {
            // Given a function that stays Pending (nothing activates it)
            LocalFunction function = pendingFunction();

            // When a poll is held for at most 20 ms
            long start = System.nanoTime();
            function.awaitActive(Duration.ofMillis(20));
            long waited = System.nanoTime() - start;

            // Then it answers, still Pending, having waited its patience
            assertEquals(LocalFunction.State.Pending, function.state());
            assertTrue(waited >= Duration.ofMillis(20).toNanos(), "held " + waited + " ns");
        }
    }

    @Nested
    class OnceTheFunctionIsActive {

        @Test
        void shouldNotHoldAPoll() throws Exception {
            // Given an Active function
            LocalFunction function = pendingFunction();
            function.activate(Duration.ofSeconds(1), Duration.ZERO, function.latest());

            // When a poll comes with an hour of patience
            CompletableFuture<Void> poll = CompletableFuture.runAsync(() -> function.awaitActive(Duration.ofHours(1)));

            // Then it answers at once
            poll.get(20, TimeUnit.SECONDS);
            assertFalse(poll.isCompletedExceptionally());
            assertEquals(LocalFunction.State.Active, function.state());
        }
    }
}
