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
 * @param results                how big a step result may be and where a bigger response goes
 *                               ({@code MAX_RESULT_BYTES}, {@code RESULT_BUCKET}, {@code RESULT_PREFIX})
 * @param allowedAssumeRoleArns  {@code ALLOWED_ASSUME_ROLE_ARNS}: the roles a step's {@code assumeRoleArn} may
 *                               name, each exact or ending in {@code *} (a wildcard covers the runner's own
 *                               account only); empty means no role may be assumed
 */
public record StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                         String selfFunctionName, int maxStepDepth, Duration orphanMaxAge, Results results,
                         List<String> allowedAssumeRoleArns) {

    /**
     * The bound on a step's result and the offload of bigger responses.
     *
     * @param maxResultBytes {@code MAX_RESULT_BYTES}, default {@value #DEFAULT_MAX_RESULT_BYTES} (Step Functions'
     *                       limit on a state's output): the most bytes a step result may have as the entry point
     *                       sends it, from {@value #MIN_MAX_RESULT_BYTES} to {@value #MAX_MAX_RESULT_BYTES}
     *                       (Lambda's limit on a synchronous response)
     * @param bucket         {@code RESULT_BUCKET}: the S3 bucket a response too big for the result is written to;
     *                       {@code null} to shorten it instead
     * @param prefix         {@code RESULT_PREFIX}, default {@value #DEFAULT_RESULT_PREFIX}: the key prefix, so
     *                       objects are {@code <prefix>/<function name>/<request id>.json}
     */
    public record Results(int maxResultBytes, String bucket, String prefix) {

        public static final int DEFAULT_MAX_RESULT_BYTES = 262_144;
        /** Room for the seven context variables, a log tail and a short payload. */
        public static final int MIN_MAX_RESULT_BYTES = 8192;
        /** Lambda's limit on a synchronous response (the runner's own answer). */
        public static final int MAX_MAX_RESULT_BYTES = 6_291_556;
        public static final String DEFAULT_RESULT_PREFIX = "step-results";

        /** S3's bucket naming rules, in short: 3-63 lower-case letters, digits, dots and hyphens. */
        private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
        /** Characters S3 keys may carry without URL encoding; slashes separate levels. */
        private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*");

        public Results {
            if (maxResultBytes < MIN_MAX_RESULT_BYTES || maxResultBytes > MAX_MAX_RESULT_BYTES) {
                throw new IllegalArgumentException("MAX_RESULT_BYTES must be a whole number from " + MIN_MAX_RESULT_BYTES
                        + " to " + MAX_MAX_RESULT_BYTES + ", was " + maxResultBytes);
            }
            if (bucket != null && bucket.isBlank()) {
                bucket = null;
            }
            if (bucket != null && !BUCKET.matcher(bucket).matches()) {
                throw new IllegalArgumentException("RESULT_BUCKET must be an S3 bucket name (3-63 lower-case letters, "
                        + "digits, '.' or '-'), was '" + bucket + "'");
            }
            if (prefix == null || prefix.isBlank()) {
                prefix = DEFAULT_RESULT_PREFIX;
            }
            prefix = prefix.replaceAll("^/+|/+$", "");
            if (prefix.length() > 256 || !KEY_PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("RESULT_PREFIX must be up to 256 letters, digits and !_.*'()- in "
                        + "levels separated by '/', was '" + prefix + "'");
            }
        }

        /** Step Functions' limit, no bucket. */
        public static Results defaults() {
            return new Results(DEFAULT_MAX_RESULT_BYTES, null, DEFAULT_RESULT_PREFIX);
        }

        static Results fromEnvironment(Map<String, String> env) {
            return new Results(wholeNumber(env, "MAX_RESULT_BYTES", DEFAULT_MAX_RESULT_BYTES, MIN_MAX_RESULT_BYTES,
                    MAX_MAX_RESULT_BYTES), env.get("RESULT_BUCKET"), env.get("RESULT_PREFIX"));
        }

        /** The same bound with another bucket ({@code null} for none). */
        public Results withBucket(String bucketName) {
            return new Results(maxResultBytes, bucketName, prefix);
        }

        /** The same offload with another bound. */
        public Results withMaxResultBytes(int bytes) {
            return new Results(bytes, bucket, prefix);
        }
    }

    public static final String DEFAULT_PREFIX = "rundeck-generated-function";
    /** A runner, a runner it invokes and one more: enough for real runbooks, and a loop stops at once. */
    public static final int DEFAULT_MAX_STEP_DEPTH = 3;
    /** Four times Lambda's 15-minute maximum run time, so the sweeper never takes a function from a running step. */
    public static final int DEFAULT_ORPHAN_MAX_AGE_MINUTES = 60;
    /** The least {@code ORPHAN_MAX_AGE_MINUTES}: longer than any step can run (Lambda's 900 s) plus creation. */
    public static final int MIN_ORPHAN_MAX_AGE_MINUTES = 20;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final String EXECUTION_ROLES = "ALLOWED_EXECUTION_ROLE_ARNS";
    static final String ASSUME_ROLES = "ALLOWED_ASSUME_ROLE_ARNS";
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
        // Checks the entries (and refuses one that allows every role) at start-up.
        new RoleAllowlist(EXECUTION_ROLES, allowedRoleArns);
        allowedAssumeRoleArns = allowedAssumeRoleArns == null ? List.of() : List.copyOf(allowedAssumeRoleArns);
        new RoleAllowlist(ASSUME_ROLES, allowedAssumeRoleArns);
        if (selfFunctionName != null && selfFunctionName.isBlank()) {
            selfFunctionName = null;
        }
        if (maxStepDepth < 1) {
            throw new IllegalArgumentException("MAX_STEP_DEPTH must be at least 1, was " + maxStepDepth);
        }
        if (orphanMaxAge == null || orphanMaxAge.isNegative()) {
            throw new IllegalArgumentException("the orphan age must be zero or positive, was " + orphanMaxAge);
        }
        if (results == null) {
            results = Results.defaults();
        }
    }

    /** No role may be assumed ({@code ALLOWED_ASSUME_ROLE_ARNS} unset). */
    public StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                      String selfFunctionName, int maxStepDepth, Duration orphanMaxAge, Results results) {
        this(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, maxStepDepth, orphanMaxAge,
                results, List.of());
    }

    /** Without result settings: Step Functions' bound, no bucket. */
    public StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                      String selfFunctionName, int maxStepDepth, Duration orphanMaxAge) {
        this(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, maxStepDepth, orphanMaxAge,
                Results.defaults());
    }

    /** The default depth limit and orphan age. */
    public StepConfig(String defaultRoleArn, List<String> allowedRoleArns, String generatedFunctionPrefix,
                      String selfFunctionName) {
        this(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, DEFAULT_MAX_STEP_DEPTH,
                Duration.ofMinutes(DEFAULT_ORPHAN_MAX_AGE_MINUTES));
    }

    /**
     * Reads {@code DEFAULT_EXECUTION_ROLE_ARN}, {@code ALLOWED_EXECUTION_ROLE_ARNS},
     * {@code GENERATED_FUNCTION_PREFIX}, {@code AWS_LAMBDA_FUNCTION_NAME}, {@code MAX_STEP_DEPTH},
     * {@code ORPHAN_MAX_AGE_MINUTES}, {@code MAX_RESULT_BYTES}, {@code RESULT_BUCKET}, {@code RESULT_PREFIX} and
     * {@code ALLOWED_ASSUME_ROLE_ARNS}.
     *
     * @throws IllegalArgumentException naming the variable that is malformed
     */
    public static StepConfig fromEnvironment(Map<String, String> env) {
        List<String> allowed = list(env, EXECUTION_ROLES);
        int depth = wholeNumber(env, "MAX_STEP_DEPTH", DEFAULT_MAX_STEP_DEPTH, 1, 100);
        int age = wholeNumber(env, "ORPHAN_MAX_AGE_MINUTES", DEFAULT_ORPHAN_MAX_AGE_MINUTES,
                MIN_ORPHAN_MAX_AGE_MINUTES, 7 * 24 * 60);
        return new StepConfig(env.get("DEFAULT_EXECUTION_ROLE_ARN"), allowed,
                env.get("GENERATED_FUNCTION_PREFIX"), env.get("AWS_LAMBDA_FUNCTION_NAME"), depth,
                Duration.ofMinutes(age), Results.fromEnvironment(env), list(env, ASSUME_ROLES));
    }

    private static List<String> list(Map<String, String> env, String name) {
        return Arrays.stream(env.getOrDefault(name, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The same rules with other assumable roles. */
    public StepConfig withAllowedAssumeRoleArns(List<String> roles) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName,
                maxStepDepth, orphanMaxAge, results, roles);
    }

    /** The same rules with another default role (the command line's local mode gives one). */
    public StepConfig withDefaultRoleArn(String roleArn) {
        return new StepConfig(roleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, maxStepDepth,
                orphanMaxAge, results, allowedAssumeRoleArns);
    }

    /** The same rules with another depth limit. */
    public StepConfig withMaxStepDepth(int depth) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName, depth,
                orphanMaxAge, results, allowedAssumeRoleArns);
    }

    /** The same rules with another orphan age (tests sweep young functions with {@link Duration#ZERO}). */
    public StepConfig withOrphanMaxAge(Duration age) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName,
                maxStepDepth, age, results, allowedAssumeRoleArns);
    }

    /** The same rules with other result settings. */
    public StepConfig withResults(Results settings) {
        return new StepConfig(defaultRoleArn, allowedRoleArns, generatedFunctionPrefix, selfFunctionName,
                maxStepDepth, orphanMaxAge, settings, allowedAssumeRoleArns);
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
