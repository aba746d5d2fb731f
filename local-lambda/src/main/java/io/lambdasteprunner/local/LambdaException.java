package io.lambdasteprunner.local;

import java.util.List;

/**
 * An error the Lambda API answers with: AWS's HTTP status, error code (sent in
 * {@code X-Amzn-ErrorType}, which the SDKs read), message in AWS's words and, for throttling,
 * the {@code Reason} AWS gives. {@link WireShapes#error} writes it in the shape botocore's model gives
 * each code.
 */
final class LambdaException extends RuntimeException {
    private final int status;
    private final String code;
    private final String reason;
    private final boolean typed;

    LambdaException(int status, String code, String message) {
        this(status, code, message, null, true);
    }

    private LambdaException(int status, String code, String message, String reason, boolean typed) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.reason = reason;
        this.typed = typed;
    }

    /** Whether the body carries {@code Type}: a few of AWS's answers leave it out (recorded). */
    boolean typed() {
        return typed;
    }

    /** The same error without the body's {@code Type} member, as AWS sends some of them. */
    LambdaException untyped() {
        return new LambdaException(status, code, getMessage(), reason, false);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The {@code Reason} of a {@code TooManyRequestsException}, else null. */
    String reason() {
        return reason;
    }

    static LambdaException functionNotFound(String arn) {
        return new LambdaException(404, "ResourceNotFoundException", "Function not found: " + arn);
    }

    static LambdaException notFound(String message) {
        return new LambdaException(404, "ResourceNotFoundException", message);
    }

    static LambdaException conflict(String message) {
        return new LambdaException(409, "ResourceConflictException", message);
    }

    static LambdaException invalidParameter(String message) {
        return new LambdaException(400, "InvalidParameterValueException", message);
    }

    static LambdaException invalidContent(String message) {
        return new LambdaException(400, "InvalidRequestContentException", message);
    }

    static LambdaException preconditionFailed() {
        return new LambdaException(412, "PreconditionFailedException", "The Revision Id provided does not match the "
                + "latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }

    /** A stale RevisionId on AddPermission or RemovePermission (recorded 2025: AWS names GetPolicy there). */
    static LambdaException policyPreconditionFailed() {
        return new LambdaException(412, "PreconditionFailedException", "The Revision Id provided does not match the "
                + "latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id");
    }

    /** AWS's wording for a request field that breaks a constraint of the API model. */
    static LambdaException validation(Object value, String field, String constraint) {
        return validation(List.of(Violation.of(value, field, constraint)));
    }

    /** Every broken constraint in one message, as AWS reports them ("2 validation errors detected: ...; ..."). */
    static LambdaException validation(List<Violation> violations) {
        String count = violations.size() == 1 ? "1 validation error detected: "
                : violations.size() + " validation errors detected: ";
        return new LambdaException(400, "ValidationException",
                count + String.join("; ", violations.stream().map(Violation::text).toList()));
    }

    /** The size limits AWS enforces in front of the API, with the 413 code it really sends (not the model's). */
    static LambdaException entityTooLarge(String message) {
        return new LambdaException(413, "RequestEntityTooLargeException", message);
    }

    static LambdaException tooLarge(long limit, String operation) {
        return entityTooLarge("Request must be smaller than " + limit + " bytes for the " + operation + " operation");
    }

    /** Throttling: {@code reason} is AWS's {@code ThrottleReason}, e.g. {@code ConcurrentInvocationLimitExceeded}. */
    static LambdaException tooManyRequests(String message) {
        return tooManyRequests(message, "ConcurrentInvocationLimitExceeded");
    }

    static LambdaException tooManyRequests(String message, String reason) {
        return new LambdaException(429, "TooManyRequestsException", message, reason, true);
    }

    /** One broken constraint: {@code Value '<value>' at '<field>' failed to satisfy constraint: <constraint>}. */
    record Violation(String text) {
        static Violation of(Object value, String field, String constraint) {
            // AWS writes a missing value as a bare null, anything else in quotes.
            String shown = value == null ? "null" : "'" + value + "'";
            return new Violation("Value " + shown + " at '" + field + "' failed to satisfy constraint: " + constraint);
        }

        /** For a sensitive member (environment variables), AWS leaves the value out: {@code Value at '<field>' ...}. */
        static Violation sensitive(String field, String constraint) {
            return new Violation("Value at '" + field + "' failed to satisfy constraint: " + constraint);
        }
    }
}
