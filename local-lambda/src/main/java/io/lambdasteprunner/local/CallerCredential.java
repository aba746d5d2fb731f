package io.lambdasteprunner.local;

import com.sun.net.httpserver.HttpExchange;

import java.util.Optional;

/**
 * Who signed a request, as its SigV4 {@code Authorization} header says: the access key id and the
 * credential scope ({@code <key>/<date>/<region>/<service>/aws4_request}). Any key is accepted (the
 * signature is not checked); the key id and region tell accounts and regions apart.
 *
 * @param accessKeyId the key id the caller signed with
 * @param date        the scope's date, {@code yyyyMMdd}
 * @param region      the region the caller signed for
 * @param service     the service the caller signed for ({@code lambda}, {@code sts}, ...)
 */
record CallerCredential(String accessKeyId, String date, String region, String service) {

    private static final String ATTRIBUTE = CallerCredential.class.getName();

    /** The credential the filter found on this request; present on every request it let through. */
    static Optional<CallerCredential> of(HttpExchange exchange) {
        return Optional.ofNullable((CallerCredential) exchange.getAttribute(ATTRIBUTE));
    }

    void attachTo(HttpExchange exchange) {
        exchange.setAttribute(ATTRIBUTE, this);
    }

    /**
     * Parses {@code AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request,
     * SignedHeaders=..., Signature=...}; empty when it is not that.
     */
    static Optional<CallerCredential> parse(String authorization) {
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            return Optional.empty();
        }
        String credential = null;
        boolean signedHeaders = false;
        boolean signature = false;
        for (String part : authorization.substring("AWS4-HMAC-SHA256 ".length()).split(",")) {
            String field = part.trim();
            if (field.startsWith("Credential=")) {
                credential = field.substring("Credential=".length());
            } else if (field.startsWith("SignedHeaders=") && field.length() > "SignedHeaders=".length()) {
                signedHeaders = true;
            } else if (field.startsWith("Signature=") && field.substring("Signature=".length()).matches("[0-9a-f]{64}")) {
                signature = true;
            }
        }
        if (credential == null || !signedHeaders || !signature) {
            return Optional.empty();
        }
        String[] scope = credential.split("/");
        if (scope.length != 5 || scope[0].isEmpty() || !scope[1].matches("\\d{8}") || scope[2].isEmpty()
                || scope[3].isEmpty() || !scope[4].equals("aws4_request")) {
            return Optional.empty();
        }
        return Optional.of(new CallerCredential(scope[0], scope[1], scope[2], scope[3]));
    }
}
