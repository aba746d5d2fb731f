package io.lambdasteprunner.local;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The Lambda Runtime API as one execution environment speaks it with its runtime: the runtime asks for
 * the next event, gets it, answers it (or reports an init error), strictly in turn.
 *
 * <p>Only requests that carry the environment's token ({@link RuntimeApiServer}: in the host name, or
 * as a path segment without a sandbox) are served, with two exceptions whose requests carry no secret
 * to steal, for clients that drop an address's path: an answer for the current request id (itself
 * unguessable; Node's official client posts streamed responses to {@code host:port} alone) and an init
 * error while the runtime initialises. Anything else gets 403.
 *
 * <p>Used by the holder of the environment only; {@link #close()} and {@link #wakeUp()} from any thread.
 */
final class RuntimeProtocol implements AutoCloseable {

    /** Lambda's limit on a synchronous response, as the Runtime API enforces it. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;
    static final String PREFIX = "/2018-06-01/runtime";
    private static final String OK = "{\"status\":\"OK\"}";
    private static final SecureRandom TOKENS = new SecureRandom();

    /** What the runtime did with an event. */
    sealed interface Answer {
        record Response(byte[] body) implements Answer { }
        record Error(byte[] body) implements Answer { }
        record TooLarge() implements Answer { }
    }

    private final RuntimeApiServer server;
    private boolean initialising = true;
    private RuntimeApiServer.Request pendingNext;
    private String currentRequestId;

    private RuntimeProtocol(RuntimeApiServer server) {
        this.server = server;
        server.openWithoutToken(PREFIX + "/init/error");
    }

    /** A new environment's secret: 128 random bits, in hex. */
    static String newToken() {
        byte[] token = new byte[16];
        TOKENS.nextBytes(token);
        return HexFormat.of().formatHex(token);
    }

    /**
     * Opens the Runtime API of an environment whose token is {@code token}; {@code byName} when the
     * runtime's sandbox resolves {@link RuntimeApiServer#hostName(String)} (see {@link Sandbox#hostsFile}).
     */
    static RuntimeProtocol open(String token, boolean byName) {
        try {
            return new RuntimeProtocol(new RuntimeApiServer(MAX_RESPONSE_BYTES, token, byName));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code AWS_LAMBDA_RUNTIME_API}: {@code lambda-runtime-TOKEN:PORT}, or {@code 127.0.0.1:PORT/TOKEN}. */
    String address() {
        return server.address();
    }

    boolean initialising() {
        return initialising;
    }

    /**
     * The runtime was replaced by a new one in the same environment (after a timeout): its first
     * request for an event ends a new init, and until then it may report an init error.
     */
    void reinit() {
        initialising = true;
        pendingNext = null;
        currentRequestId = null;
        server.openWithoutToken(PREFIX + "/init/error");
    }

    /**
     * Waits until the runtime asks for an event (the first time: until its init is done). Returns
     * null then, or the body of the init error it reported instead.
     */
    byte[] awaitNext(long deadlineNanos, BooleanSupplier alive) throws RuntimeApiServer.Timeout, RuntimeApiServer.Gone {
        while (pendingNext == null) {
            RuntimeApiServer.Request request = server.next(deadlineNanos, alive);
            if (isNext(request) && request.authenticated()) {
                pendingNext = request;
                initialising = false;
                server.openWithoutToken(null);
            } else if (initialising && isPost(request, PREFIX + "/init/error")) {
                server.respond(request, 202, OK);
                return request.body();
            } else {
                answerStray(request);
            }
        }
        return null;
    }

    /** Hands the event to the runtime, which has asked for it ({@link #awaitNext}). */
    void deliver(Invocation invocation, Map<String, String> headers) throws RuntimeApiServer.Gone {
        RuntimeApiServer.Request next = pendingNext;
        pendingNext = null;
        currentRequestId = invocation.requestId;
        server.openWithoutToken(PREFIX + "/invocation/" + currentRequestId + "/");
        server.respond(next, 200, headers, invocation.event);
    }

    /** Waits for the runtime's answer to the delivered event. */
    Answer awaitAnswer(long deadlineNanos, BooleanSupplier alive) throws RuntimeApiServer.Timeout, RuntimeApiServer.Gone {
        String answerPath = PREFIX + "/invocation/" + currentRequestId + "/";
        while (true) {
            RuntimeApiServer.Request request = server.next(deadlineNanos, alive);
            boolean isAnswer = request.method().equals("POST") && request.path().startsWith(answerPath);
            String kind = isAnswer ? request.path().substring(answerPath.length()) : "";
            if (kind.equals("response") && request.bodyTooLarge()) {
                server.respond(request, 413, "{\"errorMessage\":\"Exceeded maximum allowed payload size ("
                        + MAX_RESPONSE_BYTES + " bytes).\",\"errorType\":\"RequestEntityTooLarge\"}");
                answered();
                return new Answer.TooLarge();
            } else if (kind.equals("response") || kind.equals("error")) {
                server.respond(request, 202, OK);
                answered();
                return kind.equals("error") ? new Answer.Error(request.body()) : new Answer.Response(request.body());
            } else if (isNext(request) && request.authenticated()) {
                pendingNext = request; // Asked again without answering: nothing to hand out yet.
            } else {
                answerStray(request);
            }
        }
    }

    private void answered() {
        currentRequestId = null;
        server.openWithoutToken(null);
    }

    private static boolean isNext(RuntimeApiServer.Request request) {
        return request.method().equals("GET") && request.path().equals(PREFIX + "/invocation/next");
    }

    private static boolean isPost(RuntimeApiServer.Request request, String path) {
        return request.method().equals("POST") && request.path().equals(path);
    }

    /** A request that fits no step of the protocol: not under the token, an unknown id, an unknown path. */
    private void answerStray(RuntimeApiServer.Request request) throws RuntimeApiServer.Gone {
        if (!request.authenticated()) {
            server.respond(request, 403, "{\"errorMessage\":\"This Runtime API serves only the runtime of its "
                    + "execution environment: use the address in AWS_LAMBDA_RUNTIME_API, path included.\","
                    + "\"errorType\":\"Forbidden\"}");
        } else if (request.path().equals(PREFIX + "/init/error")) {
            server.respond(request, 202, OK); // Too late to fail the init; the process exits next.
        } else if (request.path().startsWith(PREFIX + "/invocation/")) {
            server.respond(request, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
        } else {
            server.respond(request, 404, "{\"errorMessage\":\"Unknown path " + request.path()
                    + "\",\"errorType\":\"InvalidRequest\"}");
        }
    }

    /** Wakes a thread waiting for the runtime, so it sees that the runtime process has ended. */
    void wakeUp() {
        server.wakeUp();
    }

    @Override
    public void close() {
        server.close();
    }
}
