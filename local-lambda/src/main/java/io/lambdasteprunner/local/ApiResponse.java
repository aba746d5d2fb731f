package io.lambdasteprunner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the Lambda API answers to one call: status, headers and body (empty for none). */
record ApiResponse(int status, Map<String, String> headers, byte[] body) {

    private static final byte[] NONE = new byte[0];

    ApiResponse {
        headers = new LinkedHashMap<>(headers);
    }

    static ApiResponse json(int status, JsonNode body) {
        try {
            return new ApiResponse(status, Map.of("Content-Type", "application/json"), Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ApiResponse bytes(int status, byte[] body) {
        return new ApiResponse(status, Map.of("Content-Type", "application/json"), body);
    }

    static ApiResponse empty(int status) {
        return new ApiResponse(status, Map.of(), NONE);
    }

    ApiResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, more, body);
    }
}
