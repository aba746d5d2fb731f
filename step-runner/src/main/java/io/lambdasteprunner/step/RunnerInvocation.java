package io.lambdasteprunner.step;

import java.util.Optional;
import java.util.UUID;

/**
 * The step runner's own invocation, as Lambda's context describes it.
 *
 * @param requestId          the runner's request id: names a response written to {@code RESULT_BUCKET}, so it
 *                           can be found from the Step Functions execution or the runner's log
 * @param invokedFunctionArn the ARN the runner was invoked by, which carries the runner's account (the
 *                           account wildcard role entries cover); {@code null} outside Lambda
 */
public record RunnerInvocation(String requestId, String invokedFunctionArn) {

    public RunnerInvocation {
        if (requestId == null || requestId.isBlank()) {
            requestId = UUID.randomUUID().toString();
        }
    }

    /** Outside Lambda (the command line, tests): a fresh request id, no ARN. */
    public static RunnerInvocation outsideLambda() {
        return new RunnerInvocation(null, null);
    }

    /** The runner's 12-digit account, when its ARN is known. */
    public Optional<String> account() {
        return RolePolicy.accountOf(invokedFunctionArn);
    }
}
