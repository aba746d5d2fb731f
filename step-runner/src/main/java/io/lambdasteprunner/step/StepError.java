package io.lambdasteprunner.step;

/**
 * Every error a step can end with, under the stable name callers key on (Step Functions
 * {@code Retry}/{@code Catch}, API Gateway status codes, the command line's stderr).
 *
 * <p>The names are a public contract: add new ones, never rename. docs/ERRORS.md lists this table.
 */
public enum StepError {
    /** The request is malformed: a missing or mistyped field, an unknown action or field, a value out of range. */
    INVALID_STEP_REQUEST("InvalidStepRequest", 400),
    /** {@code ${group.key}} names a data variable the request does not define. */
    UNKNOWN_VARIABLE("UnknownVariable", 400),
    /** {@code runtime} is not an interpreted runtime Lambda accepts for new functions. */
    UNSUPPORTED_RUNTIME("UnsupportedRuntime", 400),
    /** The custom code is larger than a step accepts. */
    CODE_TOO_LARGE("CodeTooLarge", 400),
    /** The payload (for the invocation type) or the client context is larger than Lambda accepts. */
    PAYLOAD_TOO_LARGE("PayloadTooLarge", 400),
    /** Lambda refused a parameter (its {@code InvalidParameterValueException} and kin); Lambda's message is kept. */
    LAMBDA_REJECTED_REQUEST("LambdaRejectedRequest", 400),
    /** The execution role is neither the default role nor on the allowlist. */
    ROLE_NOT_ALLOWED("RoleNotAllowed", 403),
    /** The step would invoke the step runner itself. */
    RECURSION_REFUSED("RecursionRefused", 403),
    /**
     * STS refused to let the runner assume the step's {@code assumeRoleArn} (the role's trust policy, a wrong
     * {@code externalId}, a role that does not exist, or the runner's own policy); STS's reason is kept.
     */
    ASSUME_ROLE_DENIED("AssumeRoleDenied", 403),
    /** Lambda denied the step runner's own role the call. */
    LAMBDA_ACCESS_DENIED("LambdaAccessDenied", 403),
    /** The target function (or qualifier) does not exist. */
    FUNCTION_NOT_FOUND("FunctionNotFound", 404),
    /** The API Gateway route is not {@code /steps}. */
    ROUTE_NOT_FOUND("RouteNotFound", 404),
    /** The API Gateway method is not {@code POST}. */
    METHOD_NOT_ALLOWED("MethodNotAllowed", 405),
    /** The function is in a state that does not allow the call, or generated names kept being taken. */
    FUNCTION_CONFLICT("FunctionConflict", 409),
    /** Lambda kept throttling after the step's retries with backoff. */
    THROTTLED("Throttled", 429),
    /** The target function raised an error and the step asked {@code failOnFunctionError}. */
    FUNCTION_FAILED("FunctionFailed", 502),
    /** Lambda could not create the generated function (state {@code Failed}). */
    FUNCTION_CREATION_FAILED("FunctionCreationFailed", 502),
    /** Lambda could not be reached or kept answering 5xx after the step's retries. */
    LAMBDA_UNAVAILABLE("LambdaUnavailable", 503),
    /** STS could not be reached, or answered 5xx, while the runner assumed the step's {@code assumeRoleArn}. */
    STS_UNAVAILABLE("StsUnavailable", 503),
    /** The generated function did not become {@code Active} within the time the step had left. */
    FUNCTION_NOT_READY("FunctionNotReady", 503),
    /**
     * The function was still running when the step's time ran out (an API request has 25 s, as API Gateway
     * answers 504 after 29 s); it may have run, so it was not invoked again.
     */
    STEP_TIMED_OUT("StepTimedOut", 504),
    /**
     * A defect in the step runner itself; never used for a caller's mistake. Formerly {@code InternalError}: its
     * exception class in the unnamed package shadowed {@code java.lang.InternalError}, and the bare name did not
     * say whose error it was.
     */
    INTERNAL_ERROR("StepRunnerInternalError", 500);

    private final String errorName;
    private final int httpStatus;

    StepError(String errorName, int httpStatus) {
        this.errorName = errorName;
        this.httpStatus = httpStatus;
    }

    /** The stable name, e.g. {@code InvalidStepRequest}. */
    public String errorName() {
        return errorName;
    }

    /** The HTTP status the API Gateway adapter answers with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Whether the caller can fix it by changing the request (a 4xx). */
    public boolean isCallerMistake() {
        return httpStatus >= 400 && httpStatus < 500;
    }
}
