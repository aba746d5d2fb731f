package io.lambdasteprunner.local;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function reference as callers send it: a name, a partial ARN ({@code 123456789012:function:name})
 * or a full ARN, each with an optional {@code :qualifier}. Lambda's model has two shapes for it, with
 * different patterns and limits: {@code FunctionName} (create and update, at most 140 characters, no dots)
 * and {@code NamespacedFunctionName} (reads, invoke and delete, at most 256, dots allowed).
 *
 * @param region    the region of an ARN, else null
 * @param accountId the account of an ARN or partial ARN, else null
 * @param name      the function's name
 * @param qualifier the version or alias after the name, else null
 */
record FunctionName(String region, String accountId, String name, String qualifier) {

    /** The read-side pattern as AWS quotes it in its ValidationException (recorded 2025-11). */
    static final String READ_PATTERN = "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
            + "-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
    /** The create/update pattern as AWS quotes it (botocore's {@code FunctionName} shape). */
    static final String WRITE_PATTERN = "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
            + "-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
    static final int MAX_READ_LENGTH = 256;
    static final int MAX_WRITE_LENGTH = 140;
    static final int MAX_NAME_LENGTH = 64;

    private static final String PREFIX = "(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?"
            + "(?:(?<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d):)?(?:(?<account>\\d{12}):)?(?:function:)?";
    private static final Pattern READ = Pattern.compile(PREFIX
            + "(?<name>[a-zA-Z0-9-_.]+)(?::(?<qualifier>\\$LATEST(?:\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?");
    private static final Pattern WRITE = Pattern.compile(PREFIX
            + "(?<name>[a-zA-Z0-9-_]+)(?::(?<qualifier>\\$LATEST|[a-zA-Z0-9-_]+))?");

    /** A reference on a read, invoke or delete ({@code NamespacedFunctionName}). */
    static FunctionName parse(String reference) {
        return parse(reference, READ, READ_PATTERN, MAX_READ_LENGTH);
    }

    /** A reference on an update ({@code FunctionName}: at most 140 characters, no dots). */
    static FunctionName parseForUpdate(String reference) {
        return parse(reference, WRITE, WRITE_PATTERN, MAX_WRITE_LENGTH);
    }

    /**
     * CreateFunction's {@code FunctionName}: a name or (partial) ARN without qualifier. A plain name
     * over 64 characters is an {@code InvalidParameterValueException} there, as AWS answers it.
     */
    static FunctionName parseForCreate(String reference) {
        if (reference == null) {
            throw LambdaException.validation(null, "functionName", "Member must not be null");
        }
        FunctionName parsed = parseForUpdate(reference);
        if (parsed.name().length() > MAX_NAME_LENGTH) {
            throw LambdaException.invalidParameter("1 validation error detected: Value '" + reference
                    + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to "
                    + MAX_NAME_LENGTH);
        }
        if (parsed.qualifier() != null) {
            throw LambdaException.invalidParameter("Unqualified function name expected: " + reference);
        }
        return parsed;
    }

    private static FunctionName parse(String reference, Pattern pattern, String patternText, int maxLength) {
        List<LambdaException.Violation> violations = new ArrayList<>();
        if (reference == null || reference.isEmpty()) {
            throw LambdaException.validation(reference, "functionName", "Member must have length greater than or equal to 1");
        }
        if (reference.length() > maxLength) {
            violations.add(LambdaException.Violation.of(reference, "functionName",
                    "Member must have length less than or equal to " + maxLength));
        }
        Matcher matcher = pattern.matcher(reference);
        if (!matcher.matches()) {
            violations.add(LambdaException.Violation.of(reference, "functionName",
                    "Member must satisfy regular expression pattern: " + patternText));
        }
        if (!violations.isEmpty()) {
            throw LambdaException.validation(violations);
        }
        return new FunctionName(matcher.group("region"), matcher.group("account"), matcher.group("name"),
                matcher.group("qualifier"));
    }

    /** {@code Qualifier} as a query parameter ({@code NumericLatestPublishedOrAliasQualifier}); null if absent. */
    static String checkQualifier(String qualifier) {
        List<LambdaException.Violation> violations = qualifierViolations(qualifier);
        if (!violations.isEmpty()) {
            throw LambdaException.validation(violations);
        }
        return qualifier;
    }

    /**
     * A read's {@code FunctionName} with its {@code Qualifier}: when the qualifier breaks the model, AWS
     * lists what breaks in the name too, in one message (recorded: "2 validation errors detected").
     */
    static String checkQualifierOfRead(String reference, String qualifier) {
        List<LambdaException.Violation> violations = new ArrayList<>(qualifierViolations(qualifier));
        if (!violations.isEmpty() && reference != null && !reference.isEmpty()) {
            if (reference.length() > MAX_READ_LENGTH) {
                violations.add(LambdaException.Violation.of(reference, "functionName",
                        "Member must have length less than or equal to " + MAX_READ_LENGTH));
            }
            if (!READ.matcher(reference).matches()) {
                violations.add(LambdaException.Violation.of(reference, "functionName",
                        "Member must satisfy regular expression pattern: " + READ_PATTERN));
            }
        }
        if (!violations.isEmpty()) {
            throw LambdaException.validation(violations);
        }
        return qualifier;
    }

    private static List<LambdaException.Violation> qualifierViolations(String qualifier) {
        if (qualifier == null) {
            return List.of();
        }
        List<LambdaException.Violation> violations = new ArrayList<>();
        if (qualifier.isEmpty() || qualifier.length() > 128) {
            violations.add(LambdaException.Violation.of(qualifier, "qualifier", qualifier.isEmpty()
                    ? "Member must have length greater than or equal to 1"
                    : "Member must have length less than or equal to 128"));
        }
        if (!QUALIFIER.matcher(qualifier).matches()) {
            violations.add(LambdaException.Violation.of(qualifier, "qualifier",
                    "Member must satisfy regular expression pattern: " + QUALIFIER.pattern()));
        }
        return violations;
    }

    private static final Pattern QUALIFIER = Pattern.compile("\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+");

    /**
     * The qualifier a call means: the one in the name, the {@code Qualifier} parameter, or null; AWS
     * refuses the two when they differ, before it looks the function up.
     */
    String qualifierWith(String parameter) {
        if (qualifier != null && parameter != null && !qualifier.equals(parameter)) {
            throw LambdaException.invalidParameter(
                    "The derived qualifier from the function name does not match the specified qualifier.");
        }
        return qualifier != null ? qualifier : parameter;
    }
}
