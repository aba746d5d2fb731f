package io.lambdasteprunner.step;

import java.util.Map;
import java.util.Optional;

/**
 * What a step needs from Lambda. The step rules call only this; {@code io.lambdasteprunner.lambda}
 * implements it with the AWS SDK (retries included), tests may implement it in memory.
 *
 * <p>Every method throws {@link StepFailure} with a named {@link StepError} when Lambda says no:
 * {@code FunctionNotFound}, {@code Throttled} (after retries), {@code FunctionConflict},
 * {@code LambdaRejectedRequest}, {@code PayloadTooLarge}, {@code LambdaAccessDenied} or
 * {@code LambdaUnavailable}. Implementations must be thread-safe.
 */
public interface LambdaGateway {

    /** Invokes a function and returns what Lambda answered, function errors included. */
    InvocationResult invoke(Invocation invocation);

    /** Creates a function from one source file; it starts {@code Pending}. */
    void createFunction(NewFunction function);

    /**
     * Waits until a new function leaves {@code Pending}, for at most {@code timeout}, and says where it
     * stopped: {@code Active}; {@code Failed} (or {@code Inactive}) with Lambda's reason; or still
     * {@code Pending} when the time ran out.
     */
    FunctionState awaitActive(String functionName, java.time.Duration timeout);

    /** Deletes a function (unqualified). */
    void deleteFunction(String functionName);

    /**
     * Every function in the account and region (ListFunctions, all pages), for the orphan sweeper.
     * Implementations that cannot list refuse with {@code StepRunnerInternalError}.
     */
    default java.util.List<FunctionSummary> listFunctions() {
        throw new StepFailure(StepError.INTERNAL_ERROR, "this Lambda gateway cannot list functions");
    }

    /** A function's tags (ListTags on its ARN), for the orphan sweeper. */
    default Map<String, String> tags(String functionArn) {
        throw new StepFailure(StepError.INTERNAL_ERROR, "this Lambda gateway cannot read tags");
    }

    /**
     * One function as ListFunctions reports it.
     *
     * @param lastModified when its code or configuration last changed; {@code null} when Lambda gave none
     */
    record FunctionSummary(String functionName, String functionArn, java.time.Instant lastModified) {
    }

    /**
     * What GetFunction says about a function, or empty when it does not exist (reusable functions).
     * Implementations that serve only throwaway functions may leave this unsupported.
     */
    default Optional<FunctionInfo> findFunction(String functionName) {
        throw new UnsupportedOperationException("findFunction");
    }

    /** Adds or overwrites tags on a function (TagResource needs the function's ARN). */
    default void tagFunction(String functionArn, Map<String, String> tags) {
        throw new UnsupportedOperationException("tagFunction");
    }

    /**
     * The {@code CodeSha256} Lambda reports for a function created from {@code source} by this gateway
     * (base64 SHA-256 of the zip): the zip is deterministic, so equal sources give equal digests.
     */
    default String codeSha256(FunctionSource source) {
        throw new UnsupportedOperationException("codeSha256");
    }

    /**
     * One Invoke call.
     *
     * @param functionName  name or ARN as the request gave it
     * @param qualifier     {@code null} for none
     * @param payloadJson   the event, serialised
     * @param clientContextJson {@code null} for none; the gateway base64-encodes it
     */
    record Invocation(String functionName, String qualifier, String payloadJson,
                      StepRequest.InvocationType invocationType, String clientContextJson,
                      StepRequest.LogType logType, java.time.Duration timeout) {

        /** An invocation bounded only by the client's own timeouts. */
        public Invocation(String functionName, String qualifier, String payloadJson,
                          StepRequest.InvocationType invocationType, String clientContextJson,
                          StepRequest.LogType logType) {
            this(functionName, qualifier, payloadJson, invocationType, clientContextJson, logType, null);
        }
    }

    /**
     * What Invoke returned.
     *
     * @param statusCode      200, 202 or 204
     * @param functionError   {@code X-Amz-Function-Error} ({@code Unhandled}) or {@code null}
     * @param logTail         the decoded {@code X-Amz-Log-Result}, or {@code null}
     * @param payload         the response payload as text (empty when there is none)
     * @param executedVersion {@code X-Amz-Executed-Version} or {@code null}
     */
    record InvocationResult(int statusCode, String functionError, String logTail, String payload,
                            String executedVersion) {
    }

    /** A function to create from one source file (packed as a zip by the gateway). */
    record NewFunction(String functionName, String runtime, String roleArn, FunctionSource source,
                       String description, Integer timeoutSeconds, Integer memorySize,
                       Map<String, String> environment, Map<String, String> tags) {
        public NewFunction {
            environment = Map.copyOf(environment);
            tags = Map.copyOf(tags);
        }
    }

    /**
     * A function's lifecycle state.
     *
     * @param state  {@code Pending}, {@code Active}, {@code Inactive} or {@code Failed}
     * @param reason Lambda's {@code StateReason}, or {@code null}
     */
    record FunctionState(String state, String reason) {
        public boolean isActive() {
            return "Active".equals(state);
        }

        public boolean isFailed() {
            return "Failed".equals(state);
        }
    }

    /**
     * A function as GetFunction reports it.
     *
     * @param functionArn the unqualified ARN (what TagResource takes)
     * @param state       {@code Pending}, {@code Active}, {@code Inactive} or {@code Failed}
     * @param codeSha256  base64 SHA-256 of the deployment package
     * @param tags        the function's tags (empty when the caller may not list them)
     */
    record FunctionInfo(String functionArn, String state, String stateReason, String codeSha256,
                        Map<String, String> tags) {
        public FunctionInfo {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        public FunctionState functionState() {
            return new FunctionState(state, stateReason);
        }
    }
}
