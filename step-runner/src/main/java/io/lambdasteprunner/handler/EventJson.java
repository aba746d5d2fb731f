package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepJson;

import java.io.IOException;

/**
 * Reads the JSON of an event or of an API request's body, once: one document and nothing after it
 * ({@code {...}}} is a typo, not a request), within the mapper's limits ({@link StepJson}: nesting, number
 * length, exact numbers). Thread-safe.
 */
final class EventJson {

    private final ObjectReader reader;

    EventJson(ObjectMapper mapper) {
        this.reader = mapper.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** @throws StepFailure {@code InvalidStepRequest} naming {@code what} and the line and column of the mistake */
    JsonNode read(byte[] json, String what) {
        try {
            return reader.readTree(json);
        } catch (IOException | RuntimeException e) {
            // A number whose exponent Java cannot hold surfaces as a NumberFormatException.
            throw StepJson.unreadable(what, e);
        }
    }

    /** @throws StepFailure {@code InvalidStepRequest} naming {@code what} and the line and column of the mistake */
    JsonNode read(String json, String what) {
        try {
            return reader.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw StepJson.unreadable(what, e);
        }
    }
}
