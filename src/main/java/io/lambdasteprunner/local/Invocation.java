package io.lambdasteprunner.local;

import java.util.concurrent.CompletableFuture;

/**
 * One event on its way through an execution environment. The Runtime API completes {@link #reply}
 * when the runtime posts a response or an error.
 */
final class Invocation {

    /** What the runtime answered: the payload and, for a failure, the function error. */
    record Reply(byte[] payload, String functionError) {
    }

    final String requestId;
    final byte[] event;
    final String clientContextJson;
    final String invokedFunctionArn;
    final CompletableFuture<Reply> reply = new CompletableFuture<>();
    volatile long deadlineEpochMs;

    Invocation(String requestId, byte[] event, String clientContextJson, String invokedFunctionArn) {
        this.requestId = requestId;
        this.event = event;
        this.clientContextJson = clientContextJson;
        this.invokedFunctionArn = invokedFunctionArn;
    }
}
