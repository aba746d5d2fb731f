package io.lambdasteprunner.step;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role*"})
    void shouldRefuseAnAllowlistThatAllowsEveryRole(String allowAll) {
        // Given an allowlist entry that matches every role of an account
        Map<String, String> env = Map.of("ALLOWED_EXECUTION_ROLE_ARNS", "arn:aws:iam::123456789012:role/ops," + allowAll);

        // When the configuration is read, Then it fails naming the variable
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StepConfig.fromEnvironment(env));
        assertTrue(e.getMessage().startsWith("ALLOWED_EXECUTION_ROLE_ARNS"), e.getMessage());
    }

    @Test
    void shouldAcceptExactRolesAndNamePrefixes() {
        StepConfig config = StepConfig.fromEnvironment(Map.of("ALLOWED_EXECUTION_ROLE_ARNS",
                "arn:aws:iam::123456789012:role/ops, arn:aws:iam::123456789012:role/runbooks/*"));

        assertEquals(2, config.allowedRoleArns().size());
    }
}
