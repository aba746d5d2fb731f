package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.AnsweringLambda;
import io.lambdasteprunner.step.JsonMutator;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Properties of every entry point over generated and mutated events: a direct invoke or Step Functions
 * task, EventBridge (mutated envelopes included), API Gateway REST and HTTP (mutated bodies, methods,
 * paths, base64), and bytes that are not JSON at all. Nothing but a named error escapes the handler, and
 * the API adapter never answers 5xx to a caller's mistake. In memory: the Lambda behind answers
 * everything, so every failure here is the caller's.
 *
 * <p>With {@link RequestPropertiesTest} these are well over 100,000 generated inputs, in seconds.
 */
class EntryPointPropertiesTest {

    private static final int TRIES = 25_000;
    private static final JsonMutator MUTATOR = JsonMutator.fromEvents();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, JsonNode> ENVELOPES = Map.of(
            "eventbridge", read("eventbridge.json"), "rest", read("apigateway-rest.json"),
            "http", read("apigateway-http.json"));
    private static final Set<String> ERROR_NAMES = Arrays.stream(StepError.values()).map(StepError::errorName)
            .collect(Collectors.toSet());

    private final StepHandler handler = new StepHandler(new StepConfig("arn:aws:iam::123456789012:role/step-default",
            List.of("arn:aws:iam::123456789012:role/runbook-*"), null, "lambda-step-runner"), new AnsweringLambda(),
            MetricsSink.none(), failure -> failure, Clock.systemUTC());

    /** An event as it reaches the handler, and how it was made (for the failure message). */
    record Event(String kind, byte[] bytes) {
        @Override
        public String toString() {
            return kind + ": " + new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Provide
    Arbitrary<Event> directEvents() {
        // A direct invoke, a Step Functions task and sam local invoke all send the step request itself.
        return Arbitraries.randomValue(random -> new Event("direct", bytes(MUTATOR.request(random))));
    }

    @Provide
    Arbitrary<Event> eventBridgeEvents() {
        return Arbitraries.randomValue(random -> {
            ObjectNode event = ENVELOPES.get("eventbridge").deepCopy();
            event.set("detail", MUTATOR.request(random));
            if (random.nextInt(4) == 0) {
                MUTATOR.mutate(event, random);
            }
            return new Event("eventbridge", bytes(event));
        });
    }

    @Provide
    Arbitrary<Event> apiEvents() {
        return Arbitraries.randomValue(random -> {
            boolean rest = random.nextBoolean();
            ObjectNode event = ENVELOPES.get(rest ? "rest" : "http").deepCopy();
            String body = switch (random.nextInt(6)) {
                case 0 -> MUTATOR.string(random);
                case 1 -> truncated(MUTATOR.request(random).toString(), random);
                default -> MUTATOR.request(random).toString();
            };
            if (random.nextInt(5) == 0) {
                event.put("isBase64Encoded", true);
                event.put("body", random.nextInt(4) == 0 ? body
                        : Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            } else if (random.nextInt(20) == 0) {
                event.putNull("body");
            } else {
                event.put("body", body);
            }
            if (random.nextInt(5) == 0) {
                String method = List.of("GET", "PUT", "DELETE", "post", "OPTIONS", "").get(random.nextInt(6));
                if (rest) {
                    event.put("httpMethod", method);
                } else {
                    ((ObjectNode) event.get("requestContext").get("http")).put("method", method);
                }
            }
            if (random.nextInt(5) == 0) {
                event.put(rest ? "path" : "rawPath", MUTATOR.string(random));
            }
            if (random.nextInt(6) == 0) {
                MUTATOR.mutate(event, random);
            }
            return new Event(rest ? "rest" : "http", bytes(event));
        });
    }

    @Provide
    Arbitrary<Event> rawEvents() {
        return Arbitraries.randomValue(random -> {
            byte[] bytes = switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] noise = new byte[random.nextInt(64)];
                    random.nextBytes(noise);
                    yield noise;
                }
                case 1 -> MUTATOR.string(random).getBytes(StandardCharsets.UTF_8);
                case 2 -> bytes(MUTATOR.randomValue(random, 3));
                default -> truncated(MUTATOR.request(random).toString(), random).getBytes(StandardCharsets.UTF_8);
            };
            return new Event("raw", bytes);
        });
    }

    @Property(tries = TRIES)
    void directAndStepFunctionsEventsEndInAResultOrACallersNamedError(@ForAll("directEvents") Event event) {
        check(event);
    }

    @Property(tries = TRIES)
    void eventBridgeEventsEndInAResultOrACallersNamedError(@ForAll("eventBridgeEvents") Event event) {
        check(event);
    }

    @Property(tries = TRIES)
    void apiEventsNeverGetA5xxForACallersMistake(@ForAll("apiEvents") Event event) {
        check(event);
    }

    @Property(tries = TRIES / 5)
    void bytesThatAreNotAnEventEndInANamedError(@ForAll("rawEvents") Event event) {
        check(event);
    }

    /** Found by {@link #apiEventsNeverGetA5xxForACallersMistake}: a body marked base64 that is not. */
    @Example
    void aBodyMarkedBase64ThatIsNotGets400() throws Exception {
        ObjectNode event = ((ObjectNode) ENVELOPES.get("rest").deepCopy()).put("isBase64Encoded", true)
                .put("body", "{\"action\"");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler.handleRequest(new ByteArrayInputStream(bytes(event)), out, null);

        JsonNode response = MAPPER.readTree(out.toByteArray());
        assertEquals(400, response.get("statusCode").asInt());
        assertEquals("InvalidStepRequest", MAPPER.readTree(response.get("body").asText()).get("error").asText());
    }

    /** Runs one event; whatever its shape, only results and named caller errors may come out. */
    private void check(Event event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(event.bytes()), out, null);
        } catch (StepFailure failure) {
            assertTrue(failure.error().isCallerMistake(), failure + " for " + event);
            assertTrue(failure.getMessage() != null && !failure.getMessage().isBlank(), event.toString());
            return;
        } catch (IOException | RuntimeException | StackOverflowError escaped) {
            fail("the handler let " + escaped + " escape for " + event, escaped);
        }
        JsonNode output;
        try {
            output = MAPPER.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (output.has("statusCode") && output.has("body") && output.has("headers")) {
            int status = output.get("statusCode").asInt();
            assertTrue(status < 500, "answered " + output + " for " + event);
            JsonNode body = readBody(output.get("body").asText(), event);
            if (status >= 400) {
                assertTrue(ERROR_NAMES.contains(body.path("error").asText()), output + " for " + event);
                assertEquals(StepError.valueOf(errorConstant(body.get("error").asText())).httpStatus(), status,
                        event.toString());
            } else {
                assertEquals(200, status, event.toString());
                assertTrue(body.has("data") || body.has("sweep"), output + " for " + event);
            }
        } else {
            assertTrue(output.has("data") || output.has("sweep"), output + " for " + event);
        }
    }

    private static JsonNode readBody(String body, Event event) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            fail("the proxy response's body is not JSON for " + event);
            return null;
        }
    }

    private static String errorConstant(String errorName) {
        for (StepError error : StepError.values()) {
            if (error.errorName().equals(errorName)) {
                return error.name();
            }
        }
        throw new AssertionError("unknown error name " + errorName);
    }

    private static String truncated(String text, Random random) {
        return text.isEmpty() ? text : text.substring(0, random.nextInt(text.length()));
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode read(String file) {
        try {
            return MAPPER.readTree(Files.readString(Path.of("events", file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
