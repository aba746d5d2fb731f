package io.lambdasteprunner.step;

import java.util.Optional;
import java.util.UUID;

/**
 * The step runner's own invocation, as Lambda's context describes it.
 *
 * @param requestId          the runner's request id: names a response written to {@code RESULT_BUCKET}, so it
 *                           can be found from the Step Functions execution or the runner's log
 * @param invokedFunctionArn the ARN the runner was invoked by, which carries the runner's account (the
 *                           account wildcard role entries cover) and region; {@code null} outside Lambda
 * @param origin             what a step's assumed-role session is named after, so the target account's
 *                           CloudTrail shows who acted: the API request's id for an API call, the runner's
 *                           request id otherwise
 */
public record RunnerInvocation(String requestId, String invokedFunctionArn, String origin) {

    public RunnerInvocation {
        if (requestId == null || requestId.isBlank()) {
            requestId = UUID.randomUUID().toString();
        }
        if (origin == null || origin.isBlank()) {
            origin = requestId;
        }
    }

    /** An invocation named after the runner's own request. */
    public RunnerInvocation(String requestId, String invokedFunctionArn) {
        this(requestId, invokedFunctionArn, null);
    }

    /** Outside Lambda (the command line, tests): a fresh request id, no ARN. */
    public static RunnerInvocation outsideLambda() {
        return new RunnerInvocation(null, null);
    }

    /** The same invocation, its steps' sessions named after {@code requestOrigin} (an API request id). */
    public RunnerInvocation withOrigin(String requestOrigin) {
        return new RunnerInvocation(requestId, invokedFunctionArn, requestOrigin == null ? origin : requestOrigin);
    }

    /** The runner's 12-digit account, when its ARN is known. */
    public Optional<String> account() {
        return RolePolicy.accountOf(invokedFunctionArn);
    }

    /** The runner's region, when its ARN is known. */
    public Optional<String> region() {
        return invokedFunctionArn == null ? Optional.empty() : FunctionNames.regionOf(invokedFunctionArn);
    }
}
