package io.lambdasteprunner.step;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolePolicyTest {

    private static final String DEFAULT = "arn:aws:iam::123456789012:role/step-default";

    @Test
    void shouldUseDefaultRoleWhenRequestNamesNone() {
        RolePolicy policy = new RolePolicy(new StepConfig(DEFAULT, List.of(), null, null));

        assertEquals(DEFAULT, policy.resolve(null));
        assertEquals(DEFAULT, policy.resolve(DEFAULT));
    }

    @Test
    void shouldAllowOnlyTheDefaultRoleWithoutAllowlist() {
        RolePolicy policy = new RolePolicy(new StepConfig(DEFAULT, List.of(), null, null));

        StepFailure failure = assertThrows(StepFailure.class,
                () -> policy.resolve("arn:aws:iam::123456789012:role/admin"));

        assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
        assertTrue(failure.getMessage().contains("only its default role"), failure.getMessage());
    }

    @Test
    void shouldAllowExactAndWildcardEntries() {
        RolePolicy policy = new RolePolicy(new StepConfig(DEFAULT, List.of(
                "arn:aws:iam::123456789012:role/ops-reader", "arn:aws:iam::123456789012:role/runbook-*"), null, null));

        assertEquals("arn:aws:iam::123456789012:role/ops-reader", policy.resolve("arn:aws:iam::123456789012:role/ops-reader"));
        assertEquals("arn:aws:iam::123456789012:role/runbook-db", policy.resolve("arn:aws:iam::123456789012:role/runbook-db"));
        assertThrows(StepFailure.class, () -> policy.resolve("arn:aws:iam::123456789012:role/ops-reader2"));
        assertThrows(StepFailure.class, () -> policy.resolve("arn:aws:iam::999999999999:role/runbook-db"));
    }

    @Test
    void shouldRefuseMissingRoleWhenNoDefaultIsConfigured() {
        RolePolicy policy = new RolePolicy(new StepConfig(null, List.of("arn:aws:iam::123456789012:role/x"), null, null));

        StepFailure failure = assertThrows(StepFailure.class, () -> policy.resolve(null));

        assertEquals(StepError.ROLE_NOT_ALLOWED, failure.error());
        assertTrue(failure.getMessage().contains("DEFAULT_EXECUTION_ROLE_ARN"));
    }

    @Test
    void shouldReadConfigurationFromEnvironmentAndNameBadVariables() {
        StepConfig config = StepConfig.fromEnvironment(java.util.Map.of(
                "DEFAULT_EXECUTION_ROLE_ARN", DEFAULT,
                "ALLOWED_EXECUTION_ROLE_ARNS", " arn:aws:iam::123456789012:role/a , arn:aws:iam::123456789012:role/b-* ",
                "GENERATED_FUNCTION_PREFIX", "ops-step",
                "AWS_LAMBDA_FUNCTION_NAME", "lambda-step-runner"));

        assertEquals(List.of("arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b-*"),
                config.allowedRoleArns());
        assertEquals("ops-step", config.generatedFunctionPrefix());
        assertEquals("lambda-step-runner", config.selfFunctionName());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> StepConfig.fromEnvironment(java.util.Map.of("DEFAULT_EXECUTION_ROLE_ARN", "admin")));
        assertTrue(bad.getMessage().contains("DEFAULT_EXECUTION_ROLE_ARN"));
        IllegalArgumentException badPrefix = assertThrows(IllegalArgumentException.class,
                () -> StepConfig.fromEnvironment(java.util.Map.of("GENERATED_FUNCTION_PREFIX", "bad prefix!")));
        assertTrue(badPrefix.getMessage().contains("GENERATED_FUNCTION_PREFIX"));
        assertEquals(StepConfig.DEFAULT_PREFIX, StepConfig.fromEnvironment(java.util.Map.of()).generatedFunctionPrefix());
    }
}
