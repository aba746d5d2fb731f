package io.lambdasteprunner.step;

/**
 * Which execution role a generated function may get: the deployment's default role, or one on its
 * allowlist (exact, or a prefix ending in {@code *}). Decided before any AWS call.
 */
public final class RolePolicy {

    private final StepConfig config;

    public RolePolicy(StepConfig config) {
        this.config = config;
    }

    /**
     * The role to create the function with.
     *
     * @param requested the request's {@code roleArn}, {@code null} for the default
     * @throws StepFailure {@code RoleNotAllowed} with what to change
     */
    public String resolve(String requested) {
        if (requested == null) {
            if (config.defaultRoleArn() == null) {
                throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "the request names no roleArn and this deployment "
                        + "has no DEFAULT_EXECUTION_ROLE_ARN; give a roleArn from ALLOWED_EXECUTION_ROLE_ARNS "
                        + "or configure a default role");
            }
            return config.defaultRoleArn();
        }
        if (requested.equals(config.defaultRoleArn()) || isAllowlisted(requested)) {
            return requested;
        }
        String allowed = config.allowedRoleArns().isEmpty()
                ? "this deployment allows only its default role" + (config.defaultRoleArn() == null ? "" : " "
                + config.defaultRoleArn()) + " (ALLOWED_EXECUTION_ROLE_ARNS is empty)"
                : "allowed: " + String.join(", ", config.allowedRoleArns());
        throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested + " is not allowed; " + allowed
                + ". Leave roleArn out to use the default role");
    }

    private boolean isAllowlisted(String role) {
        for (String allowed : config.allowedRoleArns()) {
            if (allowed.endsWith("*") ? role.startsWith(allowed.substring(0, allowed.length() - 1)) : role.equals(allowed)) {
                return true;
            }
        }
        return false;
    }
}
