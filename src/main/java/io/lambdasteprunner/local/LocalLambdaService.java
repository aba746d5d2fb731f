package io.lambdasteprunner.local;

import java.net.URI;

/**
 * A Lambda-compatible service on 127.0.0.1, started in-process. Point an AWS SDK at
 * {@link #endpoint()} and it behaves like Lambda, running functions as local processes.
 *
 * <p>Thread-safe. {@link #close()} stops every function process and deletes unpacked code.
 */
public final class LocalLambdaService implements AutoCloseable {
    // Implementation follows (issue 2).
    public static LocalLambdaService start(LocalLambdaConfig config) {
        throw new UnsupportedOperationException("not yet");
    }

    public URI endpoint() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
