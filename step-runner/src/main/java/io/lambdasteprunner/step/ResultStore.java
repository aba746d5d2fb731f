package io.lambdasteprunner.step;

/**
 * Where a response too big for the step result is kept whole ({@code RESULT_BUCKET}). The step rules call
 * only this; {@code io.lambdasteprunner.lambda.S3ResultStore} implements it with S3's PutObject.
 *
 * <p>Implementations must be thread-safe. A write that fails throws a {@link RuntimeException} whose
 * message says why in a line a caller may read (S3's error code and message, never a stack trace or a
 * credential): the runner then reports the result shortened, with that line, and never loses it.
 */
public interface ResultStore {

    /**
     * Writes one object.
     *
     * @param bucket the bucket ({@code RESULT_BUCKET})
     * @param key    the object key, already safe for a URL path
     * @param json   the whole response, as the function returned it
     */
    void write(String bucket, String key, byte[] json);

    /** A store for deployments without {@code RESULT_BUCKET}: never called, because no bucket is configured. */
    ResultStore NONE = (bucket, key, json) -> {
        throw new IllegalStateException("no result store is configured");
    };
}
