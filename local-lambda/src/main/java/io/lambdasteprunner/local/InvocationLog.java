package io.lambdasteprunner.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One execution environment's log, cut into invocations: what the runtime wrote (read from its output
 * file) between Lambda's {@code START} and {@code END}/{@code REPORT} lines. With the JSON log format
 * ({@link LoggingConfig}) those lines are Lambda's {@code platform.start}, {@code platform.runtimeDone}
 * and {@code platform.report} records ({@code {"time","type","record"}}), kept as the function's
 * SystemLogLevel says: start and report at INFO, runtimeDone at DEBUG, none of them at WARN. Everything also goes to
 * the function's log; each invocation keeps its newest {@value #MAX_KEPT_BYTES} bytes, enough for the
 * 4 KB tail Invoke returns.
 *
 * <p>A runtime writes its output before it posts its answer, so once the answer is in, the output
 * file holds all of that invocation's output: it is read to its end then, however much there is, so
 * no invocation inherits another's output. The file is emptied once read past {@value #EMPTY_AT_BYTES}
 * bytes (the runtime appends to it), so a chatty function does not fill the disk.
 *
 * <p>Used by the holder of the environment only.
 */
final class InvocationLog implements AutoCloseable {

    private static final DateTimeFormatter MILLIS_UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    static final int MAX_KEPT_BYTES = 256 * 1024;
    private static final long EMPTY_AT_BYTES = 8L << 20;
    private static final int CHUNK = 1 << 20;

    private final Path outputFile;
    private final FunctionLog functionLog;
    /** LoggingConfig's LogFormat JSON: Lambda's own lines become {@code platform.*} records. */
    private final boolean json;
    private final int systemLevel;
    private final TailBuffer invocation = new TailBuffer(MAX_KEPT_BYTES);
    private FileChannel output;
    private long read;

    InvocationLog(Path outputFile, FunctionLog functionLog, LoggingConfig logging) {
        this.outputFile = outputFile;
        this.functionLog = functionLog;
        this.json = logging.isJson();
        this.systemLevel = systemLevel(logging.systemLogLevel());
    }

    /** Moves what the runtime wrote so far into the current invocation's log, to the end of the file. */
    void collectOutput() {
        try {
            if (output == null) {
                output = FileChannel.open(outputFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            // Sized to what is there (usually a few lines, often nothing): no megabyte per call.
            for (long size = output.size(); size > read; size = output.size()) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - read, CHUNK));
                int n = output.read(buffer, read);
                if (n <= 0) {
                    break;
                }
                read += n;
                invocation.write(buffer.array(), n);
                functionLog.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
            }
            // Between reading the end and truncating, the runtime could append a line that is then lost;
            // only when the size is still what was read, and only once the file is large.
            if (read >= EMPTY_AT_BYTES && output.size() == read) {
                output.truncate(0);
                read = 0;
            }
        } catch (IOException e) {
            // No output file (the process never started) means no output.
        }
    }

    void start(String requestId, String version) {
        collectOutput(); // what the runtime wrote between invocations belongs to this one, as on AWS
        if (!json) {
            append("START RequestId: " + requestId + " Version: " + version + "\n");
        } else if (systemLevelAllows(INFO)) {
            var record = Json.object().put("requestId", requestId).put("version", version);
            platform("platform.start", record);
        }
    }

    /**
     * An init that failed ({@code errorType}: the runtime's init error or {@code Runtime.ExitError}),
     * as Lambda's {@code INIT_REPORT} line or {@code platform.initReport} record says it.
     */
    void initFailed(long initNanos, String errorType) {
        if (!json) {
            append("INIT_REPORT Init Duration: " + millis(initNanos / 1e6) + " ms\tPhase: init\tStatus: error\tError Type: "
                    + errorType + "\n");
        } else if (systemLevelAllows(INFO)) {
            var record = Json.object().put("initializationType", "on-demand").put("phase", "init")
                    .put("status", "error").put("errorType", errorType);
            record.putObject("metrics").put("durationMs", round(initNanos / 1e6));
            platform("platform.initReport", record);
        }
    }

    void timedOut(String requestId, int timeoutSeconds) {
        if (!json) {
            // Lambda writes this line's time to the millisecond: 2024-01-01T00:00:00.000Z.
            append(MILLIS_UTC.format(Instant.now()) + " " + requestId + " Task timed out after " + timeoutSeconds
                    + ".00 seconds\n");
        }
    }

    /**
     * The runtime failed the invocation itself (it exited, or failed its init): Lambda's two lines,
     * {@code RequestId: ... Error: ...} and the error type, in the text format.
     */
    void runtimeFailed(String errorMessage, String errorType) {
        if (!json) {
            append(errorMessage + "\n" + errorType + "\n");
        }
    }

    /** Writes END and REPORT (or the {@code platform.report} record) and returns this invocation's log. */
    String finish(Report report) {
        if (!json) {
            append("END RequestId: " + report.requestId() + "\n");
            append(report.textLine());
        } else {
            if (systemLevelAllows(DEBUG)) {
                var done = Json.object().put("requestId", report.requestId()).put("status", report.status());
                if (report.errorType() != null) {
                    done.put("errorType", report.errorType());
                }
                done.putObject("metrics").put("durationMs", round(report.durationMs()));
                platform("platform.runtimeDone", done);
            }
            if (systemLevelAllows(INFO)) {
                platform("platform.report", report.record());
            }
        }
        String log = invocation.text();
        invocation.reset();
        return log;
    }

    /**
     * A line from the service itself (e.g. which interpreter version runs the function), before START:
     * in the function's log only, as Lambda's INIT_START, never in an invocation's log tail (AWS's
     * recorded tails start with START).
     */
    void note(String line) {
        functionLog.append(line + "\n");
    }

    private void append(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        invocation.write(bytes, bytes.length);
        functionLog.append(text);
    }

    /** One system log record in Lambda's JSON format: {@code {"time", "type", "record"}}, one line. */
    private void platform(String type, com.fasterxml.jackson.databind.node.ObjectNode record) {
        var line = Json.object().put("time", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString())
                .put("type", type);
        line.set("record", record);
        append(line + "\n");
    }

    private boolean systemLevelAllows(int level) {
        return level >= systemLevel;
    }

    private static final int DEBUG = 0;
    private static final int INFO = 1;
    private static final int WARN = 2;

    /** SystemLogLevel: DEBUG, INFO (the default) or WARN, which keeps only warnings (no START or REPORT). */
    private static int systemLevel(String name) {
        return switch (name == null ? "INFO" : name) {
            case "DEBUG" -> DEBUG;
            case "WARN" -> WARN;
            default -> INFO;
        };
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    /**
     * What Lambda reports at the end of an invocation: its REPORT line or {@code platform.report} record.
     *
     * @param initNanos  the init's duration on a cold start, else negative
     * @param status     {@code success}, {@code timeout} or {@code error} (the runtime failed: it exited, or its init failed)
     * @param errorType  with {@code error}: {@code Runtime.ExitError}, the init error's type...; else null
     */
    record Report(String requestId, double durationMs, long initNanos, int memorySize, long maxMemoryUsedMb,
                  String status, String errorType) {

        private boolean withInit() {
            return initNanos > 0;
        }

        private long billedMs() {
            return (long) Math.ceil(durationMs) + (withInit() ? (long) Math.ceil(initNanos / 1e6) : 0);
        }

        /** Lambda's REPORT line, tab-separated with a trailing tab. */
        String textLine() {
            StringBuilder line = new StringBuilder("REPORT RequestId: ").append(requestId)
                    .append("\tDuration: ").append(millis(durationMs)).append(" ms")
                    .append("\tBilled Duration: ").append(billedMs()).append(" ms")
                    .append("\tMemory Size: ").append(memorySize).append(" MB")
                    .append("\tMax Memory Used: ").append(maxMemoryUsedMb).append(" MB\t");
            if (withInit()) {
                line.append("Init Duration: ").append(millis(initNanos / 1e6)).append(" ms\t");
            }
            if (status.equals("timeout")) {
                line.append("Status: timeout\t");
            } else if (status.equals("error")) {
                line.append("Status: error\tError Type: ").append(errorType).append('\t');
            }
            return line.append('\n').toString();
        }

        com.fasterxml.jackson.databind.node.ObjectNode record() {
            var record = Json.object().put("requestId", requestId);
            var metrics = record.putObject("metrics");
            metrics.put("durationMs", round(durationMs)).put("billedDurationMs", billedMs())
                    .put("memorySizeMB", memorySize).put("maxMemoryUsedMB", maxMemoryUsedMb);
            if (withInit()) {
                metrics.put("initDurationMs", round(initNanos / 1e6));
            }
            record.put("status", status);
            if (errorType != null) {
                record.put("errorType", errorType);
            }
            return record;
        }
    }

    @Override
    public void close() {
        if (output != null) {
            try {
                output.close();
            } catch (IOException e) {
                // Nothing was buffered for writing.
            }
        }
    }

    /** The newest {@code capacity} bytes written since the last reset. */
    private static final class TailBuffer {
        private final byte[] ring;
        private long written;

        TailBuffer(int capacity) {
            ring = new byte[capacity];
        }

        void write(byte[] bytes, int length) {
            int from = Math.max(0, length - ring.length);
            for (int i = from; i < length; ) {
                int at = (int) (written % ring.length);
                int n = Math.min(length - i, ring.length - at);
                System.arraycopy(bytes, i, ring, at, n);
                i += n;
                written += n;
            }
        }

        String text() {
            int size = (int) Math.min(written, ring.length);
            byte[] out = new byte[size];
            int start = (int) ((written - size) % ring.length);
            int first = Math.min(size, ring.length - start);
            System.arraycopy(ring, start, out, 0, first);
            System.arraycopy(ring, 0, out, first, size - first);
            return new String(out, StandardCharsets.UTF_8);
        }

        void reset() {
            written = 0;
        }
    }
}
