package io.lambdasteprunner.local;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function reference as callers send it: a name, a partial ARN ({@code 123456789012:function:name})
 * or a full ARN, each with an optional {@code :qualifier}.
 */
record FunctionName(String name, String qualifier) {

    private static final Pattern REFERENCE = Pattern.compile(
            "^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\\d{12}:)?(?:function:)?([a-zA-Z0-9-_]+)(?::(\\$LATEST|[a-zA-Z0-9-_]+))?$");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9-_]+");

    static FunctionName parse(String reference) {
        if (reference == null || reference.isEmpty() || reference.length() > 170) {
            throw LambdaException.validation(reference, "functionName",
                    "Member must have length less than or equal to 170");
        }
        Matcher matcher = REFERENCE.matcher(reference);
        if (!matcher.matches()) {
            throw LambdaException.validation(reference, "functionName",
                    "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
        }
        if (matcher.group(1).length() > 64) {
            throw LambdaException.validation(matcher.group(1), "functionName",
                    "Member must have length less than or equal to 64");
        }
        return new FunctionName(matcher.group(1), matcher.group(2));
    }

    /** A plain name for CreateFunction: 1-64 letters, digits, hyphens and underscores. */
    static String validNewName(String name) {
        if (name == null || name.isEmpty()) {
            throw LambdaException.validation(null, "functionName", "Member must not be null");
        }
        if (name.length() > 64) {
            throw LambdaException.validation(name, "functionName", "Member must have length less than or equal to 64");
        }
        if (!NAME.matcher(name).matches()) {
            FunctionName parsed = parse(name);
            if (parsed.qualifier() != null) {
                throw LambdaException.invalidParameter("Unqualified function name expected: " + name);
            }
            return parsed.name();
        }
        return name;
    }
}
