package io.lambdasteprunner.step;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The deployment's step rules, read once from the environment (tests build one directly).
 *
 * @param defaultRoleArn         {@code DEFAULT_EXECUTION_ROLE_ARN}: the role generated functions get
 *                               when the request names none; {@code null} when not configured
 * @param allowedRoleArns        {@code ALLOWED_EXECUTION_ROLE_ARNS}: further roles a request may name,
 *                               each exact or ending in {@code *}; empty means only the default role
 * @param generatedFunctionPrefix {@code GENERATED_FUNCTION_PREFIX}, default {@value #DEFAULT_PREFIX}
 * @param selfFunctionName       {@code AWS_LAMBDA_FUNCTION_NAME}: this runner's own function, which a
 *                               step may not invoke; {@code null} outside Lambda
 */
public record StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                         String selfFunctionName) {

    public static final String DEFAULT_PREFIX = "rundeck-generated-function";

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ROLE = Pattern.compile("arn:aws[a-zA-Z-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+\\*?");

    public StepConfig {
        allowedRoleArns = List.copyOf(allowedRoleArns);
        if (generatedFunctionPrefix == null || generatedFunctionPrefix.isBlank()) {
            generatedFunctionPrefix = DEFAULT_PREFIX;
        }
        if (!PREFIX.matcher(generatedFunctionPrefix).matches()) {
            throw new IllegalArgumentException("GENERATED_FUNCTION_PREFIX must be 1-64 letters, digits, '-' or '_', was '"
                    + generatedFunctionPrefix + "'");
        }
        if (defaultRoleArn != null && defaultRoleArn.isBlank()) {
            defaultRoleArn = null;
        }
        if (defaultRoleArn != null && !ROLE.matcher(defaultRoleArn).matches()) {
            throw new IllegalArgumentException("DEFAULT_EXECUTION_ROLE_ARN must be an IAM role ARN "
                    + "(arn:aws:iam::123456789012:role/name), was '" + defaultRoleArn + "'");
        }
        for (String allowed : allowedRoleArns) {
            if (!ROLE.matcher(allowed).matches() && !allowed.equals("*")) {
                throw new IllegalArgumentException("ALLOWED_EXECUTION_ROLE_ARNS entries must be IAM role ARNs, "
                        + "optionally ending in *, was '" + allowed + "'");
            }
        }
        if (selfFunctionName != null && selfFunctionName.isBlank()) {
            selfFunctionName = null;
        }
    }

    /**
     * Reads {@code DEFAULT_EXECUTION_ROLE_ARN}, {@code ALLOWED_EXECUTION_ROLE_ARNS},
     * {@code GENERATED_FUNCTION_PREFIX} and {@code AWS_LAMBDA_FUNCTION_NAME}.
     *
     * @throws IllegalArgumentException naming the variable that is malformed
     */
    public static StepConfig fromEnvironment(Map<String, String> env) {
        List<String> allowed = Arrays.stream(env.getOrDefault("ALLOWED_EXECUTION_ROLE_ARNS", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new StepConfig(env.get("DEFAULT_EXECUTION_ROLE_ARN"), allowed,
                env.get("GENERATED_FUNCTION_PREFIX"), env.get("AWS_LAMBDA_FUNCTION_NAME"));
    }

    /** The same rules with another default role (the command line's local mode gives one). */
    public StepConfig withDefaultRoleArn(String roleArn) {
        return new StepConfig(roleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName);
    }
}
