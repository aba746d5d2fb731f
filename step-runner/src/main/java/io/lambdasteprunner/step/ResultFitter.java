package io.lambdasteprunner.step;

import java.nio.charset.StandardCharsets;
import java.util.function.ToIntFunction;

/**
 * Keeps a step result within {@code MAX_RESULT_BYTES} as the entry point sends it (Step Functions fails a
 * state whose output passes 262,144 bytes with {@code States.DataLimitExceeded}).
 *
 * <p>Over the bound, in this order: the parsed copy ({@code invokeResponsePayload}) goes first; if the result
 * is still too big, the whole response is written to {@code s3://<RESULT_BUCKET>/<RESULT_PREFIX>/<function
 * name>/<request id>.json} when a bucket is configured, and {@code invokeResponsePayloadString} keeps its first
 * {@value #S3_PREVIEW_CHARS} characters at most; without a bucket (or when the write fails) it keeps as much
 * of its beginning as fits. Either way the result says {@code invokeResponsePayloadTruncated: "true"} and the
 * response's size. An execution log longer than Lambda's 4 KB tail keeps its last 4,096 characters first;
 * last, if even that is too big, the log keeps less of its end. The seven Rundeck
 * keys are always present. Thread-safe.
 */
public final class ResultFitter {

    /** With the whole response in S3, the result carries this much of it for a person to glance at. */
    public static final int S3_PREVIEW_CHARS = 1024;
    private static final int MAX_S3_ERROR_CHARS = 300;
    /** Lambda's log tail ({@code LogType: Tail}) is the last 4 KB. */
    static final int LOG_TAIL_CHARS = 4096;

    private final StepConfig.Results settings;
    private final ResultStore store;
    private final StepListener listener;

    public ResultFitter(StepConfig.Results settings, ResultStore store, StepListener listener) {
        this.settings = settings;
        this.store = store;
        this.listener = listener;
    }

    /** {@code MAX_RESULT_BYTES}: what a response may weigh as its entry point sends it. */
    public int maxResultBytes() {
        return settings.maxResultBytes();
    }

    /** The bytes of {@code {"data": {...}}}: what a direct invoke, Step Functions or EventBridge receives. */
    public static int stepOutputBytes(StepResult result) {
        return result.toJson().toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** {@link #fit(StepResult, String, ToIntFunction)} for the plain step output. */
    public StepResult fit(StepResult result, String requestId) {
        if (stepOutputBound(result) <= settings.maxResultBytes()) {
            return result; // Certainly fits: not serialised just to be measured.
        }
        return fit(result, requestId, ResultFitter::stepOutputBytes);
    }

    /**
     * At least {@link #stepOutputBytes}, without serialising: six bytes per character (the longest a
     * character gets, escaped as {@code \u0000}), the payload counted twice (its string and its parsed
     * copy, which re-serialises to no more than six bytes per character of its source), and room for the
     * names and flags.
     */
    static long stepOutputBound(StepResult result) {
        long characters = 2L * length(result.invokeResponsePayloadString()) + length(result.invokeExecutionLog())
                + length(result.functionName()) + length(result.invokeFunctionError())
                + length(result.executedVersion())
                + (result.shortened() == null ? 0 : length(result.shortened().s3Uri()) + length(result.shortened().s3Error()));
        return 6 * characters + 1024;
    }

    private static long length(String text) {
        return text == null ? 0 : text.length();
    }

    /**
     * The result, shortened as little as possible so that {@code sizeOf} is within the bound.
     *
     * @param requestId the runner's request id, which names the S3 object
     * @param sizeOf    the bytes the entry point sends for a result (an API Gateway proxy response escapes
     *                  the result into its body, so it measures more than the plain output)
     */
    public StepResult fit(StepResult result, String requestId, ToIntFunction<StepResult> sizeOf) {
        int max = settings.maxResultBytes();
        if (sizeOf.applyAsInt(result) <= max) {
            return result;
        }
        StepResult fitted = result.withoutParsedPayload();
        if (sizeOf.applyAsInt(fitted) <= max) {
            return fitted;
        }
        String log = fitted.invokeExecutionLog();
        if (log != null && log.length() > LOG_TAIL_CHARS) {
            // Longer than the 4 KB tail Lambda returns, so not Lambda's: its end is all a step result keeps.
            fitted = fitted.withExecutionLog(end(log, LOG_TAIL_CHARS));
            if (sizeOf.applyAsInt(fitted) <= max) {
                return fitted;
            }
        }
        String payload = fitted.invokeResponsePayloadString();
        if (payload != null && !payload.isEmpty()) {
            StepResult.Shortened how = fitted.shortened() != null ? fitted.shortened() : offload(fitted, requestId);
            int keep = how.s3Uri() != null ? Math.min(payload.length(), S3_PREVIEW_CHARS) : payload.length();
            fitted = fitted.withShortenedPayload("", how);
            fitted = shortenLog(fitted, sizeOf, max);
            StepResult base = fitted;
            int length = longestFitting(keep, n -> sizeOf.applyAsInt(base.withShortenedPayload(
                    beginning(payload, n), how)) <= max);
            fitted = base.withShortenedPayload(beginning(payload, length), how);
            listener.resultShortened(result.functionName(), how.payloadBytes(), how.s3Uri(), how.s3Error());
            return fitted;
        }
        return shortenLog(fitted, sizeOf, max);
    }

    /** Writes the whole response to the bucket, if there is one; says what became of it. */
    private StepResult.Shortened offload(StepResult result, String requestId) {
        byte[] whole = result.invokeResponsePayloadString().getBytes(StandardCharsets.UTF_8);
        if (settings.bucket() == null) {
            return new StepResult.Shortened(whole.length, null, null);
        }
        String key = settings.prefix() + "/" + keyPart(functionNameOf(result.functionName())) + "/"
                + keyPart(requestId) + ".json";
        String uri = "s3://" + settings.bucket() + "/" + key;
        try {
            store.write(settings.bucket(), key, whole);
            return new StepResult.Shortened(whole.length, uri, null);
        } catch (RuntimeException failed) {
            String why = failed.getMessage() == null ? failed.getClass().getSimpleName() : failed.getMessage();
            if (why.length() > MAX_S3_ERROR_CHARS) {
                why = why.substring(0, MAX_S3_ERROR_CHARS) + "...";
            }
            return new StepResult.Shortened(whole.length, null, "could not write the whole response to " + uri
                    + " (" + why + "); the payload string is shortened to fit MAX_RESULT_BYTES");
        }
    }

    /** Keeps the end of the execution log (its REPORT line) when the result is still too big without a payload. */
    private static StepResult shortenLog(StepResult result, ToIntFunction<StepResult> sizeOf, int max) {
        String log = result.invokeExecutionLog();
        if (log == null || log.isEmpty() || sizeOf.applyAsInt(result) <= max) {
            return result;
        }
        int length = longestFitting(log.length(), n -> sizeOf.applyAsInt(result.withExecutionLog(end(log, n))) <= max);
        return result.withExecutionLog(end(log, length));
    }

    /** The largest n in [0, upTo] that fits, by bisection (fitting is monotonic in n). */
    private static int longestFitting(int upTo, java.util.function.IntPredicate fits) {
        int low = 0;
        int high = upTo;
        while (low < high) {
            int middle = (int) (((long) low + high + 1) / 2);
            if (fits.test(middle)) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }

    /** The first n characters, not splitting a surrogate pair. */
    private static String beginning(String text, int n) {
        if (n > 0 && n < text.length() && Character.isHighSurrogate(text.charAt(n - 1))) {
            n--;
        }
        return text.substring(0, n);
    }

    /** The last n characters, not splitting a surrogate pair. */
    private static String end(String text, int n) {
        int from = text.length() - n;
        if (from > 0 && from < text.length() && Character.isLowSurrogate(text.charAt(from))) {
            from++;
        }
        return text.substring(from);
    }

    private static String functionNameOf(String functionName) {
        try {
            return FunctionNames.parse(functionName).name();
        } catch (StepFailure notAName) {
            return "function";
        }
    }

    /** Letters, digits, '-' and '_' only, so the key needs no encoding. */
    private static String keyPart(String text) {
        String safe = text == null ? "" : text.replaceAll("[^A-Za-z0-9_-]", "-");
        return safe.isEmpty() ? "unknown" : safe.length() > 128 ? safe.substring(0, 128) : safe;
    }
}
