package io.lambdasteprunner.lambda;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's Lambda client sends its bodies buffered (so the JDK skips its 1 ms check of a kept-alive
 * connection before each POST): on the wire every request still carries its whole body and the JDK's own
 * {@code Content-Length}, the signature does not name that header, and calls share one connection.
 */
class BufferedRequestBodiesIT {

    record Seen(String method, String contentLength, String authorization, String body, int clientPort) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private LambdaClient lambda;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Length"),
                    exchange.getRequestHeaders().getFirst("Authorization"), new String(body, StandardCharsets.UTF_8),
                    exchange.getRemoteAddress().getPort()));
            byte[] answer = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        lambda = LambdaClients.create(LambdaClientConfig.local(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "us-east-1"));
    }

    @AfterEach
    void stop() {
        lambda.close();
        server.stop(0);
    }

    @Test
    void invokesCarryTheirWholeBodyUnsignedLengthAndShareAConnection() {
        String payload = """
                {"host": "web-1", "note": "ünïcödé and a quote \\" inside"}""";

        for (int i = 0; i < 3; i++) {
            String answer = lambda.invoke(r -> r.functionName("f").payload(SdkBytes.fromUtf8String(payload)))
                    .payload().asUtf8String();
            assertEquals("{\"ok\":true}", answer);
        }

        assertEquals(3, seen.size(), seen.toString());
        for (Seen request : seen) {
            assertEquals("POST", request.method());
            assertEquals(payload, request.body());
            assertEquals(Integer.toString(payload.getBytes(StandardCharsets.UTF_8).length), request.contentLength());
            assertTrue(request.authorization().startsWith("AWS4-HMAC-SHA256 "), request.authorization());
            assertFalse(request.authorization().toLowerCase().contains("content-length"),
                    "the JDK sets the length after signing: " + request.authorization());
        }
        assertEquals(1, seen.stream().map(Seen::clientPort).distinct().count(), "one kept-alive connection: " + seen);
    }
}
