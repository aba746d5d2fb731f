package io.lambdasteprunner.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** JSON for the wire: one configured mapper, immutable once built, shared by the service's parts. */
final class Json {
    /**
     * CreateFunction carries the zip base64-encoded in one JSON string: Lambda's 50 MB (52428800-byte)
     * zip limit is 69905068 characters, above Jackson's default 20 MB string limit.
     */
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(70_000_000).build())
            .build());

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

    /** The same, members in the other order: AWS writes Function.ResponseSizeTooLarge's message first. */
    static byte[] errorMessageFirst(String errorType, String errorMessage) {
        ObjectNode node = object().put("errorMessage", errorMessage).put("errorType", errorType);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
