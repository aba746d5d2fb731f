package io.lambdasteprunner.facts;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * Lambda's fixed limits and formats, as AWS documents them (late 2026): the one place they live.
 * The step rules check requests against them before any AWS call; the local Lambda service refuses
 * with them as AWS does. Sizes are bytes unless a name says otherwise; "MB" is 1,048,576 bytes, as
 * Lambda's documentation uses it. Update this class when AWS changes a limit.
 */
public final class LambdaLimits {

    /** A synchronous ({@code RequestResponse}, {@code DryRun}) Invoke request's payload: 6 MB. */
    public static final int SYNC_REQUEST_PAYLOAD_BYTES = 6_291_456;
    /**
     * A synchronous invoke's response payload: 6 MB plus 100 bytes, the figure the Runtime API enforces
     * (a larger response fails with {@code Function.ResponseSizeTooLarge}).
     */
    public static final int SYNC_RESPONSE_PAYLOAD_BYTES = 6_291_556;
    /** An asynchronous ({@code Event}) Invoke request's payload: 1 MB since October 2025 (256 KB before). */
    public static final int ASYNC_REQUEST_PAYLOAD_BYTES = 1_048_576;
    /**
     * {@code X-Amz-Client-Context}, measured base64-encoded: "up to 3,583 bytes of base64-encoded data"
     * (Invoke's API reference). The decoded JSON may therefore be at most 2,687 bytes.
     */
    public static final int CLIENT_CONTEXT_BASE64_BYTES = 3583;
    /** {@code LogType: Tail} returns the last 4 KB of the invocation's log. */
    public static final int LOG_TAIL_BYTES = 4096;

    /** A deployment package uploaded directly (CreateFunction's {@code ZipFile}): 50 MB zipped. */
    public static final long ZIPPED_CODE_BYTES = 52_428_800L;
    /** A deployment package unzipped, layers included: 250 MB. */
    public static final long UNZIPPED_CODE_BYTES = 262_144_000L;

    /** A function name: 1-64 letters, digits, hyphens and underscores. */
    public static final int FUNCTION_NAME_LENGTH = 64;
    /** An unqualified function ARN (CreateFunction, DeleteFunction accept up to this many characters). */
    public static final int FUNCTION_ARN_LENGTH = 140;
    /** A function name or ARN with a {@code :version} or {@code :alias} suffix (Invoke, GetFunction). */
    public static final int QUALIFIED_FUNCTION_ARN_LENGTH = 170;
    /** A function's {@code Description}, in characters. */
    public static final int DESCRIPTION_LENGTH = 256;

    /** All of a function's environment variables together, measured by {@link #environmentBytes(Map)}. */
    public static final int ENVIRONMENT_BYTES = 4096;

    /** A function's {@code Timeout}, in seconds. */
    public static final int MIN_TIMEOUT_SECONDS = 1;
    public static final int MAX_TIMEOUT_SECONDS = 900;
    /** A function's {@code MemorySize}, in MB (1-MB steps). */
    public static final int MIN_MEMORY_MB = 128;
    public static final int MAX_MEMORY_MB = 10_240;

    /** Tags on one function; a tag key's and value's length in characters. */
    public static final int TAGS_PER_FUNCTION = 50;
    public static final int TAG_KEY_LENGTH = 128;
    public static final int TAG_VALUE_LENGTH = 256;

    /**
     * How Lambda writes {@code LastModified}: {@code 2026-11-24T08:00:00.000+0000} (milliseconds, an
     * offset without a colon; not ISO-8601's {@code Z}).
     */
    public static final DateTimeFormatter LAST_MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    private LambdaLimits() {
    }

    /** {@code instant} as Lambda writes {@code LastModified}, in UTC. */
    public static String formatLastModified(Instant instant) {
        return LAST_MODIFIED.format(instant.atOffset(ZoneOffset.UTC));
    }

    /** A {@code LastModified} value as Lambda writes it; empty when it is missing or not in that format. */
    public static Optional<Instant> parseLastModified(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text, LAST_MODIFIED).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The size Lambda measures against {@link #ENVIRONMENT_BYTES}: the variables as one compact JSON
     * object, {@code {"KEY":"value",...}}, in UTF-8 bytes. Lambda's refusal quotes that string back
     * ("exceeded the 4KB limit. String measured: {...}"), so braces, quotes, commas and escapes count.
     */
    public static int environmentBytes(Map<String, String> variables) {
        if (variables.isEmpty()) {
            return 0;
        }
        int size = 1 + (variables.size() - 1);  // the braces' "{" and the commas between entries
        for (Map.Entry<String, String> entry : variables.entrySet()) {
            size += jsonStringBytes(entry.getKey()) + 1 + jsonStringBytes(entry.getValue());
        }
        return size + 1;
    }

    /** The UTF-8 size of {@code text} as a JSON string literal, quotes included. */
    private static int jsonStringBytes(String text) {
        int size = 2;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                size += 2;
            } else if (c < 0x20) {
                size += 6;  // backslash-u and four hex digits
            } else if (c < 0x80) {
                size += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                size += 4;
                i++;
            } else {
                size += String.valueOf(c).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return size;
    }
}
