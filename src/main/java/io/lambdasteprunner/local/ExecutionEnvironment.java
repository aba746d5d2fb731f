package io.lambdasteprunner.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One execution environment: a runtime process and the Runtime API it polls, on a port of its own
 * (as each Lambda sandbox has its own {@code AWS_LAMBDA_RUNTIME_API}). Serves one invocation at a
 * time; a process that crashes, fails its init or times out is killed and the environment is dead.
 *
 * <p>{@link #close()} kills the process and its descendants and stops the Runtime API.
 */
final class ExecutionEnvironment implements AutoCloseable {

    /** Lambda's limit on a synchronous response, as the Runtime API enforces it. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;
    private static final String PREFIX = "/2018-06-01/runtime";
    private static final Invocation CLOSED = new Invocation("", new byte[0], null, "");

    private final FunctionVersion function;
    private final FunctionLog functionLog;
    private final HttpServer runtimeApi;
    private final Process process;
    private final Path outputFile;
    private long outputRead;
    private FileChannel output;
    private FileChannel procStatus;
    private final LinkedBlockingQueue<Invocation> next = new LinkedBlockingQueue<>();
    private final CompletableFuture<Invocation.Reply> ready = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private final ByteArrayOutputStream pendingLog = new ByteArrayOutputStream();
    private volatile long initNanos = -1;
    private volatile Invocation current;
    private volatile boolean closed;
    private boolean initReported;

    private ExecutionEnvironment(FunctionVersion function, FunctionLog functionLog, HttpServer runtimeApi,
                                 Process process, Path outputFile) {
        this.function = function;
        this.functionLog = functionLog;
        this.runtimeApi = runtimeApi;
        this.process = process;
        this.outputFile = outputFile;
    }

    /**
     * Starts the runtime process for {@code function}. Its initialisation goes on in the background;
     * {@link #awaitReady} tells when it is polling for events.
     */
    static ExecutionEnvironment start(FunctionVersion function, List<String> command, Map<String, String> environment,
                                      FunctionLog functionLog, ExecutorService executor, Path outputFile) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The runtime talks over one connection, one request at a time (next, then response or error,
        // then next): handling on the server's own thread saves a thread hand-off per request.
        server.setExecutor(Runnable::run);
        String runtimeApiAddress = "127.0.0.1:" + server.getAddress().getPort();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(function.code().directory().toFile())
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment().put("AWS_LAMBDA_RUNTIME_API", runtimeApiAddress);
        builder.environment().put("AWS_LAMBDA_LOG_STREAM_NAME", logStreamName(function.version()));
        Process process;
        try {
            server.start();
            process = builder.start();
        } catch (IOException e) {
            server.stop(0);
            throw new UncheckedIOException(e);
        }
        ExecutionEnvironment environmentOf = new ExecutionEnvironment(function, functionLog, server, process, outputFile);
        server.createContext(PREFIX, environmentOf::handleRuntimeApi);
        process.onExit().thenRun(environmentOf::onProcessExit);
        return environmentOf;
    }

    private static String logStreamName(String version) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString().replace('-', '/')
                + "/[" + version + "]" + HexFormat.of().formatHex(id);
    }

    /** Waits until the runtime polls for its first event; returns its init error, if it had one. */
    Invocation.Reply awaitReady(Duration timeout) {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            return failure("Runtime.InitTimeout", "INIT timed out after " + timeout.toSeconds() + ".00 seconds");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return failure("Runtime.ExitError", "Runtime was interrupted");
        } catch (ExecutionException e) {
            return failure("Runtime.ExitError", "Runtime failed to start");
        }
    }

    boolean isAlive() {
        return !closed && process.isAlive();
    }

    /** Runs one event to completion, enforcing the function's timeout, and writes Lambda's log lines. */
    InvocationResult invoke(Invocation invocation, Duration initTimeout) {
        Invocation.Reply initError = awaitReady(initTimeout);
        boolean cold = !initReported;
        initReported = true;
        collectOutput();
        appendLog("START RequestId: " + invocation.requestId + " Version: " + function.version() + "\n");
        long began = System.nanoTime();
        Invocation.Reply reply;
        boolean timedOut = false;
        if (initError != null) {
            reply = initError;
            close();
        } else {
            invocation.deadlineEpochMs = System.currentTimeMillis() + function.timeout() * 1000L;
            current = invocation;
            next.add(invocation);
            try {
                reply = invocation.reply.get(function.timeout(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                timedOut = true;
                close();
                reply = failure("Sandbox.Timedout", "RequestId: " + invocation.requestId
                        + " Error: Task timed out after " + function.timeout() + ".00 seconds");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                reply = failure("Runtime.ExitError", "RequestId: " + invocation.requestId + " Error: interrupted");
            } catch (ExecutionException e) {
                reply = failure("Runtime.ExitError", "RequestId: " + invocation.requestId + " Error: " + e.getCause());
            }
            current = null;
        }
        double durationMs = (System.nanoTime() - began) / 1e6;
        collectOutput();
        if (timedOut) {
            appendLog(Instant.now() + " " + invocation.requestId + " Task timed out after "
                    + function.timeout() + ".00 seconds\n");
        }
        appendLog("END RequestId: " + invocation.requestId + "\n");
        appendLog(reportLine(invocation.requestId, durationMs, cold, timedOut));
        String log;
        synchronized (pendingLog) {
            log = pendingLog.toString(StandardCharsets.UTF_8);
            pendingLog.reset();
        }
        return new InvocationResult(reply.payload(), reply.functionError(), log);
    }

    private String reportLine(String requestId, double durationMs, boolean cold, boolean timedOut) {
        StringBuilder line = new StringBuilder("REPORT RequestId: ").append(requestId)
                .append("\tDuration: ").append(String.format(Locale.ROOT, "%.2f ms", durationMs))
                .append("\tBilled Duration: ").append((long) Math.ceil(durationMs)
                        + (cold && initNanos > 0 ? (long) Math.ceil(initNanos / 1e6) : 0)).append(" ms")
                .append("\tMemory Size: ").append(function.memorySize()).append(" MB")
                .append("\tMax Memory Used: ").append(maxMemoryUsedMb()).append(" MB\t");
        if (cold && initNanos > 0) {
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
                int end = status.indexOf(" kB", at);
                return Math.max(1, Long.parseLong(status.substring(at + 6, end).trim()) / 1024);
            }
        } catch (IOException | RuntimeException e) {
            // The process is gone (timeout, crash) or /proc is absent: report what we know.
        }
        return 0;
    }

    private static Invocation.Reply failure(String errorType, String message) {
        return new Invocation.Reply(Json.error(errorType, message), "Unhandled");
    }

    // ---- the runtime's output -------------------------------------------------------------------

    /**
     * Moves what the runtime wrote since the last call into this invocation's log. The runtime's
     * output goes to a file, and a runtime writes its output before it posts its answer, so after
     * the answer the file holds all of it: nothing is lost to a reader thread that lags behind.
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
            synchronized (pendingLog) {
                pendingLog.writeBytes(bytes);
            }
            functionLog.append(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // No output file (the process never started) means no output.
        }
    }

    private void appendLog(String text) {
        synchronized (pendingLog) {
            pendingLog.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
        functionLog.append(text);
    }

    // ---- the Runtime API ------------------------------------------------------------------------

    private void handleRuntimeApi(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            String method = exchange.getRequestMethod();
            if (method.equals("GET") && path.equals("/invocation/next")) {
                nextInvocation(exchange);
            } else if (method.equals("POST") && path.equals("/init/error")) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                ready.complete(new Invocation.Reply(body, "Unhandled"));
                respond(exchange, 202, "{\"status\":\"OK\"}");
            } else if (method.equals("POST") && path.startsWith("/invocation/")
                    && (path.endsWith("/response") || path.endsWith("/error"))) {
                String id = path.substring("/invocation/".length(), path.lastIndexOf('/'));
                answer(exchange, id, path.endsWith("/error"));
            } else {
                respond(exchange, 404, "{\"errorMessage\":\"Unknown path " + path + "\",\"errorType\":\"NotFound\"}");
            }
        }
    }

    private void nextInvocation(HttpExchange exchange) throws IOException {
        if (initNanos < 0) {
            initNanos = System.nanoTime() - startNanos;
        }
        ready.complete(null);
        Invocation invocation;
        try {
            invocation = next.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (invocation == CLOSED) {
            respond(exchange, 410, "{\"errorMessage\":\"Environment is shutting down\",\"errorType\":\"Gone\"}");
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(invocation.deadlineEpochMs));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", invocation.invokedFunctionArn);
        headers.set("Lambda-Runtime-Trace-Id", traceId());
        if (invocation.clientContextJson != null) {
            headers.set("Lambda-Runtime-Client-Context", invocation.clientContextJson);
        }
        exchange.sendResponseHeaders(200, invocation.event.length == 0 ? -1 : invocation.event.length);
        if (invocation.event.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(invocation.event);
            }
        }
    }

    private static String traceId() {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        return "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-"
                + HexFormat.of().formatHex(id) + ";Sampled=0";
    }

    private void answer(HttpExchange exchange, String requestId, boolean isError) throws IOException {
        Invocation invocation = current;
        if (invocation == null || !invocation.requestId.equals(requestId)) {
            respond(exchange, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
            return;
        }
        byte[] body = exchange.getRequestBody().readNBytes(MAX_RESPONSE_BYTES + 1);
        if (body.length > MAX_RESPONSE_BYTES) {
            respond(exchange, 413, "{\"errorMessage\":\"Exceeded maximum allowed payload size ("
                    + MAX_RESPONSE_BYTES + " bytes).\",\"errorType\":\"RequestEntityTooLarge\"}");
            invocation.reply.complete(failure("Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes)."));
            return;
        }
        respond(exchange, 202, "{\"status\":\"OK\"}");
        invocation.reply.complete(new Invocation.Reply(body, isError ? "Unhandled" : null));
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    private void onProcessExit() {
        int code = process.exitValue();
        String reason = code == 0 ? "Runtime exited without providing a reason"
                : "Runtime exited with error: exit status " + code;
        ready.complete(failure("Runtime.ExitError", reason));
        Invocation invocation = current;
        if (invocation != null) {
            // Give a response posted just before exiting the chance to win.
            invocation.reply.completeOnTimeout(
                    failure("Runtime.ExitError", "RequestId: " + invocation.requestId + " Error: " + reason),
                    20, TimeUnit.MILLISECONDS);
        }
        closeQuietly();
    }

    private void closeQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        next.add(CLOSED);
        runtimeApi.stop(0);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        closeQuietly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            closeChannels();
            Files.deleteIfExists(outputFile);
        } catch (IOException e) {
            // The work directory goes with the service.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void closeChannels() throws IOException {
        for (FileChannel channel : new FileChannel[] {output, procStatus}) {
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** Waits until the process is gone, so that a stopped service leaves no child behind. */
    void awaitExit(Duration timeout) {
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long pid() {
        return process.pid();
    }
}
