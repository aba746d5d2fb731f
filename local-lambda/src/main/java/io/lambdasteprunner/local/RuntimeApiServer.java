package io.lambdasteprunner.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The server side of one execution environment's Runtime API, on a loopback port of its own.
 *
 * <p>Every process on the machine can reach a loopback port (and read which ports listen, in
 * {@code /proc/net/tcp}), so the address the runtime is given ({@code AWS_LAMBDA_RUNTIME_API}) carries
 * an unguessable token. In a sandbox it is the host name: {@code lambda-runtime-TOKEN:PORT}, which
 * only that sandbox's {@code /etc/hosts} resolves (to 127.0.0.1), so that the address has the
 * {@code host:port} form every client parses (Python's {@code http.client} refuses anything else) and
 * every request carries the token in its {@code Host} header. Without a sandbox there is no private
 * {@code /etc/hosts}: the token is a path segment, {@code 127.0.0.1:PORT/TOKEN}, which clients that
 * build {@code http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/...} send. Each {@link Request} says
 * whether it carried the token, either way.
 *
 * <p>A runtime speaks strictly in turn: {@code next}, then {@code response} or {@code error}, then
 * {@code next} again. So the thread that runs the current invocation serves the Runtime API itself,
 * with a selector over all of the runtime's connections (the Java client, for one, reports errors on
 * a second connection): no server thread, and no hand-off between threads on the path of an invoke.
 *
 * <p>What a stranger can make it hold is bounded, since any process on the machine (another
 * function among them) can connect: at most {@value #MAX_CONNECTIONS} connections (a new one beyond
 * replaces the oldest that never carried the token), headers of at most {@value #MAX_HEADER_BYTES}
 * bytes, and no body is kept that is over the limit or that comes without the token to a path not
 * {@link #openWithoutToken open} without it: its bytes are read and dropped.
 *
 * <p>Used by one thread at a time (the holder of the environment). {@link #close()} and
 * {@link #wakeUp()} may come from any thread.
 */
final class RuntimeApiServer implements AutoCloseable {

    /** One request from the runtime, and the connection to answer it on. */
    record Request(SocketChannel connection, String method, String path, Map<String, String> headers,
                   byte[] body, boolean bodyTooLarge, boolean authenticated) {
    }

    /** The runtime did not ask in time. */
    static final class Timeout extends Exception {
        Timeout() {
            super(null, null, false, false);
        }
    }

    /** The runtime is gone: the process exited, or the environment was closed. */
    static final class Gone extends Exception {
        Gone() {
            super(null, null, false, false);
        }
    }

    /** Anything longer is not a runtime talking to us: the connection is dropped. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    /** A runtime holds one or two connections (the Java client reports errors on a second). */
    static final int MAX_CONNECTIONS = 8;

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final int maxBody;
    private final String tokenPrefix;
    private final String hostName;
    private final boolean byName;
    /** The path (a prefix) whose requests are served without the token, or null: see {@link RuntimeProtocol}. */
    private String openPath;
    private long accepted;

    /**
     * @param token  the secret that authenticates the runtime's requests
     * @param byName whether the runtime reaches us by {@link #hostName(String)} (its sandbox resolves
     *               it), rather than by 127.0.0.1 with the token as a path segment
     */
    RuntimeApiServer(int maxBody, String token, boolean byName) throws IOException {
        this.maxBody = maxBody;
        this.tokenPrefix = "/" + token;
        this.hostName = hostName(token);
        this.byName = byName;
        this.selector = Selector.open();
        this.listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
    }

    /** The host name that carries {@code token}, which a sandbox's {@code /etc/hosts} resolves to 127.0.0.1. */
    static String hostName(String token) {
        return "lambda-runtime-" + token;
    }

    /** {@code lambda-runtime-TOKEN:PORT}, or {@code 127.0.0.1:PORT/TOKEN}, for {@code AWS_LAMBDA_RUNTIME_API}. */
    String address() {
        int port = listener.socket().getLocalPort();
        return byName ? hostName + ":" + port : "127.0.0.1:" + port + tokenPrefix;
    }

    /**
     * Waits for the runtime's next complete request, until {@code deadlineNanos} (by
     * {@link System#nanoTime}). {@code alive} tells whether the runtime process still runs.
     */
    Request next(long deadlineNanos, java.util.function.BooleanSupplier alive) throws Timeout, Gone {
        try {
            while (true) {
                for (SelectionKey key : selector.keys()) {
                    if (key.attachment() instanceof Connection connection) {
                        Request ready;
                        try {
                            ready = connection.take((SocketChannel) key.channel());
                        } catch (RuntimeException e) {
                            // Not HTTP as a runtime speaks it (a bad length, a bad chunk): not a runtime.
                            key.cancel();
                            key.channel().close();
                            continue;
                        }
                        if (ready != null) {
                            return ready;
                        }
                    }
                }
                if (!alive.getAsBoolean() && !hasReadableData()) {
                    throw new Gone();
                }
                long millis = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (millis <= 0) {
                    throw new Timeout();
                }
                selector.select(Math.min(millis, 1000));
                Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
                while (selected.hasNext()) {
                    SelectionKey key = selected.next();
                    selected.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else if (key.isReadable()) {
                        ((Connection) key.attachment()).fill(key);
                    }
                }
            }
        } catch (ClosedSelectorException e) {
            throw new Gone();
        } catch (IOException e) {
            throw new Gone();
        }
    }

    private boolean hasReadableData() throws IOException {
        return selector.selectNow() > 0;
    }

    private void accept() throws IOException {
        SocketChannel channel = listener.accept();
        if (channel == null) {
            return;
        }
        SelectionKey oldestStranger = null;
        int open = 0;
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Connection connection) {
                open++;
                if (!connection.carriedToken && (oldestStranger == null
                        || connection.number < ((Connection) oldestStranger.attachment()).number)) {
                    oldestStranger = key;
                }
            }
        }
        if (open >= MAX_CONNECTIONS) {
            if (oldestStranger == null) {
                channel.close(); // The runtime's own connections fill every place.
                return;
            }
            oldestStranger.cancel();
            oldestStranger.channel().close();
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.register(selector, SelectionKey.OP_READ, new Connection(accepted++));
    }

    /**
     * Lets requests to paths starting with {@code pathPrefix} (null: none) bring a body without the
     * token; any other request without it is answered with its body dropped unread.
     */
    void openWithoutToken(String pathPrefix) {
        this.openPath = pathPrefix;
    }

    /** Answers a request on the connection it came on. */
    void respond(Request request, int status, Map<String, String> headers, byte[] body) throws Gone {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(headBytes.length + body.length).put(headBytes).put(body).flip();
        write(request.connection(), buffer);
    }

    void respond(Request request, int status, String json) throws Gone {
        respond(request, status, Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    private void write(SocketChannel channel, ByteBuffer buffer) throws Gone {
        try {
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    // The runtime reads slower than we write (a large event): give it a moment.
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
        } catch (IOException e) {
            throw new Gone();
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 413 -> "Payload Too Large";
            default -> "Status";
        };
    }

    /** Wakes a thread waiting in {@link #next}, so it sees that the runtime process has ended. */
    void wakeUp() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException | ClosedSelectorException e) {
            // Already closed.
        }
    }

    /** The bytes one connection has sent, parsed into requests as they complete. */
    private final class Connection {
        private final long number;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
        /** Whether a request on it carried the token: the runtime's own, never replaced by a newcomer. */
        private boolean carriedToken;
        private boolean continueSent;
        /** Set when bytes arrive; parsing is tried only then. */
        private boolean changed;
        /** The size the buffer must reach before the pending request can be complete. */
        private long needed;
        /** Bytes of the current request's body still to drop, and the request to hand out after them. */
        private long toDrop;
        private Request dropped;

        Connection(long number) {
            this.number = number;
        }

        void fill(SelectionKey key) throws IOException {
            SocketChannel channel = (SocketChannel) key.channel();
            readBuffer.clear();
            int n;
            try {
                n = channel.read(readBuffer);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                key.cancel();
                channel.close();
                return;
            }
            int skipped = (int) Math.min(toDrop, n);
            toDrop -= skipped;
            received.write(readBuffer.array(), skipped, n - skipped);
            changed = true;
            if (received.size() > maxBody + 2L * MAX_HEADER_BYTES) {
                key.cancel(); // Over any limit even with framing (a chunked body): not a runtime.
                channel.close();
            }
        }

        /** The next complete request on this connection, removed from its buffer, or null. */
        Request take(SocketChannel channel) throws IOException {
            if (dropped != null) {
                if (toDrop > 0) {
                    return null;
                }
                Request request = dropped;
                dropped = null;
                continueSent = false;
                changed = received.size() > 0;
                return request;
            }
            if (!changed || received.size() < needed) {
                return null; // A large body arrives in many reads: copy and parse it once, when complete.
            }
            changed = false;
            byte[] bytes = received.toByteArray();
            int headerEnd = indexOf(bytes, 0);
            if (headerEnd < 0) {
                if (bytes.length > MAX_HEADER_BYTES) {
                    throw new IllegalStateException("headers too long");
                }
                return null;
            }
            String[] lines = new String(bytes, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] requestLine = lines[0].split(" ", 3);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            String target = requestLine.length > 1 ? requestLine[1] : "/";
            int query = target.indexOf('?');
            String path = query < 0 ? target : target.substring(0, query);
            boolean underToken = path.startsWith(tokenPrefix + "/");
            boolean authenticated = underToken || hostIsOurs(headers.get("host"));
            carriedToken |= authenticated;
            String servedPath = underToken ? path.substring(tokenPrefix.length()) : path;
            boolean keepsBody = authenticated || (openPath != null && servedPath.startsWith(openPath));
            int bodyStart = headerEnd + 4;
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            long length = chunked ? 0 : Long.parseLong(headers.getOrDefault("content-length", "0"));
            if (length < 0 || (chunked && !keepsBody)) {
                throw new IllegalStateException("a body no runtime sends");
            }
            if (!chunked && (length > maxBody || !keepsBody)) {
                // Read and dropped as it arrives, never held: answered after its last byte.
                Request request = new Request(channel, requestLine[0], servedPath, headers, new byte[0],
                        length > maxBody, authenticated);
                long here = Math.min(length, bytes.length - bodyStart);
                received.reset();
                received.write(bytes, (int) (bodyStart + here), (int) (bytes.length - bodyStart - here));
                toDrop = length - here;
                dropped = request;
                needed = 0;
                sendContinue(channel, headers, toDrop > 0);
                return take(channel);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int end;
            if (chunked) {
                end = dechunk(bytes, bodyStart, body);
            } else {
                end = bytes.length - bodyStart >= length ? bodyStart + (int) length : -1;
                needed = end < 0 ? bodyStart + length : 0;
                if (end >= 0) {
                    body.write(bytes, bodyStart, (int) length);
                }
            }
            if (end < 0) {
                sendContinue(channel, headers, true);
                return null;
            }
            received.reset();
            received.write(bytes, end, bytes.length - end);
            continueSent = false;
            changed = received.size() > 0; // Pipelined bytes may hold the next request already.
            return new Request(channel, requestLine[0], servedPath, headers, body.toByteArray(), false, authenticated);
        }

        /** curl (under the official clients) asks before it sends a larger body. */
        private void sendContinue(SocketChannel channel, Map<String, String> headers, boolean bodyToCome) throws IOException {
            if (bodyToCome && !continueSent && "100-continue".equalsIgnoreCase(headers.get("expect"))) {
                continueSent = true;
                write(channel, ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
        }

        private void write(SocketChannel channel, ByteBuffer buffer) throws IOException {
            try {
                RuntimeApiServer.this.write(channel, buffer);
            } catch (Gone e) {
                throw new IOException("connection closed");
            }
        }
    }

    /** Whether a {@code Host} header names this environment's host name (with or without the port). */
    private boolean hostIsOurs(String host) {
        if (host == null) {
            return false;
        }
        int colon = host.lastIndexOf(':');
        return (colon < 0 ? host : host.substring(0, colon)).equalsIgnoreCase(hostName);
    }

    /** Where the blank line after the headers starts, or -1. */
    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Decodes a complete chunked body into {@code body}; returns where the request ends, or -1. */
    private static int dechunk(byte[] bytes, int at, ByteArrayOutputStream body) {
        while (true) {
            int lineEnd = lineEnd(bytes, at);
            if (lineEnd < 0) {
                return -1;
            }
            int size = Integer.parseInt(new String(bytes, at, lineEnd - at, StandardCharsets.US_ASCII)
                    .split(";")[0].trim(), 16);
            at = lineEnd + 2;
            if (size == 0) {
                while (true) { // trailers, up to the blank line
                    int trailerEnd = lineEnd(bytes, at);
                    if (trailerEnd < 0) {
                        return -1;
                    }
                    boolean blank = trailerEnd == at;
                    at = trailerEnd + 2;
                    if (blank) {
                        return at;
                    }
                }
            }
            if (bytes.length < at + size + 2) {
                return -1;
            }
            body.write(bytes, at, size);
            at += size + 2;
        }
    }

    private static int lineEnd(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
