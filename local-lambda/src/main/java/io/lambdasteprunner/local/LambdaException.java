package io.lambdasteprunner.local;

/**
 * An error the Lambda API answers with: AWS's HTTP status, error code (sent in
 * {@code X-Amzn-ErrorType}, which the SDKs read) and message in AWS's words.
 */
final class LambdaException extends RuntimeException {
    private final int status;
    private final String code;

    LambdaException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
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

    /** AWS's wording for a request field that breaks a constraint of the API model. */
    static LambdaException validation(Object value, String field, String constraint) {
        return new LambdaException(400, "ValidationException",
                "1 validation error detected: Value '" + value + "' at '" + field
                        + "' failed to satisfy constraint: " + constraint);
    }

    static LambdaException tooLarge(long limit, String operation) {
        return new LambdaException(413, "RequestTooLargeException",
                "Request must be smaller than " + limit + " bytes for the " + operation + " operation");
    }

    static LambdaException tooManyRequests(String message) {
        return new LambdaException(429, "TooManyRequestsException", message);
    }
}
