package io.lambdasteprunner.local;

/** One event on its way through an execution environment. */
final class Invocation {

    /** What the runtime answered: the payload and, for a failure, the function error. */
    record Reply(byte[] payload, String functionError) {
    }

    final String requestId;
    final byte[] event;
    final String clientContextJson;
    final String invokedFunctionArn;

    Invocation(String requestId, byte[] event, String clientContextJson, String invokedFunctionArn) {
        this.requestId = requestId;
        this.event = event;
        this.clientContextJson = clientContextJson;
        this.invokedFunctionArn = invokedFunctionArn;
    }
}
