package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One execution environment: a runtime process and the Runtime API it polls, on a port of its own
 * (as each Lambda sandbox has its own {@code AWS_LAMBDA_RUNTIME_API}). Serves one invocation at a
 * time, on the thread of whoever holds it; a process that crashes, fails its init or times out is
 * killed and the environment is dead.
 *
 * <p>{@link #close()} kills the process and its descendants; it may be called from any thread.
 */
final class ExecutionEnvironment implements AutoCloseable {

    /** Lambda's limit on a synchronous response, as the Runtime API enforces it. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;
    private static final String PREFIX = "/2018-06-01/runtime";
    private static final String OK = "{\"status\":\"OK\"}";

    /** Where the runtime is in its life, as seen from its requests so far. */
    private enum Phase { INITIALISING, WAITING_FOR_NEXT, NEXT_PENDING, FAILED }

    private final FunctionVersion function;
    private final FunctionLog functionLog;
    private final RuntimeApiServer runtimeApi;
    private final Process process;
    private final Path outputFile;
    private final long startNanos = System.nanoTime();
    private final ByteArrayOutputStream invocationLog = new ByteArrayOutputStream();
    private Phase phase = Phase.INITIALISING;
    private RuntimeApiServer.Request pendingNext;
    private Invocation.Reply initFailure;
    private long initNanos = -1;
    private boolean initReported;
    private long outputRead;
    private FileChannel output;
    private FileChannel procStatus;
    private Runnable whenSettled;
    private volatile boolean closed;

    private ExecutionEnvironment(FunctionVersion function, FunctionLog functionLog, RuntimeApiServer runtimeApi,
                                 Process process, Path outputFile) {
        this.function = function;
        this.functionLog = functionLog;
        this.runtimeApi = runtimeApi;
        this.process = process;
        this.outputFile = outputFile;
    }

    /**
     * Starts the runtime process for {@code function}, its output going to {@code outputFile}. Its
     * initialisation goes on in the background; {@link #awaitReady} waits for it.
     */
    static ExecutionEnvironment start(FunctionVersion function, List<String> command, Map<String, String> environment,
                                      FunctionLog functionLog, Path outputFile) {
        try {
            RuntimeApiServer runtimeApi = new RuntimeApiServer(MAX_RESPONSE_BYTES);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(function.code().directory().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().clear();
            builder.environment().putAll(withRuntimeApi(environment, runtimeApi, function));
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                runtimeApi.close();
                throw e;
            }
            return running(function, functionLog, runtimeApi, process, outputFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hands {@code function} to a spare runtime: its working directory and complete environment go
     * to the spare's standard input, which is then closed (reads from it see end of file, as from
     * {@code /dev/null}). Empty when the spare is gone; the caller starts a fresh process instead.
     * {@code whenSettled} runs once, after the first invoke or at close, whichever comes first.
     */
    static Optional<ExecutionEnvironment> adopt(FunctionVersion function, SpareRuntimes.Spare spare,
                                                Map<String, String> environment, FunctionLog functionLog,
                                                Runnable whenSettled) {
        RuntimeApiServer runtimeApi = null;
        try (OutputStream stdin = spare.process().getOutputStream()) {
            runtimeApi = new RuntimeApiServer(MAX_RESPONSE_BYTES);
            ObjectNode assignment = Json.object().put("cwd", function.code().directory().toString());
            ObjectNode variables = assignment.putObject("env");
            withRuntimeApi(environment, runtimeApi, function).forEach(variables::put);
            stdin.write(Json.MAPPER.writeValueAsBytes(assignment));
        } catch (IOException e) {
            if (runtimeApi != null) {
                runtimeApi.close();
            }
            SpareRuntimes.discard(spare);
            return Optional.empty();
        }
        ExecutionEnvironment adopted = running(function, functionLog, runtimeApi, spare.process(), spare.outputFile());
        adopted.whenSettled = whenSettled;
        return Optional.of(adopted);
    }

    private static Map<String, String> withRuntimeApi(Map<String, String> environment, RuntimeApiServer runtimeApi,
                                                      FunctionVersion function) {
        Map<String, String> complete = new HashMap<>(environment);
        complete.put("AWS_LAMBDA_RUNTIME_API", runtimeApi.address());
        complete.put("AWS_LAMBDA_LOG_STREAM_NAME", logStreamName(function.version()));
        return complete;
    }

    private static ExecutionEnvironment running(FunctionVersion function, FunctionLog functionLog,
                                                RuntimeApiServer runtimeApi, Process process, Path outputFile) {
        ExecutionEnvironment environment = new ExecutionEnvironment(function, functionLog, runtimeApi, process, outputFile);
        // A runtime that dies while we wait for it must not keep us waiting: stop listening.
        process.onExit().thenRun(runtimeApi::wakeUp);
        return environment;
    }

    private static String logStreamName(String version) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return LocalDate.now(ZoneOffset.UTC).toString().replace('-', '/')
                + "/[" + version + "]" + HexFormat.of().formatHex(id);
    }

    boolean isAlive() {
        return !closed && phase != Phase.FAILED && process.isAlive();
    }

    /**
     * Waits until the runtime asks for its first event; returns its init error, or null when it is
     * ready. Called by the holder of the environment.
     */
    Invocation.Reply awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (phase == Phase.INITIALISING) {
            RuntimeApiServer.Request request;
            try {
                request = runtimeApi.next(deadline, process::isAlive);
            } catch (RuntimeApiServer.Timeout e) {
                return fail(failure("Runtime.InitTimeout", "Init timed out after " + timeout.toSeconds() + ".00 seconds"));
            } catch (RuntimeApiServer.Gone e) {
                return fail(exitFailure(null));
            }
            String path = request.path();
            try {
                if (request.method().equals("GET") && path.equals(PREFIX + "/invocation/next")) {
                    initNanos = System.nanoTime() - startNanos;
                    pendingNext = request;
                    phase = Phase.NEXT_PENDING;
                } else if (request.method().equals("POST") && path.equals(PREFIX + "/init/error")) {
                    runtimeApi.respond(request, 202, OK);
                    return fail(new Invocation.Reply(request.body(), "Unhandled"));
                } else {
                    answerStray(request);
                }
            } catch (RuntimeApiServer.Gone e) {
                return fail(exitFailure(null));
            }
        }
        return phase == Phase.FAILED ? initFailure : null;
    }

    private Invocation.Reply fail(Invocation.Reply reply) {
        phase = Phase.FAILED;
        initFailure = reply;
        close();
        return reply;
    }

    /** Runs one event to completion, enforcing the function's timeout, and writes Lambda's log lines. */
    InvocationResult invoke(Invocation invocation, Duration initTimeout, Faults.RuntimeFault fault) {
        Invocation.Reply initError = awaitReady(initTimeout);
        boolean cold = !initReported;
        initReported = true;
        collectOutput();
        appendLog("START RequestId: " + invocation.requestId + " Version: " + function.version() + "\n");
        long began = System.nanoTime();
        boolean[] timedOut = {false};
        Invocation.Reply reply = initError != null ? initError : run(invocation, timedOut, fault);
        double durationMs = (System.nanoTime() - began) / 1e6;
        collectOutput();
        if (timedOut[0]) {
            appendLog(Instant.now() + " " + invocation.requestId + " Task timed out after "
                    + function.timeout() + ".00 seconds\n");
        }
        appendLog("END RequestId: " + invocation.requestId + "\n");
        appendLog(reportLine(invocation.requestId, durationMs, cold, timedOut[0]));
        String log = invocationLog.toString(StandardCharsets.UTF_8);
        invocationLog.reset();
        settled();
        return new InvocationResult(reply.payload(), reply.functionError(), log);
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
            while (phase == Phase.WAITING_FOR_NEXT) {
                RuntimeApiServer.Request request = runtimeApi.next(deadlineNanos, process::isAlive);
                if (request.method().equals("GET") && request.path().equals(PREFIX + "/invocation/next")) {
                    pendingNext = request;
                    phase = Phase.NEXT_PENDING;
                } else {
                    answerStray(request);
                }
            }
            if (fault == Faults.RuntimeFault.HANG) {
                // An injected hang: the runtime never gets the event, so the invoke runs into its timeout.
                Thread.sleep(Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000));
                throw new RuntimeApiServer.Timeout();
            }
            if (fault == Faults.RuntimeFault.CRASH) {
                // An injected crash as the event arrives: killed first, so a fast runtime cannot answer.
                process.destroyForcibly();
                process.waitFor();
            }
            runtimeApi.respond(pendingNext, 200, nextHeaders(invocation, deadlineEpochMs), invocation.event);
            pendingNext = null;
            phase = Phase.WAITING_FOR_NEXT;
            String answerPath = PREFIX + "/invocation/" + invocation.requestId + "/";
            while (true) {
                RuntimeApiServer.Request request = runtimeApi.next(deadlineNanos, process::isAlive);
                boolean isAnswer = request.method().equals("POST") && request.path().startsWith(answerPath);
                String kind = isAnswer ? request.path().substring(answerPath.length()) : "";
                if (kind.equals("response") && request.bodyTooLarge()) {
                    runtimeApi.respond(request, 413, "{\"errorMessage\":\"Exceeded maximum allowed payload size ("
                            + MAX_RESPONSE_BYTES + " bytes).\",\"errorType\":\"RequestEntityTooLarge\"}");
                    return failure("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum "
                            + "allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).");
                } else if (kind.equals("response") || kind.equals("error")) {
                    runtimeApi.respond(request, 202, OK);
                    return new Invocation.Reply(request.body(), kind.equals("error") ? "Unhandled" : null);
                } else if (request.method().equals("GET") && request.path().equals(PREFIX + "/invocation/next")) {
                    pendingNext = request; // Asked again without answering: nothing to hand out yet.
                    phase = Phase.NEXT_PENDING;
                } else {
                    answerStray(request);
                }
            }
        } catch (RuntimeApiServer.Timeout e) {
            timedOut[0] = true;
            close();
            return failure("Sandbox.Timedout", "RequestId: " + invocation.requestId
                    + " Error: Task timed out after " + function.timeout() + ".00 seconds");
        } catch (RuntimeApiServer.Gone e) {
            return exitFailure(invocation.requestId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return exitFailure(invocation.requestId);
        }
    }

    private Map<String, String> nextHeaders(Invocation invocation, long deadlineEpochMs) {
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

    /** A request that fits no step of the protocol: an answer for an unknown id, or an unknown path. */
    private void answerStray(RuntimeApiServer.Request request) throws RuntimeApiServer.Gone {
        if (request.path().equals(PREFIX + "/init/error")) {
            runtimeApi.respond(request, 202, OK); // Too late to fail the init; the process exits next.
            return;
        }
        if (request.path().startsWith(PREFIX + "/invocation/")) {
            runtimeApi.respond(request, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
        } else {
            runtimeApi.respond(request, 404, "{\"errorMessage\":\"Unknown path " + request.path()
                    + "\",\"errorType\":\"InvalidRequest\"}");
        }
    }

    private Invocation.Reply exitFailure(String requestId) {
        try {
            process.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Integer code = process.isAlive() ? null : process.exitValue();
        close();
        String reason = code == null || code == 0 ? "Runtime exited without providing a reason"
                : code > 128 ? "Runtime exited with error: signal: killed"
                : "Runtime exited with error: exit status " + code;
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

    // ---- logs -----------------------------------------------------------------------------------

    private String reportLine(String requestId, double durationMs, boolean cold, boolean timedOut) {
        boolean withInit = cold && initNanos > 0;
        StringBuilder line = new StringBuilder("REPORT RequestId: ").append(requestId)
                .append("\tDuration: ").append(String.format(Locale.ROOT, "%.2f ms", durationMs))
                .append("\tBilled Duration: ").append((long) Math.ceil(durationMs)
                        + (withInit ? (long) Math.ceil(initNanos / 1e6) : 0)).append(" ms")
                .append("\tMemory Size: ").append(function.memorySize()).append(" MB")
                .append("\tMax Memory Used: ").append(maxMemoryUsedMb()).append(" MB\t");
        if (withInit) {
            line.append("Init Duration: ").append(String.format(Locale.ROOT, "%.2f ms", initNanos / 1e6)).append('\t');
        }
        if (timedOut) {
            line.append("Status: timeout\t");
        }
        return line.append('\n').toString();
    }

    /** Peak resident memory of the runtime process (VmHWM), as Lambda reports it. */
    private long maxMemoryUsedMb() {
        try {
            if (procStatus == null) {
                procStatus = FileChannel.open(Path.of("/proc", Long.toString(process.pid()), "status"));
            }
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            // /proc regenerates the file on every read from offset 0, so one open channel serves all invokes.
            int read = procStatus.read(buffer, 0);
            String status = new String(buffer.array(), 0, Math.max(read, 0), StandardCharsets.US_ASCII);
            int at = status.indexOf("VmHWM:");
            if (at >= 0) {
                return Math.max(1, Long.parseLong(status.substring(at + 6, status.indexOf(" kB", at)).trim()) / 1024);
            }
        } catch (IOException | RuntimeException e) {
            // The process is gone (timeout, crash) or /proc is absent: report what we know.
        }
        return 0;
    }

    /**
     * Moves what the runtime wrote since the last call into this invocation's log. The runtime's
     * output goes to a file, and a runtime writes its output before it posts its answer, so after
     * the answer the file holds all of it.
     */
    private void collectOutput() {
        try {
            if (output == null) {
                output = FileChannel.open(outputFile, StandardOpenOption.READ);
            }
            long size = output.size();
            if (size <= outputRead) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - outputRead, 16L << 20));
            output.read(buffer, outputRead);
            outputRead += buffer.position();
            byte[] bytes = Arrays.copyOf(buffer.array(), buffer.position());
            invocationLog.writeBytes(bytes);
            functionLog.append(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // No output file (the process never started) means no output.
        }
    }

    private void appendLog(String text) {
        invocationLog.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        functionLog.append(text);
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    @Override
    public void close() {
        closed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        runtimeApi.close();
        settled();
    }

    /** Waits until the process is gone and removes its output, so a stopped service leaves nothing behind. */
    void awaitExit(Duration timeout) {
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (this) {
                for (FileChannel channel : new FileChannel[] {output, procStatus}) {
                    if (channel != null) {
                        channel.close();
                    }
                }
            }
            Files.deleteIfExists(outputFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The service's work directory is removed on close.
        }
    }
}
