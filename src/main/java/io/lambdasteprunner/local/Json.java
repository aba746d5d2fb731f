package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** JSON for the wire: one configured mapper, immutable once built, shared by the service's parts. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A runtime error payload in the shape the Lambda service itself writes. */
    static byte[] error(String errorType, String errorMessage) {
        ObjectNode node = object().put("errorType", errorType).put("errorMessage", errorMessage);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
