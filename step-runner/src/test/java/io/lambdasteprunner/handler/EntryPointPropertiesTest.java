package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every entry point over generated events, each with its expected answer (the oracle). Valid events of each
 * shape &mdash; a direct invoke or Step Functions task, EventBridge (the request in {@code detail}, or the
 * scheduled sweep), API Gateway REST and HTTP (stages, lower-case methods, base64 bodies) &mdash; are
 * generated from a small model of the request (invoke, custom code or sweep, with data variables) and must
 * answer with the context variables that model predicts. Each mutation of an event (of its envelope, its
 * body or the request in it) must fail with the one error it causes, with that error's HTTP status over API
 * Gateway. Bytes that are not JSON at all must be refused as such.
 *
 * <p>Plain seeded generators: the seed is printed and can be set with {@code -Dentrypoints.seed=N}; the
 * number of inputs that reached each branch is printed after the run. In memory: the Lambda behind answers
 * every call for the functions the model knows, so every failure here is the caller's.
 */
class EntryPointPropertiesTest {

    private static final int PER_SHAPE = 25_000;
    private static final long SEED = Long.getLong("entrypoints.seed", 20261129L);
    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String ALLOWED_ROLE = "arn:aws:iam::123456789012:role/runbook-disk";
    private static final List<String> FUNCTIONS = List.of("restart-web-service", "disk-check", "notify-oncall");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, LongAdder> BRANCHES = new ConcurrentHashMap<>();

    private final FakeLambda lambda = FakeLambda.builder().build();
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateway(
            new StepConfig(ROLE, List.of("arn:aws:iam::123456789012:role/runbook-*"), null, "lambda-step-runner"),
            lambda, MetricsSink.none(), Clock.systemUTC()));

    EntryPointPropertiesTest() {
        FUNCTIONS.forEach(lambda::addFunction);
        lambda.pendingPolls(0);
    }

    @BeforeAll
    static void printSeed() {
        System.out.println("EntryPointPropertiesTest seed " + SEED + " (rerun with -Dentrypoints.seed=" + SEED + ")");
    }

    @AfterAll
    static void printBranches() {
        StringBuilder report = new StringBuilder("EntryPointPropertiesTest inputs per branch:\n");
        new TreeMap<>(BRANCHES).forEach((branch, count) ->
                report.append(String.format("  %-62s %,8d%n", branch, count.sum())));
        report.append(String.format("  %-62s %,8d%n", "total",
                BRANCHES.values().stream().mapToLong(LongAdder::sum).sum()));
        System.out.print(report);
    }

    @Nested
    class DirectAndStepFunctionsEvents {

        @Test
        void answerAsTheModelSays() {
            Random random = new Random(SEED);
            for (int i = 0; i < PER_SHAPE; i++) {
                Generated request = Generated.request(random);
                Mutated mutated = random.nextInt(3) == 0 ? Mutated.request(request, random) : Mutated.none(request);
                check(branch("direct", mutated), mutated.json().toString(), mutated.expected(), Shape.DIRECT);
            }
        }
    }

    @Nested
    class EventBridgeEvents {

        @Test
        void answerAsTheModelSays() {
            Random random = new Random(SEED + 1);
            ObjectNode envelope = (ObjectNode) read("eventbridge.json");
            for (int i = 0; i < PER_SHAPE; i++) {
                if (random.nextInt(10) == 0) {
                    ObjectNode scheduled = (ObjectNode) read("scheduled-sweep.json");
                    check("eventbridge/scheduled", scheduled.toString(), Expected.answer(Kind.SWEEP, null), Shape.DIRECT);
                    continue;
                }
                Generated request = Generated.request(random);
                Mutated mutated = random.nextInt(3) == 0 ? Mutated.request(request, random) : Mutated.none(request);
                ObjectNode event = envelope.deepCopy();
                event.set("detail", mutated.json());
                if (random.nextInt(12) == 0) {
                    // Without detail it is no EventBridge event: the envelope itself is read as the request.
                    event.remove("detail");
                    check("eventbridge/no detail", event.toString(),
                            Expected.error(StepError.INVALID_STEP_REQUEST, "action is required"), Shape.DIRECT);
                } else {
                    check(branch("eventbridge", mutated), event.toString(), mutated.expected(), Shape.DIRECT);
                }
            }
        }
    }

    @Nested
    class ApiGatewayEvents {

        @Test
        void answerAsTheModelSays() {
            Random random = new Random(SEED + 2);
            ObjectNode rest = (ObjectNode) read("apigateway-rest.json");
            ObjectNode http = (ObjectNode) read("apigateway-http.json");
            for (int i = 0; i < PER_SHAPE; i++) {
                boolean isRest = random.nextBoolean();
                ObjectNode event = (isRest ? rest : http).deepCopy();
                Generated request = Generated.request(random);
                Mutated mutated = random.nextInt(4) == 0 ? Mutated.request(request, random) : Mutated.none(request);
                String body = mutated.json().toString();
                String path = List.of("/steps", "/prod/steps", "/v1/runbooks/steps").get(random.nextInt(3));
                String method = random.nextInt(5) == 0 ? "post" : "POST";
                boolean base64 = random.nextInt(5) == 0;
                Expected expected = mutated.expected();
                String branch = isRest ? "api-rest" : "api-http";
                switch (random.nextInt(14)) {
                    case 0 -> {
                        method = List.of("GET", "PUT", "DELETE", "OPTIONS", "PATCH").get(random.nextInt(5));
                        expected = Expected.error(StepError.METHOD_NOT_ALLOWED, "use POST");
                        branch += "/wrong method";
                    }
                    case 1 -> {
                        path = List.of("/functions", "/steps/1", "/", "", "/step").get(random.nextInt(5));
                        expected = Expected.error(StepError.ROUTE_NOT_FOUND, "send POST /steps");
                        branch += "/wrong route";
                    }
                    case 2 -> {
                        body = List.of("", "   ", "\n").get(random.nextInt(3));
                        expected = Expected.error(StepError.INVALID_STEP_REQUEST, "the request body is empty");
                        branch += "/empty body";
                    }
                    case 3 -> {
                        body = body.substring(0, 1 + random.nextInt(body.length() - 1));
                        expected = Expected.error(StepError.INVALID_STEP_REQUEST, "the request body is not valid JSON");
                        branch += "/truncated body";
                    }
                    case 4 -> {
                        body = body + List.of("}", " x", ",{}", "]").get(random.nextInt(4));
                        expected = Expected.error(StepError.INVALID_STEP_REQUEST, "the request body is not valid JSON");
                        branch += "/text after the body";
                    }
                    case 5 -> {
                        body = List.of("[1]", "\"invoke\"", "42", "null", "true").get(random.nextInt(5));
                        expected = Expected.error(StepError.INVALID_STEP_REQUEST, "must be a JSON object");
                        branch += "/body not an object";
                    }
                    default -> branch += mutated.mutation() == null ? "" : "/" + mutated.mutation();
                }
                if (base64 && !branch.endsWith("empty body")) {
                    body = Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8));
                    branch += " (base64)";
                }
                if (isRest) {
                    event.put("httpMethod", method).put("path", path);
                } else {
                    ((ObjectNode) event.get("requestContext").get("http")).put("method", method);
                    event.put("rawPath", path);
                }
                event.put("body", body).put("isBase64Encoded", base64);
                check(branch, event.toString(), expected, Shape.API);
            }
        }

        @Test
        void refuseABodyMarkedBase64ThatIsNot() {
            Random random = new Random(SEED + 3);
            ObjectNode rest = (ObjectNode) read("apigateway-rest.json");
            for (int i = 0; i < PER_SHAPE / 5; i++) {
                ObjectNode event = rest.deepCopy();
                // Valid base64 cut inside its last 4-character unit: the decoder refuses the ending.
                String encoded = Base64.getEncoder().encodeToString(Generated.request(random).json().toString()
                        .getBytes(StandardCharsets.UTF_8)).replace("=", "");
                String cut = encoded.length() % 4 == 1 ? encoded : encoded.substring(0, encoded.length()
                        - encoded.length() % 4) + "A";
                event.put("body", cut).put("isBase64Encoded", true);
                check("api-rest/bad base64", event.toString(),
                        Expected.error(StepError.INVALID_STEP_REQUEST, "isBase64Encoded"), Shape.API);
            }
        }
    }

    @Nested
    class BytesThatAreNoEvent {

        @Test
        void areRefusedAsNotJson() {
            Random random = new Random(SEED + 4);
            for (int i = 0; i < PER_SHAPE / 5; i++) {
                String text = Generated.request(random).json().toString();
                byte[] bytes = switch (random.nextInt(3)) {
                    case 0 -> text.substring(0, 1 + random.nextInt(text.length() - 1)).getBytes(StandardCharsets.UTF_8);
                    case 1 -> ("<" + text).getBytes(StandardCharsets.UTF_8);
                    default -> {
                        byte[] noise = new byte[1 + random.nextInt(64)];
                        random.nextBytes(noise);
                        noise[0] = (byte) 0xFF;
                        yield noise;
                    }
                };
                check("raw bytes", bytes, Expected.error(StepError.INVALID_STEP_REQUEST, "the event is not valid JSON"),
                        Shape.DIRECT);
            }
        }
    }

    /** How the handler answers an entry point: with the result (or a thrown failure), or with a proxy response. */
    enum Shape { DIRECT, API }

    /** What a valid request asks for. */
    enum Kind { INVOKE, CUSTOM_CODE, SWEEP }

    /**
     * The oracle for one event: the kind of answer and what it must hold, or the error and a phrase of its message.
     *
     * @param payload the payload the function must have received (variables expanded), for steps
     */
    record Expected(Kind kind, JsonNode payload, String functionName, boolean deleted, StepError error,
                    String message) {
        static Expected answer(Kind kind, JsonNode payload) {
            return new Expected(kind, payload, null, true, null, null);
        }

        static Expected error(StepError error, String message) {
            return new Expected(null, null, null, false, error, message);
        }
    }

    /** A valid request generated from the model, and the answer it must get. */
    record Generated(ObjectNode json, Expected expected) {

        static Generated request(Random random) {
            return switch (random.nextInt(7)) {
                case 0 -> new Generated(MAPPER.createObjectNode().put("action", "sweep"),
                        Expected.answer(Kind.SWEEP, null));
                case 1, 2, 3 -> invoke(random);
                default -> customCode(random);
            };
        }

        private static Generated invoke(Random random) {
            String host = "web-" + random.nextInt(1000);
            ObjectNode json = MAPPER.createObjectNode().put("action", "invoke");
            String function = FUNCTIONS.get(random.nextInt(FUNCTIONS.size()));
            json.put("functionName", random.nextBoolean() ? function
                    : "arn:aws:lambda:us-east-1:123456789012:function:" + function);
            ObjectNode payload = json.putObject("payload").put("host", "${option.host}").put("n", random.nextInt());
            json.putObject("variables").putObject("option").put("host", host);
            if (random.nextBoolean()) {
                json.put("invocationType", random.nextBoolean() ? "RequestResponse" : "Request");
            }
            if (random.nextBoolean()) {
                json.putObject("clientContext").putObject("custom").put("ticket", "INC-" + random.nextInt(9999));
            }
            if (random.nextBoolean()) {
                json.put("logType", random.nextBoolean() ? "Tail" : "None");
            }
            ObjectNode expectedPayload = payload.deepCopy().put("host", host);
            return new Generated(json, new Expected(Kind.INVOKE, expectedPayload, json.get("functionName").asText(),
                    false, null, null));
        }

        private static Generated customCode(Random random) {
            String runtime = LambdaRuntimes.INTERPRETED.get(random.nextInt(LambdaRuntimes.INTERPRETED.size()));
            String ticket = "INC-" + random.nextInt(9999);
            boolean delete = random.nextInt(4) != 0;
            ObjectNode json = MAPPER.createObjectNode().put("action", "customCode").put("runtime", runtime)
                    .put("code", "print('${data.ticket}')\n").put("description", "ticket ${data.ticket}");
            json.putObject("payload").put("ticket", "${data.ticket}").putArray("n").add(random.nextInt()).add(true);
            json.putObject("variables").putObject("data").put("ticket", ticket);
            if (!delete || random.nextBoolean()) {
                json.put("deleteAfterExecution", delete);
            }
            if (random.nextBoolean()) {
                json.put("timeoutSeconds", 1 + random.nextInt(900));
            }
            if (random.nextBoolean()) {
                json.put("roleArn", random.nextBoolean() ? ROLE : ALLOWED_ROLE);
            }
            if (random.nextBoolean()) {
                json.putObject("environment").put("STAGE", "prod-" + random.nextInt(9));
            }
            ObjectNode expectedPayload = MAPPER.createObjectNode().put("ticket", ticket);
            expectedPayload.set("n", json.get("payload").get("n"));
            return new Generated(json, new Expected(Kind.CUSTOM_CODE, expectedPayload, null, delete, null, null));
        }
    }

    /**
     * A generated request after at most one mutation, and the answer it must get.
     *
     * @param mutation what was changed, for the branch report; {@code null} for none
     */
    record Mutated(JsonNode json, Expected expected, String mutation) {

        static Mutated none(Generated request) {
            return new Mutated(request.json(), request.expected(), null);
        }

        static Mutated request(Generated generated, Random random) {
            ObjectNode json = generated.json().deepCopy();
            String action = json.get("action").asText();
            if (action.equals("sweep")) {
                json.put(List.of("maxAge", "functionName", "variables").get(random.nextInt(3)), 1);
                return new Mutated(json, Expected.error(StepError.INVALID_STEP_REQUEST, "takes no other fields"),
                        "sweep with another field");
            }
            return switch (random.nextInt(action.equals("invoke") ? 6 : 7)) {
                case 0 -> {
                    json.remove("action");
                    yield new Mutated(json, Expected.error(StepError.INVALID_STEP_REQUEST, "action is required"),
                            "no action");
                }
                case 1 -> {
                    json.put("action", List.of("deploy", "Invoke", "custom_code", "").get(random.nextInt(4)));
                    yield new Mutated(json, Expected.error(StepError.INVALID_STEP_REQUEST, "is unknown"),
                            "unknown action");
                }
                case 2 -> {
                    json.put(List.of("functionNmae", "paylaod", "timeout").get(random.nextInt(3)), "x");
                    yield new Mutated(json, Expected.error(StepError.INVALID_STEP_REQUEST, "check its spelling"),
                            "misspelt field");
                }
                case 3 -> {
                    ((ObjectNode) json.get("payload")).put("extra", "${option.nope}");
                    yield new Mutated(json, Expected.error(StepError.UNKNOWN_VARIABLE, "option.nope"),
                            "unknown variable");
                }
                case 4 -> {
                    if (action.equals("invoke")) {
                        json.put("functionName", "lambda-step-runner");
                        yield new Mutated(json, Expected.error(StepError.RECURSION_REFUSED, "step runner itself"),
                                "invokes the runner");
                    }
                    json.put("runtime", List.of("cobol", "python2.7", "java21", "Python3.12").get(random.nextInt(4)));
                    yield new Mutated(json, Expected.error(StepError.UNSUPPORTED_RUNTIME, "supported:"),
                            "unsupported runtime");
                }
                case 5 -> {
                    if (action.equals("invoke")) {
                        json.put("functionName", "no-such-function-" + random.nextInt(100));
                        yield new Mutated(json, Expected.error(StepError.FUNCTION_NOT_FOUND, "not found"),
                                "unknown function");
                    }
                    json.put("roleArn", "arn:aws:iam::123456789012:role/admin");
                    yield new Mutated(json, Expected.error(StepError.ROLE_NOT_ALLOWED, "role/admin"),
                            "role not allowed");
                }
                default -> {
                    json.put("timeoutSeconds", random.nextBoolean() ? 0 : 901);
                    yield new Mutated(json, Expected.error(StepError.INVALID_STEP_REQUEST, "timeoutSeconds"),
                            "timeout out of range");
                }
            };
        }
    }

    private static String branch(String shape, Mutated mutated) {
        return mutated.mutation() == null ? shape : shape + "/" + mutated.mutation();
    }

    private void check(String branch, String event, Expected expected, Shape shape) {
        check(branch, event.getBytes(StandardCharsets.UTF_8), expected, shape);
    }

    /** Runs one event and holds its answer to the oracle; counts the branch it reached. */
    private void check(String branch, byte[] event, Expected expected, Shape shape) {
        String outcome = expected.error() == null ? "ok " + expected.kind() : expected.error().errorName();
        BRANCHES.computeIfAbsent(branch + " -> " + outcome, b -> new LongAdder()).increment();
        Function<String, String> why = what -> what + "\n  for " + branch + ": "
                + new String(event, StandardCharsets.UTF_8);
        lambda.forgetCalls();
        if (lambda.createdFunctions().size() > 50) {
            // Kept functions (deleteAfterExecution false) would make every generated sweep list more of them.
            lambda.removeCreatedFunctions();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(event), out, null);
        } catch (StepFailure failure) {
            assertEquals(Shape.DIRECT, shape, why.apply("an API event threw " + failure));
            assertEquals(expected.error(), failure.error(), why.apply("failed with " + failure));
            assertTrue(failure.getMessage().contains(expected.message()), why.apply("failed with " + failure));
            return;
        } catch (IOException | RuntimeException | StackOverflowError escaped) {
            fail(why.apply("the handler let " + escaped + " escape"), escaped);
        }
        JsonNode output = readJson(out.toByteArray());
        if (shape == Shape.API) {
            JsonNode body = readJson(output.get("body").asText().getBytes(StandardCharsets.UTF_8));
            if (expected.error() != null) {
                assertEquals(expected.error().httpStatus(), output.get("statusCode").asInt(), why.apply("answered " + output));
                assertEquals(expected.error().errorName(), body.get("error").asText(), why.apply("answered " + output));
                assertTrue(body.get("message").asText().contains(expected.message()), why.apply("answered " + output));
                return;
            }
            assertEquals(200, output.get("statusCode").asInt(), why.apply("answered " + output));
            output = body;
        }
        assertTrue(expected.error() == null, why.apply("expected " + expected.error() + ", answered " + output));
        switch (expected.kind()) {
            case SWEEP -> assertTrue(output.path("sweep").path("complete").isBoolean(), why.apply("answered " + output));
            case INVOKE -> {
                JsonNode data = output.get("data");
                assertEquals(expected.functionName(), data.get("functionName").asText(), why.apply("answered " + output));
                assertEquals("false", data.get("functionWasCreated").asText(), why.apply("answered " + output));
                assertEquals(expected.payload(), data.get("invokeResponsePayload").get("echo"),
                        why.apply("answered " + output));
            }
            case CUSTOM_CODE -> {
                JsonNode data = output.get("data");
                assertTrue(data.get("functionName").asText().startsWith("rundeck-generated-function-"),
                        why.apply("answered " + output));
                assertEquals("true", data.get("functionWasCreated").asText(), why.apply("answered " + output));
                assertEquals(String.valueOf(expected.deleted()), data.get("functionWasDeleted").asText(),
                        why.apply("answered " + output));
                assertEquals(expected.payload(), data.get("invokeResponsePayload").get("echo"),
                        why.apply("answered " + output));
            }
        }
    }

    private static JsonNode readJson(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String file) {
        try {
            return MAPPER.readTree(Files.readString(Path.of("events", file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
