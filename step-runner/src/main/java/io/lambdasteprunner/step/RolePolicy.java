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
 * <p>The roles a step may assume to act in another account ({@code ALLOWED_ASSUME_ROLE_ARNS}) follow the same
 * syntax and rules ({@link RoleAllowlist}); a step's function in another account needs an execution role of that
 * account ({@link #resolveIn}).
 *
 * <p>Refusals say which rule failed, never the allowlist itself: the caller of a step need not learn the
 * deployment's roles.
 */
public final class RolePolicy {

    /** An IAM role ARN: partition, 12-digit account, role path and name. */
    private static final Pattern ROLE_ARN =
            Pattern.compile("arn:aws[a-zA-Z-]*:iam::(\\d{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}");

    private final StepConfig config;
    private final RoleAllowlist executionRoles;
    private final RoleAllowlist assumeRoles;

    public RolePolicy(StepConfig config) {
        this.config = config;
        this.executionRoles = new RoleAllowlist(StepConfig.EXECUTION_ROLES, config.allowedRoleArns());
        this.assumeRoles = new RoleAllowlist(StepConfig.ASSUME_ROLES, config.allowedAssumeRoleArns());
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
        Optional<String> account = runnerAccount.or(this::defaultRoleAccount);
        switch (executionRoles.match(requested, role.group(1), account)) {
            case ALLOWED -> {
                return requested;
            }
            case WILDCARD_OF_ANOTHER_ACCOUNT -> {
                String why = account.isEmpty()
                        ? "the runner cannot tell its own account here (no Lambda context and no default role), so "
                        + "wildcard entries of ALLOWED_EXECUTION_ROLE_ARNS match no role"
                        : "it is a role of another account than the step runner's (or, with assumeRoleArn, than the "
                        + "account the step acts in), and a wildcard entry of ALLOWED_EXECUTION_ROLE_ARNS covers only "
                        + "that account";
                throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested + " is not allowed: " + why
                        + "; ask the deployment's owner to list the role in full");
            }
            case NOT_LISTED -> throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "roleArn " + requested
                    + " is not allowed: it is neither the default role nor on the deployment's allowlist "
                    + "(ALLOWED_EXECUTION_ROLE_ARNS); leave roleArn out to use the default role, or ask the "
                    + "deployment's owner to allow this one");
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * The execution role of a function a step creates in {@code target}: in the runner's own account, as
     * {@link #resolve(String, Optional)}; in another account (an assumed role's), a {@code roleArn} of that
     * account is required, since Lambda gives a function only a role of its own account, and it must be on
     * {@code ALLOWED_EXECUTION_ROLE_ARNS} (a wildcard entry covers that account's roles).
     *
     * @throws StepFailure {@code InvalidStepRequest} when the role is missing or of another account,
     *                     {@code RoleNotAllowed} when it is off the allowlist
     */
    public String resolveIn(TargetAccount target, String requested, Optional<String> runnerAccount) {
        Optional<String> targetAccount = target.roleAccount();
        Optional<String> runners = runnerAccount.or(this::defaultRoleAccount);
        if (targetAccount.isEmpty() || targetAccount.equals(runners)) {
            return resolve(requested, runnerAccount);
        }
        String account = targetAccount.get();
        if (requested == null) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "a customCode step with assumeRoleArn "
                    + target.assumeRoleArn() + " creates its function in account " + account + ", so it needs a "
                    + "roleArn of that account for the function (the default role is the runner's own account's); "
                    + "add \"roleArn\": \"arn:aws:iam::" + account + ":role/...\"");
        }
        Optional<String> roleAccount = accountOf(requested);
        if (roleAccount.isPresent() && !roleAccount.get().equals(account)) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "roleArn " + requested + " is of account "
                    + roleAccount.get() + " but the function is created in account " + account + " (the account of "
                    + "assumeRoleArn); Lambda gives a function only a role of its own account, so name one of "
                    + account);
        }
        return resolve(requested, Optional.of(account));
    }

    /**
     * Checks that the runner may assume {@code target}'s role ({@code ALLOWED_ASSUME_ROLE_ARNS}), before any AWS
     * call. A target without a role needs no check.
     *
     * @param runnerAccount the runner's own account, which the list's wildcard entries cover
     * @throws StepFailure {@code RoleNotAllowed} naming the rule that refused it, never the list itself
     */
    public void checkAssumable(TargetAccount target, Optional<String> runnerAccount) {
        String requested = target.assumeRoleArn();
        if (requested == null) {
            return;
        }
        if (assumeRoles.isEmpty()) {
            throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "assumeRoleArn " + requested + " is not allowed: this "
                    + "deployment may assume no role (ALLOWED_ASSUME_ROLE_ARNS is empty); leave assumeRoleArn out to "
                    + "act in the runner's own account, or ask the deployment's owner to allow the role");
        }
        Optional<String> account = runnerAccount.or(this::defaultRoleAccount);
        switch (assumeRoles.match(requested, target.roleAccount().orElseThrow(), account)) {
            case ALLOWED -> {
            }
            case WILDCARD_OF_ANOTHER_ACCOUNT -> throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "assumeRoleArn "
                    + requested + " is not allowed: " + (account.isEmpty()
                    ? "the runner cannot tell its own account here, so wildcard entries of ALLOWED_ASSUME_ROLE_ARNS "
                    + "match no role"
                    : "it is a role of another account than the step runner's, and a wildcard entry of "
                    + "ALLOWED_ASSUME_ROLE_ARNS covers only the runner's own account")
                    + "; ask the deployment's owner to list the role in full");
            case NOT_LISTED -> throw new StepFailure(StepError.ROLE_NOT_ALLOWED, "assumeRoleArn " + requested
                    + " is not allowed: it is not on the deployment's list of roles it may assume "
                    + "(ALLOWED_ASSUME_ROLE_ARNS); ask the deployment's owner to allow it");
        }
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
