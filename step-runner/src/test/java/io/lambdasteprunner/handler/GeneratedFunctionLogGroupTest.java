package io.lambdasteprunner.handler;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GENERATED_FUNCTION_LOG_GROUP, as the stack sets it. */
class GeneratedFunctionLogGroupTest {

    @Test
    void shouldTakeTheStacksLogGroup() {
        assertEquals("/lambda-step-runner/prod/generated-functions", DependencyFactory.generatedFunctionLogGroup(
                Map.of("GENERATED_FUNCTION_LOG_GROUP", "/lambda-step-runner/prod/generated-functions")));
    }

    @Test
    void shouldLeaveLambdasDefaultWhenUnset() {
        assertNull(DependencyFactory.generatedFunctionLogGroup(Map.of()));
        assertNull(DependencyFactory.generatedFunctionLogGroup(Map.of("GENERATED_FUNCTION_LOG_GROUP", " ")));
    }

    @Test
    void shouldNameTheVariableWhenItIsNotALogGroupName() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DependencyFactory.generatedFunctionLogGroup(Map.of("GENERATED_FUNCTION_LOG_GROUP", "logs:*")));

        assertTrue(refused.getMessage().startsWith("GENERATED_FUNCTION_LOG_GROUP must be"), refused.getMessage());
    }
}
