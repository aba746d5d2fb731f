package io.lambdasteprunner.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;

import java.io.IOException;

/**
 * Reads the JSON of an event or of an API request's body, once: one document and nothing after it
 * ({@code {...}}} is a typo, not a request). Thread-safe.
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
        } catch (IOException e) {
            throw notJson(what, e);
        }
    }

    /** @throws StepFailure {@code InvalidStepRequest} naming {@code what} and the line and column of the mistake */
    JsonNode read(String json, String what) {
        try {
            return reader.readTree(json);
        } catch (IOException e) {
            throw notJson(what, e);
        }
    }

    private static StepFailure notJson(String what, IOException e) {
        String where = e instanceof JsonProcessingException json && json.getLocation() != null
                ? " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")" : "";
        return new StepFailure(StepError.INVALID_STEP_REQUEST, what + " is not valid JSON" + where);
    }
}
