package io.lambdasteprunner.step;

/**
 * The {@link LambdaGateway} of each account and region a step may act in ({@link TargetAccount}).
 * {@code io.lambdasteprunner.lambda} implements it with one SDK client per region and the credentials of each
 * assumed role session; tests may hand back one in-memory gateway for every target. Implementations must be
 * thread-safe and cheap for the runner's own target.
 */
@FunctionalInterface
public interface LambdaGateways {

    /**
     * The gateway that acts in {@code target}; the role, if any, was already checked against the allowlist.
     *
     * @param origin what the assumed role's session is named after: the API request or the runner's request
     *               ({@link RunnerInvocation#origin()}), shown in the target account's CloudTrail
     * @throws StepFailure {@code AssumeRoleDenied} or {@code StsUnavailable} when the role's credentials cannot
     *                     be had
     */
    LambdaGateway in(TargetAccount target, String origin);

    /** One gateway for every target (tests; a deployment that acts only in its own account and region). */
    static LambdaGateways only(LambdaGateway gateway) {
        return (target, origin) -> gateway;
    }
}
