package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Function names: reading the {@code functionName} a request gives, and generating names for
 * custom-code functions.
 *
 * <p>Generated names are {@code <prefix>-<epoch millis>-<8 hex>}, at most 64 characters (the prefix
 * is cut when it is longer). The hex part mixes randomness with a per-instance counter, so names from
 * one container never repeat and names from different containers collide with negligible probability;
 * the runner still retries with a fresh name if Lambda reports the name taken. Under SnapStart the
 * randomness must be a {@link ReseedableRandom} reseeded after restore, or environments resumed from one
 * snapshot would draw the same suffixes. Thread-safe.
 */
public final class FunctionNames {

    /** Lambda's own pattern for FunctionName in Invoke: name, partial ARN or full ARN, optional qualifier. */
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\\d:)?(?:\\d{12}:)?(?:function:)?"
                    + "([a-zA-Z0-9_-]+)(?::(\\$LATEST|[a-zA-Z0-9_-]+))?");
    private static final Pattern QUALIFIER = Pattern.compile("\\$LATEST|[a-zA-Z0-9_-]{1,128}");

    private final String prefix;
    private final Clock clock;
    private final RandomGenerator random;
    private final AtomicInteger counter = new AtomicInteger();

    public FunctionNames(String prefix, Clock clock, RandomGenerator random) {
        int room = LambdaLimits.FUNCTION_NAME_LENGTH - 1 - 13 - 1 - 8;
        this.prefix = prefix.length() > room ? prefix.substring(0, room) : prefix;
        this.clock = clock;
        this.random = random;
    }

    /** The prefix generated names start with (the configured one, cut to leave room for the rest). */
    public String prefix() {
        return prefix;
    }

    /** Whether a name has the shape of the names {@link #next()} gives: {@code <prefix>-<millis>-<8 hex>}. */
    public boolean isGenerated(String name) {
        return name.length() <= LambdaLimits.FUNCTION_NAME_LENGTH && name.startsWith(prefix + "-")
                && name.substring(prefix.length() + 1).matches("\\d{1,13}-[0-9a-f]{8}");
    }

    /** A fresh name for a generated function. */
    public String next() {
        int unique = random.nextInt() ^ (counter.getAndIncrement() * 0x9E3779B9);
        return prefix + "-" + clock.millis() + "-" + String.format("%08x", unique);
    }

    /**
     * A function reference split into the bare name and the {@code :qualifier} suffix, if any.
     *
     * @param name the function's bare name (what recursion checks compare)
     */
    public record Reference(String name, Optional<String> qualifier) {
    }

    /** The region of a full function ARN ({@code arn:aws:lambda:eu-west-1:...}); empty for a name or partial ARN. */
    public static Optional<String> regionOf(String functionName) {
        String[] parts = functionName.split(":", 6);
        return parts.length >= 6 && parts[0].equals("arn") && parts[2].equals("lambda")
                ? Optional.of(parts[3]) : Optional.empty();
    }

    /** The account of a full or partial function ARN ({@code 123456789012:function:name}); empty for a name. */
    public static Optional<String> accountOf(String functionName) {
        if (functionName.matches("\\d{12}:function:.*")) {
            return Optional.of(functionName.substring(0, 12));
        }
        return RolePolicy.accountOf(functionName);
    }

    /**
     * Checks a {@code functionName} as Lambda would and splits it.
     *
     * @throws StepFailure {@code InvalidStepRequest} when Lambda would refuse the name
     */
    public static Reference parse(String functionName) {
        Matcher matcher = REFERENCE.matcher(functionName);
        if (functionName.length() > LambdaLimits.QUALIFIED_FUNCTION_ARN_LENGTH || !matcher.matches()
                || matcher.group(1).length() > LambdaLimits.FUNCTION_NAME_LENGTH) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "functionName '" + functionName + "' is not a "
                    + "function name (1-64 letters, digits, '-', '_'), partial ARN (123456789012:function:name) or "
                    + "full ARN (arn:aws:lambda:us-east-1:123456789012:function:name), optionally with :qualifier");
        }
        return new Reference(matcher.group(1), Optional.ofNullable(matcher.group(2)));
    }

    /** Whether a qualifier is a version number, {@code $LATEST} or an alias name as Lambda allows them. */
    public static boolean isValidQualifier(String qualifier) {
        return QUALIFIER.matcher(qualifier).matches();
    }
}
