package io.lambdasteprunner.step;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;

/**
 * How the runner reads and writes JSON, so every entry point treats a hostile event alike.
 *
 * <p>Numbers keep their JSON value: a decimal is read as a {@link java.math.BigDecimal} exactly as written
 * ({@code 1e999999} stays {@code 1E+999999}, never {@code "Infinity"}; {@code 1.10} stays {@code 1.10}),
 * and an integer of any length as an integer. Jackson's stream limits are set explicitly: a number of at
 * most {@value #MAX_NUMBER_LENGTH} characters and at most {@value #MAX_NESTING_DEPTH} levels of nesting,
 * which no real event comes near and which keep a crafted event from costing the runner its stack or
 * its CPU. A request past them is an {@code InvalidStepRequest} that names the limit.
 */
public final class StepJson {

    /** Deeper than any real step request or function response; far from the JVM's stack limit. */
    public static final int MAX_NESTING_DEPTH = 256;
    /** Digits (and sign, point, exponent) of one number: Jackson's default, stated here. */
    public static final int MAX_NUMBER_LENGTH = 1000;

    private StepJson() {
    }

    /** A new mapper with the runner's number handling and limits; thread-safe once built. */
    public static ObjectMapper newMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .build());
        mapper.getFactory().setStreamWriteConstraints(StreamWriteConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH + 8)
                .build());
        return mapper;
    }

    /**
     * Reads an event or a request body.
     *
     * @param what what the text is, for the message ("the event", "the request body")
     * @throws StepFailure {@code InvalidStepRequest} saying where the JSON is broken or which limit it passes
     */
    public static JsonNode read(ObjectMapper mapper, byte[] json, String what) {
        try {
            return mapper.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw notJson(what, e);
        }
    }

    /** {@link #read(ObjectMapper, byte[], String)} for text. */
    public static JsonNode read(ObjectMapper mapper, String json, String what) {
        try {
            return mapper.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw notJson(what, e);
        }
    }

    /**
     * The failure for JSON that could not be read: where it is broken, or which limit it passes.
     *
     * @param what what the text is, for the message ("the event", "the request body")
     */
    public static StepFailure unreadable(String what, Exception e) {
        return notJson(what, e);
    }

    private static StepFailure notJson(String what, Exception e) {
        String where = e instanceof JsonProcessingException json && json.getLocation() != null
                ? " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")"
                : "";
        if (e instanceof StreamConstraintsException limit) {
            String message = String.valueOf(limit.getOriginalMessage());
            String rule = message.contains("nesting") ? "nests deeper than " + MAX_NESTING_DEPTH + " levels; flatten it"
                    : message.contains("Number") ? "has a number longer than " + MAX_NUMBER_LENGTH
                    + " characters; send it as a string"
                    : "passes the runner's JSON limits (" + message + ")";
            return new StepFailure(StepError.INVALID_STEP_REQUEST, what + " " + rule);
        }
        if (e instanceof NumberFormatException || e.getCause() instanceof NumberFormatException) {
            return new StepFailure(StepError.INVALID_STEP_REQUEST, what + " has a number Java cannot hold" + where
                    + " (its exponent is out of range); send it as a string");
        }
        return new StepFailure(StepError.INVALID_STEP_REQUEST, what + " is not valid JSON" + where);
    }
}
