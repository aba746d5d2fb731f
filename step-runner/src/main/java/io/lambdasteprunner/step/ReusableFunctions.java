package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reusable custom-code functions ({@code "reuse": true}): their names, their definition hash, their
 * tags, and what this container already knows about them.
 *
 * <p>A reusable function is named {@code <prefix>-reuse-<24 hex>}, the hex being the start of the
 * SHA-256 of everything that defines it: the prefix, runtime, file name, handler, code, role, memory,
 * timeout, environment, description and tags. The same definition therefore always names the same
 * function and any change names a new one. The full hash is kept in the tag {@value #DEFINITION_TAG},
 * which is how a step recognises that an existing function is the one it would create.
 *
 * <p>The step never deletes a reusable function. It stamps {@value #LAST_USED_TAG} (ISO-8601 instant)
 * when it creates one, and refreshes it when the stamp is older than {@link #TOUCH_INTERVAL}, so the
 * sweeper can remove functions idle for longer than its configured age. Thread-safe.
 */
public final class ReusableFunctions {

    /** Tag holding the full definition hash (64 hex digits). */
    public static final String DEFINITION_TAG = "lambda-step-runner:reuse";
    /** Tag holding when a step last used the function, at most {@link #TOUCH_INTERVAL} stale. */
    public static final String LAST_USED_TAG = "lambda-step-runner:last-used";
    /** How stale {@value #LAST_USED_TAG} may get: the sweeper's idle age must be well above it. */
    public static final Duration TOUCH_INTERVAL = Duration.ofMinutes(5);
    /** The word between the prefix and the hash in a reusable function's name. */
    public static final String NAME_INFIX = "-reuse-";
    static final int NAME_HASH_CHARS = 24;

    /** A reusable function this container has checked: its ARN and when its last-used tag was set. */
    record Known(String functionArn, Instant lastUsedTagged) {
    }

    private final String prefix;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    ReusableFunctions(String prefix) {
        int room = LambdaLimits.FUNCTION_NAME_LENGTH - NAME_INFIX.length() - NAME_HASH_CHARS;
        this.prefix = prefix.length() > room ? prefix.substring(0, room) : prefix;
    }

    /**
     * Whether {@code functionName} is a reusable function's name for {@code prefix}
     * ({@code <prefix cut to fit>-reuse-<24 lowercase hex>}): the sweeper's first check.
     */
    public static boolean isReusableName(String prefix, String functionName) {
        String own = new ReusableFunctions(prefix).prefix + NAME_INFIX;
        if (!functionName.startsWith(own) || functionName.length() != own.length() + NAME_HASH_CHARS) {
            return false;
        }
        return functionName.substring(own.length()).chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /**
     * When a reusable function was last used, from its tags: {@value #LAST_USED_TAG}, else
     * {@code lambda-step-runner:created}; empty when neither holds an ISO-8601 instant. The sweeper
     * deletes a reusable function when this is older than its configured age.
     */
    public static java.util.Optional<Instant> lastUsed(Map<String, String> tags) {
        for (String tag : new String[] {LAST_USED_TAG, StepRunner.CREATED_TAG}) {
            String value = tags.get(tag);
            if (value != null) {
                try {
                    return java.util.Optional.of(Instant.parse(value));
                } catch (java.time.format.DateTimeParseException notATime) {
                    // try the next tag
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The function's name for a definition hash. */
    String name(String definitionHash) {
        return prefix + NAME_INFIX + definitionHash.substring(0, NAME_HASH_CHARS);
    }

    Known known(String name) {
        return known.get(name);
    }

    void remember(String name, Known function) {
        known.put(name, function);
    }

    void forget(String name) {
        known.remove(name);
    }

    /**
     * The SHA-256 (hex) of everything that defines the function. Lambda's defaults are filled in
     * (128 MB, 3 s), so leaving a field out and giving its default name the same function.
     *
     * @param role the resolved execution role
     */
    static String definitionHash(String prefix, StepRequest.CustomCode step, String role) {
        StringBuilder canonical = new StringBuilder("lambda-step-runner reusable function v1\n");
        field(canonical, "prefix", prefix);
        field(canonical, "runtime", step.runtime());
        field(canonical, "file", step.source().fileName());
        field(canonical, "handler", step.source().handler());
        field(canonical, "code", step.source().code());
        field(canonical, "role", role);
        field(canonical, "memory", String.valueOf(step.memorySize() == null ? 128 : step.memorySize()));
        field(canonical, "timeout", String.valueOf(step.timeoutSeconds() == null ? 3 : step.timeoutSeconds()));
        field(canonical, "description", step.description() == null ? "" : step.description());
        new TreeMap<>(step.environment()).forEach((key, value) -> field(canonical, "env " + key, value));
        new TreeMap<>(step.tags()).forEach((key, value) -> field(canonical, "tag " + key, value));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Length-prefixed, so no two different definitions encode alike. */
    private static void field(StringBuilder canonical, String name, String value) {
        String text = value == null ? "" : value;
        canonical.append(name).append(' ').append(text.length()).append(':').append(text).append('\n');
    }
}
