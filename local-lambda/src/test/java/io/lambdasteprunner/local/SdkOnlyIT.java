package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only AWS SDK and CLI requests get in: a loopback Host, no Origin, a SigV4 Authorization header. The
 * requests here are raw HTTP, as a browser or another program would send them.
 */
class SdkOnlyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SIGNED = "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);
    private static final String CREATE = """
            {"FunctionName":"from-a-web-page","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/x",
             "Handler":"lambda_function.lambda_handler","Code":{"ZipFile":"%s"}}""".formatted(
            Base64.getEncoder().encodeToString(LocalLambda.zip(java.util.Map.of("lambda_function.py",
                    "import os\ndef lambda_handler(e, c):\n    os.system('touch /tmp/pwned')\n")).asByteArray()));

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();

    record Answer(int status, String errorType, String body) {
    }

    private static Answer send(String method, String path, String headers, String body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", LOCAL.service().endpoint().getPort())) {
            socket.setSoTimeout(20_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            String response = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            String errorType = response.lines().filter(line -> line.toLowerCase(Locale.ROOT).startsWith("x-amzn-errortype:"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(null);
            return new Answer(status, errorType, response.substring(response.indexOf("\r\n\r\n") + 4));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toByteArray();
    }

    private static String host() {
        return "Host: 127.0.0.1:" + LOCAL.service().endpoint().getPort() + "\r\n";
    }

    @Nested
    class Browsers {
        @Test
        void shouldRefuseAWebPagesTextPlainPostThatWouldCreateAFunction() throws Exception {
            Answer answer = send("POST", "/2015-03-31/functions", host()
                    + "Content-Type: text/plain;charset=UTF-8\r\nOrigin: http://attacker.example\r\n", CREATE);

            assertEquals(403, answer.status());
            assertEquals("AccessDeniedException", answer.errorType());
            assertTrue(JSON.readTree(answer.body()).get("message").asText().contains("Origin"), answer.body());
            assertFalse(LOCAL.service().functionNames().contains("from-a-web-page"));
        }

        @Test
        void shouldRefuseAPreflight() throws Exception {
            Answer answer = send("OPTIONS", "/2015-03-31/functions", host() + "Origin: http://attacker.example\r\n"
                    + "Access-Control-Request-Method: POST\r\n", "");

            assertEquals(403, answer.status());
        }

        @Test
        void shouldRefuseAnyOriginEvenWithASignature() throws Exception {
            Answer answer = send("GET", "/2015-03-31/functions", host() + "Origin: null\r\nAuthorization: " + SIGNED + "\r\n", "");

            assertEquals(403, answer.status());
            assertEquals("AccessDeniedException", answer.errorType());
        }
    }

    @Nested
    class HostHeader {
        @Test
        void shouldRefuseANameThatIsNotLoopbackAsAfterDnsRebinding() throws Exception {
            Answer answer = send("GET", "/2015-03-31/functions", "Host: attacker.example\r\nAuthorization: " + SIGNED + "\r\n", "");

            assertEquals(403, answer.status());
            assertEquals("AccessDeniedException", answer.errorType());
            assertTrue(answer.body().contains("attacker.example") && answer.body().contains("loopback"), answer.body());
        }

        @Test
        void shouldAnswerLoopbackNames() throws Exception {
            int port = LOCAL.service().endpoint().getPort();
            for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.1.2.3"}) {
                Answer answer = send("GET", "/2015-03-31/functions", "Host: " + host + "\r\nAuthorization: " + SIGNED + "\r\n", "");

                assertEquals(200, answer.status(), host + ": " + answer.body());
            }
        }
    }

    @Nested
    class Signature {
        @Test
        void shouldRefuseARequestWithoutSigV4() throws Exception {
            Answer answer = send("POST", "/2015-03-31/functions", host() + "Content-Type: application/json\r\n", CREATE);

            assertEquals(403, answer.status());
            assertEquals("MissingAuthenticationTokenException", answer.errorType());
            assertTrue(answer.body().contains("Signature Version 4"), answer.body());
            assertFalse(LOCAL.service().functionNames().contains("from-a-web-page"));
        }

        @Test
        void shouldRefuseAnAuthorizationThatIsNotSigV4() throws Exception {
            Answer answer = send("GET", "/2015-03-31/functions", host() + "Authorization: Basic dGVzdDp0ZXN0\r\n", "");

            assertEquals(403, answer.status());
            assertEquals("IncompleteSignatureException", answer.errorType());
        }

        @Test
        void shouldGuardTheFaultSwitchToo() throws Exception {
            Answer answer = send("PUT", "/_local/faults", host(), "{\"throttleRate\":1}");

            assertEquals(403, answer.status());
            assertEquals("MissingAuthenticationTokenException", answer.errorType());
            JsonNode now = JSON.readTree(send("GET", "/_local/faults", host() + "Authorization: " + SIGNED + "\r\n", "").body());
            assertEquals(0.0, now.get("throttleRate").asDouble(), "unchanged");
        }

        @Test
        void shouldLetTheSdkIn() {
            assertEquals(200, LOCAL.lambda().listFunctions().sdkHttpResponse().statusCode());
        }
    }
}
