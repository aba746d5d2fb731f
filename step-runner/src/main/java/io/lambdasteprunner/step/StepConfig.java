package io.lambdasteprunner.step;

import java.time.Duration;
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
 * @param maxStepDepth           {@code MAX_STEP_DEPTH}, default {@value #DEFAULT_MAX_STEP_DEPTH}: how many step
 *                               runners one chain of invocations may pass through (a runner invoked by a runner
 *                               counts two); deeper requests are refused with {@code RecursionRefused}
 * @param orphanMaxAge           {@code ORPHAN_MAX_AGE_MINUTES}, default {@value #DEFAULT_ORPHAN_MAX_AGE_MINUTES}:
 *                               how old a generated function must be before the sweeper deletes it
 */
public record StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                         String selfFunctionName, int maxStepDepth, Duration orphanMaxAge) {

    public static final String DEFAULT_PREFIX = "rundeck-generated-function";
    /** A runner, a runner it invokes and one more: enough for real runbooks, and a loop stops at once. */
    public static final int DEFAULT_MAX_STEP_DEPTH = 3;
    /** Four times Lambda's 15-minute maximum run time, so the sweeper never takes a function from a running step. */
    public static final int DEFAULT_ORPHAN_MAX_AGE_MINUTES = 60;
    /** The least {@code ORPHAN_MAX_AGE_MINUTES}: longer than any step can run (Lambda's 900 s) plus creation. */
    public static final int MIN_ORPHAN_MAX_AGE_MINUTES = 20;

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
            if (!ROLE.matcher(allowed).matches()) {
                throw new IllegalArgumentException("ALLOWED_EXECUTION_ROLE_ARNS entries must be IAM role ARNs, "
                        + "optionally ending in *, was '" + allowed + "'");
            }
            if (allowed.endsWith(":role/*") || allowed.endsWith(":role*")) {
                // Every role in the account would do: generated code could run with any of their rights.
                throw new IllegalArgumentException("ALLOWED_EXECUTION_ROLE_ARNS may not allow every role ('" + allowed
                        + "'); name the roles, or a path or name prefix before the *");
            }
        }
        if (selfFunctionName != null && selfFunctionName.isBlank()) {
            selfFunctionName = null;
        }
        if (maxStepDepth < 1) {
            throw new IllegalArgumentException("MAX_STEP_DEPTH must be at least 1, was " + maxStepDepth);
        }
        if (orphanMaxAge == null || orphanMaxAge.isNegative()) {
            throw new IllegalArgumentException("the orphan age must be zero or positive, was " + orphanMaxAge);
        }
    }

    /** The default depth limit and orphan age. */
    public StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                      String selfFunctionName) {
        this(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, DEFAULT_MAX_STEP_DEPTH,
                Duration.ofMinutes(DEFAULT_ORPHAN_MAX_AGE_MINUTES));
    }

    /**
     * Reads {@code DEFAULT_EXECUTION_ROLE_ARN}, {@code ALLOWED_EXECUTION_ROLE_ARNS},
     * {@code GENERATED_FUNCTION_PREFIX}, {@code AWS_LAMBDA_FUNCTION_NAME}, {@code MAX_STEP_DEPTH} and
     * {@code ORPHAN_MAX_AGE_MINUTES}.
     *
     * @throws IllegalArgumentException naming the variable that is malformed
     */
    public static StepConfig fromEnvironment(Map<String, String> env) {
        List<String> allowed = Arrays.stream(env.getOrDefault("ALLOWED_EXECUTION_ROLE_ARNS", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        int depth = wholeNumber(env, "MAX_STEP_DEPTH", DEFAULT_MAX_STEP_DEPTH, 1, 100);
        int age = wholeNumber(env, "ORPHAN_MAX_AGE_MINUTES", DEFAULT_ORPHAN_MAX_AGE_MINUTES,
                MIN_ORPHAN_MAX_AGE_MINUTES, 7 * 24 * 60);
        return new StepConfig(env.get("DEFAULT_EXECUTION_ROLE_ARN"), allowed,
                env.get("GENERATED_FUNCTION_PREFIX"), env.get("AWS_LAMBDA_FUNCTION_NAME"), depth,
                Duration.ofMinutes(age));
    }

    /** The same rules with another default role (the command line's local mode gives one). */
    public StepConfig withDefaultRoleArn(String roleArn) {
        return new StepConfig(roleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, maxStepDepth,
                orphanMaxAge);
    }

    /** The same rules with another depth limit. */
    public StepConfig withMaxStepDepth(int depth) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, depth,
                orphanMaxAge);
    }

    /** The same rules with another orphan age (tests sweep young functions with {@link Duration#ZERO}). */
    public StepConfig withOrphanMaxAge(Duration age) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName,
                maxStepDepth, age);
    }

    private static int wholeNumber(Map<String, String> env, String name, int otherwise, int min, int max) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        if (!value.trim().matches("\\d{1,9}") || Integer.parseInt(value.trim()) < min
                || Integer.parseInt(value.trim()) > max) {
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max
                    + ", was '" + value + "'");
        }
        return Integer.parseInt(value.trim());
    }
}
