package io.lambdasteprunner.step;

import java.util.Objects;

/**
 * {@code {"action": "sweep"}}, or EventBridge's scheduled event: delete the generated functions that
 * outlived their step ({@link OrphanSweeper}). It takes no other fields but the target's ({@code region},
 * {@code assumeRoleArn}, {@code externalId}), to sweep another region or account.
 */
public record SweepRequest(TargetAccount target) implements RunnerRequest {

    public SweepRequest {
        Objects.requireNonNull(target, "target");
    }

    /** A sweep of the runner's own account and region. */
    public SweepRequest() {
        this(TargetAccount.RUNNERS_OWN);
    }
}
