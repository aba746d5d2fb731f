package io.lambdasteprunner.step;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which execution role a generated function may get: the deployment's default role, or one on its
 * allowlist ({@code ALLOWED_EXECUTION_ROLE_ARNS}: exact ARNs, or prefixes ending in {@code *}). Decided
 * before any AWS call.
 *
 * <p>A wildcard entry covers roles of the runner's own account only: a role of another account is allowed
 * only when the allowlist names it in full, so a prefix can never hand out roles across accounts. The
 * runner's account is the account of its invoked function ARN (Lambda's context gives it with every
 * request); without one (the command line) it is the account of {@code DEFAULT_EXECUTION_ROLE_ARN}, which
 * Lambda requires to be in the function's own account; with neither, wildcard entries match nothing.
 *
 * <p>Refusals say which rule failed, never the allowlist itself: the caller of a step need not learn the
 * deployment's roles.
 */
public final class RolePolicy {

    /** An IAM role ARN: partition, 12-digit account, role path and name. */
    private static final Pattern ROLE_ARN =
            Pattern.compile("arn:aws[a-zA-Z-]*:iam::(\\d{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}");

    private final StepConfig config;

    public RolePolicy(StepConfig config) {
        this.config = config;
    }

    /** {@link #resolve(String, Optional)} for a runner whose account is that of its default role. */
    public String resolve(String requested) {
        return resolve(requested, Optional.empty());
    }

    /**
     * The role to create the function with.
     *
     * @param requested     the request's {@code roleArn}, {@code null} for the default
     * @param runnerAccount the 12-digit account the runner runs in, when known (see the class comment)
     * @throws StepFailure {@code RoleNotAllowed} naming the rule that refused it, or {@code InvalidStepRequest}
     *                     when {@code requested} is not a role ARN
     */
    public String resolve(String requested, Optional<String> runnerAccount) {
        if (requested == null) {
            if (config.defaultRoleArn() == null) {
                throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "the request names no roleArn and this deployment "
                        + "has no DEFAULT_EXECUTION_ROLE_ARN; give a roleArn the deployment allows "
                        + "(ALLOWED_EXECUTION_ROLE_ARNS) or configure a default role");
            }
            return config.defaultRoleArn();
        }
        if (requested.equals(config.defaultRoleArn())) {
            return requested;
        }
        Matcher role = ROLE_ARN.matcher(requested);
        if (!role.matches()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "roleArn must be an IAM role ARN such as "
                    + "arn:aws:iam::123456789012:role/runbook-reader; leave it out to use the default role");
        }
        if (config.allowedRoleArns().isEmpty()) {
            throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested + " is not allowed: it is not "
                    + "the default role, and this deployment allows only its default role (ALLOWED_EXECUTION_ROLE_ARNS is empty); "
                    + "leave roleArn out, or ask the deployment's owner to allow the role");
        }
        if (config.allowedRoleArns().contains(requested)) {
            return requested;
        }
        Optional<String> account = runnerAccount.or(this::defaultRoleAccount);
        boolean prefixMatches = false;
        for (String allowed : config.allowedRoleArns()) {
            if (allowed.endsWith("*") && requested.startsWith(allowed.substring(0, allowed.length() - 1))) {
                prefixMatches = true;
                if (account.isPresent() && account.get().equals(role.group(1))) {
                    return requested;
                }
            }
        }
        if (prefixMatches) {
            String why = account.isEmpty()
                    ? "the runner cannot tell its own account here (no Lambda context and no default role), so "
                    + "wildcard entries of ALLOWED_EXECUTION_ROLE_ARNS match no role"
                    : "it is a role of another account than the step runner's, and a wildcard entry of "
                    + "ALLOWED_EXECUTION_ROLE_ARNS covers only the runner's own account";
            throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested + " is not allowed: " + why
                    + "; ask the deployment's owner to list the role in full");
        }
        throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested + " is not allowed: it is neither "
                + "the default role nor on the deployment's allowlist (ALLOWED_EXECUTION_ROLE_ARNS); leave roleArn out to use the "
                + "default role, or ask the deployment's owner to allow this one");
    }

    /** The account of a role or function ARN ({@code arn:partition:service:region:account:...}), if it has one. */
    public static Optional<String> accountOf(String arn) {
        if (arn == null) {
            return Optional.empty();
        }
        String[] parts = arn.split(":", 6);
        return parts.length >= 5 && parts[0].equals("arn") && parts[4].matches("\\d{12}")
                ? Optional.of(parts[4]) : Optional.empty();
    }

    private Optional<String> defaultRoleAccount() {
        return accountOf(config.defaultRoleArn());
    }
}
