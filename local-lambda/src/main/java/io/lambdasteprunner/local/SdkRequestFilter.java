package io.lambdasteprunner.local;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Lets in only what an AWS SDK or the AWS CLI sends, so that no web page can reach the service: a
 * {@code Host} that is a loopback name (a page on another origin, even one that rebinds its DNS name
 * to 127.0.0.1, sends its own name), no {@code Origin} header (browsers send one on every cross-origin
 * request that could change anything, and on every preflight), and a SigV4 {@code Authorization}
 * header (which a browser can send only after a preflight, refused above). A {@code text/plain} POST
 * from a page thus fails three times over.
 *
 * <p>A refusal is answered as AWS answers an unsigned or refused request ({@code X-Amzn-ErrorType},
 * JSON body), saying what to fix. A request let through carries its {@link CallerCredential}.
 * Covers the Lambda API and the {@code /_local} admin endpoints; each execution environment's Runtime
 * API is separate and protected by its token.
 */
final class SdkRequestFilter extends Filter {

    /** localhost, 127.0.0.0/8 and [::1], each with an optional port. */
    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "(?:localhost|127(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}|\\[(?:0{0,4}:){2,7}0{0,3}1])(?::\\d{1,5})?");

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String refusal = refusal(exchange);
        if (refusal == null) {
            chain.doFilter(exchange);
            return;
        }
        try (exchange) {
            String[] codeAndMessage = refusal.split("\n", 2);
            byte[] body = Json.MAPPER.writeValueAsBytes(Json.object().put("Type", "User")
                    .put("message", codeAndMessage[1]));
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.getResponseHeaders().set("X-Amzn-ErrorType", codeAndMessage[0]);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            // The body of a refused request is not read: the connection is not reused.
            exchange.getResponseHeaders().set("Connection", "close");
            exchange.sendResponseHeaders(403, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Why the request is refused, as {@code code\nmessage}, or null to let it through. */
    private static String refusal(HttpExchange exchange) {
        var headers = exchange.getRequestHeaders();
        String host = headers.getFirst("Host");
        if (host == null || !LOOPBACK_HOST.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
            return "AccessDeniedException\nThe local Lambda service answers only requests addressed to a loopback "
                    + "name (localhost, 127.0.0.1 or [::1], with the port), and this one was addressed to '"
                    + (host == null ? "" : host) + "'. Use the endpoint http://127.0.0.1:" + exchange.getLocalAddress().getPort()
                    + " (for example AWS_ENDPOINT_URL_LAMBDA).";
        }
        if (headers.containsKey("Origin")) {
            return "AccessDeniedException\nThe local Lambda service refuses requests from web pages (this one has an "
                    + "Origin header: " + headers.getFirst("Origin") + "). Call it with an AWS SDK or the AWS CLI.";
        }
        String authorization = headers.getFirst("Authorization");
        if (authorization == null || authorization.isBlank()) {
            return "MissingAuthenticationTokenException\nMissing Authentication Token: the local Lambda service "
                    + "answers only requests signed with AWS Signature Version 4, as every AWS SDK and the AWS CLI "
                    + "sign them. Any access key works (for example AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test).";
        }
        var credential = CallerCredential.parse(authorization);
        if (credential.isEmpty()) {
            return "IncompleteSignatureException\nThe Authorization header is not an AWS Signature Version 4 "
                    + "signature ('AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, "
                    + "SignedHeaders=..., Signature=...'). Sign the request with an AWS SDK or the AWS CLI.";
        }
        credential.get().attachTo(exchange);
        return null;
    }

    @Override
    public String description() {
        return "loopback Host, no Origin, SigV4 Authorization";
    }
}
