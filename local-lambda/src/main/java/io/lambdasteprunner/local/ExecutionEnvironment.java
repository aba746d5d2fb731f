package io.lambdasteprunner.local;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One execution environment: a runtime process ({@link RuntimeProcess}), the Runtime API it polls
 * ({@link RuntimeProtocol}) and its log ({@link InvocationLog}). This class holds the rules of an
 * invoke: the function's timeout, the init timeout, injected faults, and what a dead runtime means.
 * Serves one invocation at a time, on the thread of whoever holds it; a process that crashes or fails
 * its init is killed and the environment is dead. After a timeout, as on AWS, the environment lives on:
 * every process of the invocation is killed and a new runtime starts in it ({@link RuntimeProcess#restart()}),
 * its /tmp kept; its init runs within the next invoke, whose REPORT has no Init Duration.
 *
 * <p>{@link #close()} kills the process and everything it started; it may be called from any thread.
 */
final class ExecutionEnvironment implements AutoCloseable {

    private final FunctionVersion function;
    private final RuntimeProcess runtime;
    private final RuntimeProtocol protocol;
    private final InvocationLog log;
    private final long startNanos = System.nanoTime();
    private long initNanos = -1;
    private boolean initReported;
    private Invocation.Reply initFailure;
    /** The runtime exited during its init: told with the request id at invoke, with {@link #initExitReason}. */
    private boolean initExited;
    private String initExitReason;
    private long initFailedNanos = -1;
    private boolean failed;
    /** The timed-out runtime's peak memory, read before it was replaced; -1 when there was no timeout. */
    private long timedOutMemoryMb = -1;
    /** The runtime was restarted after a timeout: the next invoke waits for its init within its own duration. */
    private boolean reinitialising;
    private String pendingNote;
    private Runnable whenSettled;
    private volatile boolean closed;

    ExecutionEnvironment(FunctionVersion function, RuntimeProcess runtime, RuntimeProtocol protocol,
                         FunctionLog functionLog, String note, Runnable whenSettled) {
        this.function = function;
        this.runtime = runtime;
        this.protocol = protocol;
        this.log = new InvocationLog(runtime.outputFile(), functionLog, function.loggingConfig());
        this.pendingNote = note;
        this.whenSettled = whenSettled;
        // A runtime that dies while we wait for it must not keep us waiting.
        runtime.process().onExit().thenRun(protocol::wakeUp);
    }

    /** The variables that differ per environment, beside the function's own. */
    static Map<String, String> ownVariables(RuntimeProtocol protocol, FunctionVersion function) {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("AWS_LAMBDA_RUNTIME_API", protocol.address());
        variables.put("AWS_LAMBDA_LOG_STREAM_NAME", logStreamName(function.version()));
        return variables;
    }

    private static String logStreamName(String version) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return LocalDate.now(ZoneOffset.UTC).toString().replace('-', '/')
                + "/[" + version + "]" + HexFormat.of().formatHex(id);
    }

    boolean isAlive() {
        return !closed && !failed && runtime.isAlive();
    }

    /**
     * Waits up to {@code timeout} for the runtime to initialise, ahead of the first invoke. Returns its
     * init error, or null when it is ready or still initialising: as on AWS, an init that outlasts the
     * init phase goes on during the first invoke, within the function's timeout.
     */
    Invocation.Reply awaitReady(Duration timeout) {
        try {
            return awaitInit(timeout);
        } catch (RuntimeApiServer.Timeout e) {
            return null;
        }
    }

    private Invocation.Reply awaitInit(Duration timeout) throws RuntimeApiServer.Timeout {
        if (failed) {
            return initFailure;
        }
        if (!protocol.initialising()) {
            return null;
        }
        try {
            byte[] initError = protocol.awaitNext(System.nanoTime() + timeout.toNanos(), runtime::isAlive);
            if (initError != null) {
                initFailedNanos = System.nanoTime() - startNanos;
                return fail(new Invocation.Reply(initError, "Unhandled"));
            }
            initNanos = System.nanoTime() - startNanos;
            return null;
        } catch (RuntimeApiServer.Gone e) {
            initFailedNanos = System.nanoTime() - startNanos;
            initExited = true;
            initExitReason = exitReason();
            return fail(exitFailure(null, initExitReason));
        }
    }

    private Invocation.Reply fail(Invocation.Reply reply) {
        failed = true;
        initFailure = reply;
        close();
        return reply;
    }

    /** Runs one event to completion, enforcing the function's timeout, and writes Lambda's log lines. */
    InvocationResult invoke(Invocation invocation, Duration initTimeout, Faults.RuntimeFault fault) {
        boolean[] timedOut = {false};
        boolean reinit = reinitialising;
        reinitialising = false;
        long invoked = System.nanoTime();
        Invocation.Reply initError;
        try {
            // The init phase has its own limit; one that outlasts it goes on within the function's timeout.
            Duration functionTimeout = Duration.ofSeconds(function.timeout());
            initError = awaitInit(initTimeout.compareTo(functionTimeout) > 0 ? initTimeout : functionTimeout);
        } catch (RuntimeApiServer.Timeout e) {
            timedOut[0] = true;
            initError = fail(failure("Sandbox.Timedout", "RequestId: " + invocation.requestId
                    + " Error: Task timed out after " + function.timeout() + ".00 seconds"));
        }
        if (initError != null && initExited) {
            // The runtime exited during its init: Lambda tells it with this invocation's request id.
            initError = exitFailure(invocation.requestId, initExitReason);
        }
        boolean cold = !initReported;
        initReported = true;
        if (pendingNote != null) {
            log.note(pendingNote);
            pendingNote = null;
        }
        String initErrorType = initError != null && !timedOut[0] ? errorType(initError) : null;
        if (cold && initErrorType != null) {
            log.initFailed(initFailedNanos, initErrorType);
        }
        log.start(invocation.requestId, function.version());
        long began = reinit ? invoked : System.nanoTime();
        timedOutMemoryMb = -1;
        Invocation.Reply reply = initError != null ? initError : run(invocation, timedOut, fault);
        double durationMs = (System.nanoTime() - began) / 1e6;
        log.collectOutput();
        // The runtime failed the invocation itself (not the handler): Lambda says so in the log.
        String failedType = initErrorType != null ? initErrorType : runtimeFailure(reply);
        if (timedOut[0]) {
            log.timedOut(invocation.requestId, function.timeout());
        } else if ("Runtime.ExitError".equals(failedType)) {
            log.runtimeFailed(errorMessage(reply), failedType);
        }
        String status = timedOut[0] ? "timeout" : failedType != null ? "error" : "success";
        long memoryMb = timedOutMemoryMb >= 0 ? timedOutMemoryMb : runtime.maxMemoryUsedMb();
        String text = log.finish(new InvocationLog.Report(invocation.requestId, durationMs, cold ? initNanos : -1,
                function.memorySize(), memoryMb, status, timedOut[0] ? "Sandbox.Timedout" : failedType));
        settled();
        return new InvocationResult(reply.payload(), reply.functionError(), text);
    }

    /** The errorType of a reply the service made itself for a failed runtime, else null (a handler's error). */
    private static String runtimeFailure(Invocation.Reply reply) {
        String type = reply.functionError() == null ? null : errorType(reply);
        return "Runtime.ExitError".equals(type) ? type : null;
    }

    private static String errorType(Invocation.Reply reply) {
        try {
            var node = Json.MAPPER.readTree(reply.payload());
            return node != null && node.hasNonNull("errorType") ? node.get("errorType").asText() : "Unhandled";
        } catch (java.io.IOException e) {
            return "Unhandled";
        }
    }

    private static String errorMessage(Invocation.Reply reply) {
        try {
            return Json.MAPPER.readTree(reply.payload()).path("errorMessage").asText("");
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void settled() {
        Runnable settled;
        synchronized (this) {
            settled = whenSettled;
            whenSettled = null;
        }
        if (settled != null) {
            settled.run();
        }
    }

    private Invocation.Reply run(Invocation invocation, boolean[] timedOut, Faults.RuntimeFault fault) {
        long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(function.timeout());
        long deadlineEpochMs = System.currentTimeMillis() + function.timeout() * 1000L;
        try {
            protocol.awaitNext(deadlineNanos, runtime::isAlive);
            if (fault == Faults.RuntimeFault.HANG) {
                // An injected hang: the runtime never gets the event, so the invoke runs into its timeout.
                Thread.sleep(Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000));
                throw new RuntimeApiServer.Timeout();
            }
            if (fault == Faults.RuntimeFault.CRASH) {
                // An injected crash as the event arrives: killed first, so a fast runtime cannot answer.
                runtime.kill();
                runtime.process().waitFor();
            }
            protocol.deliver(invocation, nextHeaders(invocation, deadlineEpochMs));
            return switch (protocol.awaitAnswer(deadlineNanos, runtime::isAlive)) {
                case RuntimeProtocol.Answer.Response response -> new Invocation.Reply(response.body(), null);
                case RuntimeProtocol.Answer.Error error -> new Invocation.Reply(error.body(), "Unhandled");
                case RuntimeProtocol.Answer.TooLarge tooLarge -> new Invocation.Reply(Json.errorMessageFirst(
                        "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size ("
                                + RuntimeProtocol.MAX_RESPONSE_BYTES + " bytes)."), "Unhandled");
            };
        } catch (RuntimeApiServer.Timeout e) {
            timedOut[0] = true;
            restart();
            return failure("Sandbox.Timedout", "RequestId: " + invocation.requestId
                    + " Error: Task timed out after " + function.timeout() + ".00 seconds");
        } catch (RuntimeApiServer.Gone e) {
            return exitFailure(invocation.requestId, exitReason());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return exitFailure(invocation.requestId, exitReason());
        }
    }

    private static Map<String, String> nextHeaders(Invocation invocation, long deadlineEpochMs) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
        headers.put("Lambda-Runtime-Deadline-Ms", Long.toString(deadlineEpochMs));
        headers.put("Lambda-Runtime-Invoked-Function-Arn", invocation.invokedFunctionArn);
        headers.put("Lambda-Runtime-Trace-Id", traceId());
        if (invocation.clientContextJson != null) {
            headers.put("Lambda-Runtime-Client-Context", invocation.clientContextJson);
        }
        return headers;
    }

    /**
     * After a timeout: kills every process of the invocation and starts a new runtime in the same
     * environment, whose first request for an event ends a new init; when that cannot be, the
     * environment ends.
     */
    private void restart() {
        timedOutMemoryMb = runtime.maxMemoryUsedMb(); // its REPORT tells the timed-out runtime's, as on AWS
        if (closed || !runtime.restart()) {
            close();
            return;
        }
        protocol.reinit();
        reinitialising = true;
        runtime.process().onExit().thenRun(protocol::wakeUp);
    }

    /** Why the runtime ended ({@link RuntimeProcess#exitReason()}), once it has; the environment is closed. */
    private String exitReason() {
        try {
            runtime.process().waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String exit = runtime.exitReason();
        close();
        return exit;
    }

    /** Lambda's answer for a runtime that exited, e.g. {@code RequestId: ... Error: Runtime exited with error: exit status 1}. */
    private static Invocation.Reply exitFailure(String requestId, String exit) {
        String reason = exit == null ? "Runtime exited without providing a reason"
                : "Runtime exited with error: " + exit;
        return failure("Runtime.ExitError", requestId == null ? reason : "RequestId: " + requestId + " Error: " + reason);
    }

    private static String traceId() {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        return "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-"
                + HexFormat.of().formatHex(id) + ";Sampled=0";
    }

    private static Invocation.Reply failure(String errorType, String message) {
        return new Invocation.Reply(Json.error(errorType, message), "Unhandled");
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /** Completes once the runtime's processes are gone (crashed, closed, or the service stopped). */
    java.util.concurrent.CompletableFuture<Void> runtimeGone() {
        return runtime.gone();
    }

    /** Kills the runtime and everything it started; its directory goes once they are gone. */
    @Override
    public void close() {
        closed = true;
        runtime.kill();
        protocol.close();
        runtime.gone().thenRun(log::close);
        settled();
    }
}
