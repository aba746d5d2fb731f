package io.lambdasteprunner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One call to the Lambda API as the routes see it: method, decoded path segments, query parameters,
 * headers and the body, read on demand. Knows HTTP, not Lambda.
 *
 * @param header a request header by name (case-insensitive), or null
 */
record ApiRequest(String method, List<String> path, Map<String, List<String>> query,
                  Function<String, String> header, InputStream body) {

    /** Splits and percent-decodes a raw path and query; a broken escape is the caller's error, not a 500. */
    static ApiRequest of(String method, String rawPath, String rawQuery, Function<String, String> header,
                         InputStream body) {
        List<String> path = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                path.add(decode(segment, false));
            }
        }
        return new ApiRequest(method, List.copyOf(path), fields(rawQuery), header, body);
    }

    /**
     * The fields of a query string or of a form body ({@code application/x-www-form-urlencoded}),
     * decoded, each name with its values in order.
     */
    static Map<String, List<String>> fields(String raw) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
                fields.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        }
        return fields;
    }

    /** The first value of a query parameter; absent or empty is null. */
    String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    List<String> queryValues(String name) {
        return query.getOrDefault(name, List.of());
    }

    String header(String name, String fallback) {
        String value = header.apply(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** At most {@code limit} bytes of the body; more is {@code tooLarge}'s error. */
    byte[] bytes(int limit, Function<Integer, LambdaException> tooLarge) throws IOException {
        byte[] bytes = body.readNBytes(limit + 1);
        if (bytes.length > limit) {
            drain();
            throw tooLarge.apply(bytes.length);
        }
        return bytes;
    }

    /** How much of a refused body is read and dropped before the refusal is answered. */
    static final long MAX_DRAINED_BYTES = 128L * 1024 * 1024;

    /**
     * Reads and drops the rest of a refused body, up to {@link #MAX_DRAINED_BYTES}: an SDK that is still
     * sending it (the Java SDK's URL-connection client) then reads the 413, where a connection closed
     * under it (the JDK's server drains only 64 KB by itself) would be an I/O error it retries.
     */
    private void drain() throws IOException {
        byte[] buffer = new byte[65536];
        long drained = 0;
        for (int n; drained < MAX_DRAINED_BYTES && (n = body.read(buffer)) > 0; ) {
            drained += n;
        }
    }

    /** The body as a JSON object ({@code {}} when empty), read up to {@code limit} bytes. */
    JsonNode json(int limit, Function<Integer, LambdaException> tooLarge) throws IOException {
        byte[] bytes = bytes(limit, tooLarge);
        if (bytes.length == 0) {
            return Json.object();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw LambdaException.invalidContent("Could not parse request body into json: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw LambdaException.invalidContent("Could not parse request body into json: expected a JSON object");
        }
        return node;
    }

    /** Percent-decoding that keeps {@code +} in paths and refuses broken escapes with a named error. */
    private static String decode(String raw, boolean plusIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
                        || Character.digit(raw.charAt(i + 2), 16) < 0) {
                    throw LambdaException.invalidParameter("The request URI has a broken percent-escape: " + raw);
                }
                out.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
