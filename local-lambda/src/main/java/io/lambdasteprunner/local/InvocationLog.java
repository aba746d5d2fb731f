package io.lambdasteprunner.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;

/**
 * One execution environment's log, cut into invocations: what the runtime wrote (read from its output
 * file) between Lambda's {@code START} and {@code END}/{@code REPORT} lines. Everything also goes to
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
    static final int MAX_KEPT_BYTES = 256 * 1024;
    private static final long EMPTY_AT_BYTES = 8L << 20;
    private static final int CHUNK = 1 << 20;

    private final Path outputFile;
    private final FunctionLog functionLog;
    private final TailBuffer invocation = new TailBuffer(MAX_KEPT_BYTES);
    private FileChannel output;
    private long read;

    InvocationLog(Path outputFile, FunctionLog functionLog) {
        this.outputFile = outputFile;
        this.functionLog = functionLog;
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
        append("START RequestId: " + requestId + " Version: " + version + "\n");
    }

    void timedOut(String requestId, int timeoutSeconds) {
        append(Instant.now() + " " + requestId + " Task timed out after " + timeoutSeconds + ".00 seconds\n");
    }

    /** Writes END and REPORT and returns this invocation's log; the next one starts empty. */
    String finish(String requestId, String reportLine) {
        append("END RequestId: " + requestId + "\n");
        append(reportLine);
        String log = invocation.text();
        invocation.reset();
        return log;
    }

    /** A line from the service itself (e.g. which interpreter version runs the function), before START. */
    void note(String line) {
        append(line + "\n");
    }

    private void append(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        invocation.write(bytes, bytes.length);
        functionLog.append(text);
    }

    /** Lambda's REPORT line, tab-separated with a trailing tab. */
    static String reportLine(String requestId, double durationMs, long initNanos, int memorySize, long maxMemoryUsedMb,
                             boolean timedOut) {
        boolean withInit = initNanos > 0;
        StringBuilder line = new StringBuilder("REPORT RequestId: ").append(requestId)
                .append("\tDuration: ").append(String.format(Locale.ROOT, "%.2f ms", durationMs))
                .append("\tBilled Duration: ").append((long) Math.ceil(durationMs)
                        + (withInit ? (long) Math.ceil(initNanos / 1e6) : 0)).append(" ms")
                .append("\tMemory Size: ").append(memorySize).append(" MB")
                .append("\tMax Memory Used: ").append(maxMemoryUsedMb).append(" MB\t");
        if (withInit) {
            line.append("Init Duration: ").append(String.format(Locale.ROOT, "%.2f ms", initNanos / 1e6)).append('\t');
        }
        if (timedOut) {
            line.append("Status: timeout\t");
        }
        return line.append('\n').toString();
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
