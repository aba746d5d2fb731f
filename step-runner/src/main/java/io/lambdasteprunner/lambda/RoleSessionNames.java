package io.lambdasteprunner.lambda;

/**
 * Role session names that say who acted: {@code lambda-step-runner} and, when known, the Step Functions
 * execution or the API request behind the step, within STS's rule (2–64 characters of {@code [\w+=,.@-]}).
 */
public final class RoleSessionNames {

    static final String RUNNER = "lambda-step-runner";
    private static final int MAX_LENGTH = 64;

    private RoleSessionNames() {
    }

    /**
     * The session name for a step.
     *
     * @param origin the Step Functions execution name or the API request id, {@code null} when unknown
     */
    public static String forStep(String origin) {
        if (origin == null || origin.isBlank()) {
            return RUNNER;
        }
        String cleaned = origin.replaceAll("[^\\w+=,.@-]", "-");
        String name = RUNNER + "@" + cleaned;
        // Keep the end: execution names and request ids differ most there.
        return name.length() <= MAX_LENGTH ? name : RUNNER + "@" + cleaned.substring(cleaned.length()
                - (MAX_LENGTH - RUNNER.length() - 1));
    }
}
