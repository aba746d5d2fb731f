import io.lambdasteprunner.step.StepFailure;

/**
 * The exceptions the deployed handler ({@link StepRunnerHandler}) throws, one class per {@link io.lambdasteprunner.step.StepError}
 * name, in the unnamed package on purpose: Lambda's Java runtime reports a thrown exception's class
 * name as the error type, so these make Step Functions see {@code Throttled}, not
 * {@code io.lambdasteprunner...Throttled}, and {@code "ErrorEquals": ["Throttled"]} works. They carry
 * no stack trace: the caller gets the name and the message only.
 */
public final class StepErrorTypes {

    private StepErrorTypes() {
    }

    /** The exception Lambda reports for a failure: class name = error name, message = what to fix. */
    public static RuntimeException of(StepFailure failure) {
        String message = failure.getMessage();
        return switch (failure.error()) {
            case INVALID_STEP_REQUEST -> new InvalidStepRequest(message);
            case UNKNOWN_VARIABLE -> new UnknownVariable(message);
            case UNSUPPORTED_RUNTIME -> new UnsupportedRuntime(message);
            case CODE_TOO_LARGE -> new CodeTooLarge(message);
            case PAYLOAD_TOO_LARGE -> new PayloadTooLarge(message);
            case LAMBDA_REJECTED_REQUEST -> new LambdaRejectedRequest(message);
            case ROLE_NOT_ALLOWED -> new RoleNotAllowed(message);
            case RECURSION_REFUSED -> new RecursionRefused(message);
            case ASSUME_ROLE_DENIED -> new AssumeRoleDenied(message);
            case LAMBDA_ACCESS_DENIED -> new LambdaAccessDenied(message);
            case FUNCTION_NOT_FOUND -> new FunctionNotFound(message);
            case ROUTE_NOT_FOUND -> new RouteNotFound(message);
            case METHOD_NOT_ALLOWED -> new MethodNotAllowed(message);
            case FUNCTION_CONFLICT -> new FunctionConflict(message);
            case THROTTLED -> new Throttled(message);
            case FUNCTION_FAILED -> new FunctionFailed(message);
            case FUNCTION_CREATION_FAILED -> new FunctionCreationFailed(message);
            case LAMBDA_UNAVAILABLE -> new LambdaUnavailable(message);
            case STS_UNAVAILABLE -> new StsUnavailable(message);
            case FUNCTION_NOT_READY -> new FunctionNotReady(message);
            case STEP_TIMED_OUT -> new StepTimedOut(message);
            case INTERNAL_ERROR -> new StepRunnerInternalError(message);
        };
    }
}

/** Base of the named errors: message only, no stack trace, no cause. */
abstract class NamedStepError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NamedStepError(String message) {
        super(message, null, false, false);
    }
}

final class InvalidStepRequest extends NamedStepError {
    private static final long serialVersionUID = 1L;

    InvalidStepRequest(String message) {
        super(message);
    }
}

final class UnknownVariable extends NamedStepError {
    private static final long serialVersionUID = 1L;

    UnknownVariable(String message) {
        super(message);
    }
}

final class UnsupportedRuntime extends NamedStepError {
    private static final long serialVersionUID = 1L;

    UnsupportedRuntime(String message) {
        super(message);
    }
}

final class CodeTooLarge extends NamedStepError {
    private static final long serialVersionUID = 1L;

    CodeTooLarge(String message) {
        super(message);
    }
}

final class PayloadTooLarge extends NamedStepError {
    private static final long serialVersionUID = 1L;

    PayloadTooLarge(String message) {
        super(message);
    }
}

final class LambdaRejectedRequest extends NamedStepError {
    private static final long serialVersionUID = 1L;

    LambdaRejectedRequest(String message) {
        super(message);
    }
}

final class RoleNotAllowed extends NamedStepError {
    private static final long serialVersionUID = 1L;

    RoleNotAllowed(String message) {
        super(message);
    }
}

final class RecursionRefused extends NamedStepError {
    private static final long serialVersionUID = 1L;

    RecursionRefused(String message) {
        super(message);
    }
}

final class LambdaAccessDenied extends NamedStepError {
    private static final long serialVersionUID = 1L;

    LambdaAccessDenied(String message) {
        super(message);
    }
}

final class FunctionNotFound extends NamedStepError {
    private static final long serialVersionUID = 1L;

    FunctionNotFound(String message) {
        super(message);
    }
}

final class RouteNotFound extends NamedStepError {
    private static final long serialVersionUID = 1L;

    RouteNotFound(String message) {
        super(message);
    }
}

final class MethodNotAllowed extends NamedStepError {
    private static final long serialVersionUID = 1L;

    MethodNotAllowed(String message) {
        super(message);
    }
}

final class FunctionConflict extends NamedStepError {
    private static final long serialVersionUID = 1L;

    FunctionConflict(String message) {
        super(message);
    }
}

final class Throttled extends NamedStepError {
    private static final long serialVersionUID = 1L;

    Throttled(String message) {
        super(message);
    }
}

final class FunctionFailed extends NamedStepError {
    private static final long serialVersionUID = 1L;

    FunctionFailed(String message) {
        super(message);
    }
}

final class FunctionCreationFailed extends NamedStepError {
    private static final long serialVersionUID = 1L;

    FunctionCreationFailed(String message) {
        super(message);
    }
}

final class LambdaUnavailable extends NamedStepError {
    private static final long serialVersionUID = 1L;

    LambdaUnavailable(String message) {
        super(message);
    }
}

final class FunctionNotReady extends NamedStepError {
    private static final long serialVersionUID = 1L;

    FunctionNotReady(String message) {
        super(message);
    }
}

final class StepTimedOut extends NamedStepError {
    private static final long serialVersionUID = 1L;

    StepTimedOut(String message) {
        super(message);
    }
}

final class StepRunnerInternalError extends NamedStepError {
    private static final long serialVersionUID = 1L;

    StepRunnerInternalError(String message) {
        super(message);
    }
}

final class AssumeRoleDenied extends NamedStepError {
    private static final long serialVersionUID = 1L;

    AssumeRoleDenied(String message) {
        super(message);
    }
}

final class StsUnavailable extends NamedStepError {
    private static final long serialVersionUID = 1L;

    StsUnavailable(String message) {
        super(message);
    }
}
