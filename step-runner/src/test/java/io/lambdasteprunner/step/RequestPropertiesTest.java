package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda.Answer;
import io.lambdasteprunner.step.LambdaGateway.Invocation;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The parser and the step rules over generated requests, each checked against an oracle that does not use
 * the code under test: valid requests generated from a {@link RequestModel} parse back to that model and run
 * to the context variables the model predicts; each {@link Mutations mutation} of a valid request fails with
 * the one named error it causes; data variables expand as {@link ReferenceExpansion} says; and any JSON at
 * all ends in a request or a named error. Over 100,000 inputs in all, in memory, with a fixed seed that the
 * test prints ({@code -Dsteps.seed=N} explores others). Each test prints how many inputs reached each branch
 * and requires every branch to be reached.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // about 10 s on a quiet machine, 30 s on a loaded one
class RequestPropertiesTest {

    static final int VALID_REQUESTS = 40_000;
    static final int MUTATED_REQUESTS = 40_000;
    static final int EXPANSIONS = 30_000;
    static final int ANY_JSON = 25_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T07:14:38Z"), ZoneOffset.UTC);
    private static final StepConfig CONFIG = new StepConfig(RequestModel.DEFAULT_ROLE,
            List.of(RequestModel.ALLOWED_ROLES + "*"), null, RequestModel.RUNNER);
    private static final Set<StepError> PARSER_ERRORS = Set.of(StepError.INVALID_STEP_REQUEST,
            StepError.UNKNOWN_VARIABLE, StepError.UNSUPPORTED_RUNTIME, StepError.CODE_TOO_LARGE,
            StepError.PAYLOAD_TOO_LARGE);

    private final StepRequestParser parser = new StepRequestParser();

    /** Parses the request as the handler does: from its text. */
    private StepRequest parse(JsonNode request) throws Exception {
        return parser.parse(MAPPER.readTree(MAPPER.writeValueAsString(request)));
    }

    private static StepRunner runner(FakeLambda lambda, Random random) {
        return new StepRunner(lambda, CONFIG, StepListener.NONE, MAPPER, CLOCK, random);
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(60), CLOCK);
    }

    @Nested
    class ValidRequests {

        @Test
        void shouldParseBackToTheirModelAndRunToThePredictedContextVariables() {
            GeneratedInputs inputs = GeneratedInputs.seeded("RequestPropertiesTest.ValidRequests", 20261124L);
            for (int i = 0; i < VALID_REQUESTS; i++) {
                Random random = inputs.random(i);
                RequestModel model = RequestModel.generate(random);
                RequestModel.Writer writer = new RequestModel.Writer(random);
                ObjectNode request = writer.write(model);
                try {
                    checkValid(model, request, random, inputs);
                } catch (AssertionError | Exception e) {
                    fail(inputs.describe(i) + "\nmodel:   " + model + "\nrequest: " + request + "\n" + e.getMessage(), e);
                }
            }
            inputs.print();
            for (String branch : List.of("invoke", "customCode throwaway", "customCode kept", "customCode reused",
                    "type RequestResponse", "type Event", "type DryRun", "function error as a result",
                    "FunctionFailed", "with variables", "python", "nodejs", "ruby")) {
                assertTrue(inputs.reached(branch) >= 100, branch + " reached by " + inputs.reached(branch) + " inputs");
            }
        }

        private void checkValid(RequestModel model, ObjectNode request, Random random, GeneratedInputs inputs)
                throws Exception {
            // Given a valid request written from its model, When it is parsed, Then it is the model
            StepRequest parsed = parse(request);
            assertEquals(RequestModel.expected(model), parsed, "parsed request");
            count(model, request, inputs);

            // When it runs against a Lambda that holds the function, Then the context variables are the predicted ones
            RequestModel.Options options = model.options();
            Answer answer = options.failsWith() == null ? Answer.returnsEvent()
                    : Answer.functionError(options.failsWith(), "boom");
            int pendingPolls = random.nextInt(3);
            FakeLambda lambda = switch (model) {
                case RequestModel.Invoke invoke -> FakeLambda.builder().function(invoke.name(), answer).build();
                case RequestModel.CustomCode step -> FakeLambda.builder().answer(answer).pendingPolls(pendingPolls).build();
            };
            StepRunner runner = runner(lambda, random);
            StepResult result = runAndCount(runner, parsed, model, inputs);
            String name = result.functionName();
            assertEquals(predicted(model, name, true), result, "context variables");
            assertInvocation(model, name, lambda.invocations().get(lambda.invocations().size() - 1));

            switch (model) {
                case RequestModel.Invoke invoke -> {
                    assertEquals(invoke.functionName(), name);
                    assertEquals(List.of("invoke " + name), lambda.calls());
                }
                case RequestModel.CustomCode step when Boolean.TRUE.equals(step.reuse()) -> {
                    assertTrue(name.matches("rundeck-generated-function-reuse-[0-9a-f]{24}"), name);
                    assertEquals(expectedFunction(step, name, lambda.createdFunctions().get(name).tags()),
                            lambda.createdFunctions().get(name));
                    // And the same step again reuses the function: no second create
                    StepResult again = runAndCount(runner, parse(request), model, inputs);
                    assertEquals(predicted(model, name, false), again, "context variables of the second run");
                    assertEquals(1, lambda.count("create"));
                }
                case RequestModel.CustomCode step -> {
                    assertTrue(name.matches("rundeck-generated-function-" + CLOCK.millis() + "-[0-9a-f]{8}"), name);
                    List<String> calls = new ArrayList<>();
                    calls.add("create " + name);
                    calls.add("wait " + name);
                    calls.add("invoke " + name);
                    if (step.deletes()) {
                        calls.add("delete " + name);
                    }
                    assertEquals(calls, lambda.calls());
                    assertEquals(List.of(expectedFunction(step, name, Map.of())), lambda.creations());
                    assertEquals(step.deletes() ? Set.of() : Set.of(name), lambda.createdFunctions().keySet());
                }
            }
        }

        /** Runs the step; a function error with failOnFunctionError is expected to fail it, with the result kept. */
        private StepResult runAndCount(StepRunner runner, StepRequest request, RequestModel model,
                                       GeneratedInputs inputs) {
            RequestModel.Options options = model.options();
            boolean functionError = options.failsWith() != null
                    && options.effectiveType() == InvocationType.REQUEST_RESPONSE;
            boolean shouldFail = functionError && Boolean.TRUE.equals(options.failOnFunctionError());
            try {
                StepResult result = runner.run(request, deadline());
                assertTrue(!shouldFail, "a function error with failOnFunctionError must fail the step");
                inputs.count(functionError ? "function error as a result" : "ran");
                return result;
            } catch (StepFailure failure) {
                assertTrue(shouldFail, "unexpected " + failure);
                assertEquals(StepError.FUNCTION_FAILED, failure.error());
                assertTrue(failure.getMessage().contains(options.failsWith() + ": boom"), failure.getMessage());
                inputs.count("FunctionFailed");
                return failure.partialResult().orElseThrow();
            }
        }

        private void count(RequestModel model, ObjectNode request, GeneratedInputs inputs) {
            switch (model) {
                case RequestModel.Invoke invoke -> inputs.count("invoke");
                case RequestModel.CustomCode step -> {
                    inputs.count(Boolean.TRUE.equals(step.reuse()) ? "customCode reused"
                            : step.deletes() ? "customCode throwaway" : "customCode kept");
                    inputs.count(step.fileName().startsWith("index") ? "nodejs"
                            : step.fileName().endsWith(".py") ? "python" : "ruby");
                }
            }
            inputs.count("type " + model.options().effectiveType().wireName());
            if (request.has("variables")) {
                inputs.count("with variables");
            }
        }
    }

    /** The context variables a run of the model must return, from the model and the fake's documented answers. */
    private static StepResult predicted(RequestModel model, String functionName, boolean firstRun) {
        RequestModel.Options options = model.options();
        boolean created = model instanceof RequestModel.CustomCode && firstRun;
        boolean deleted = model instanceof RequestModel.CustomCode step && step.deletes();
        JsonNode payload = options.payload() == null ? RequestModel.JSON.objectNode() : options.payload();
        return switch (options.effectiveType()) {
            case EVENT -> new StepResult("", functionName, created, true, deleted, null, null, null, 202, null);
            case DRY_RUN -> new StepResult("", functionName, created, true, deleted, null, null, null, 204, null);
            case REQUEST_RESPONSE -> {
                String log = options.logType() == LogType.NONE ? null : FakeLambda.LOG_TAIL;
                if (options.failsWith() != null) {
                    String error = "{\"errorMessage\":\"boom\",\"errorType\":\"" + options.failsWith() + "\"}";
                    yield new StepResult(error, functionName, created, true, deleted, "Unhandled", log,
                            RequestModel.JSON.objectNode().put("errorMessage", "boom")
                                    .put("errorType", options.failsWith()), 200, "$LATEST");
                }
                yield new StepResult(payload.toString(), functionName, created, true, deleted, null, log, payload, 200,
                        "$LATEST");
            }
        };
    }

    /** The one Invoke call: the model's options, and the client context with the runner's depth marker. */
    private static void assertInvocation(RequestModel model, String functionName, Invocation invocation)
            throws Exception {
        RequestModel.Options options = model.options();
        ObjectNode context = options.clientContext() == null ? RequestModel.JSON.objectNode()
                : options.clientContext().deepCopy();
        if (!context.path("custom").isObject()) {
            context.putObject("custom");
        }
        ((ObjectNode) context.get("custom")).put(StepRunner.DEPTH_KEY, "1");
        String qualifier = model instanceof RequestModel.Invoke invoke ? invoke.qualifier() : null;
        JsonNode payload = options.payload() == null ? RequestModel.JSON.objectNode() : options.payload();
        assertEquals(functionName, invocation.functionName());
        assertEquals(qualifier, invocation.qualifier());
        assertEquals(payload, MAPPER.readTree(invocation.payloadJson()), "payload sent");
        assertEquals(options.effectiveType(), invocation.invocationType());
        assertEquals(options.logType() == null ? LogType.TAIL : options.logType(), invocation.logType());
        assertEquals(context, MAPPER.readTree(invocation.clientContextJson()), "client context sent");
    }

    /** The function a custom-code step must ask Lambda to create. */
    private static LambdaGateway.NewFunction expectedFunction(RequestModel.CustomCode step, String name,
                                                              Map<String, String> reuseTags) {
        Map<String, String> tags = new HashMap<>(step.tags() == null ? Map.of() : step.tags());
        tags.put(StepRunner.CREATED_TAG, CLOCK.instant().toString());
        if (Boolean.TRUE.equals(step.reuse())) {
            // The definition hash is the runner's to compute; that it names the function is checked above.
            tags.put(ReusableFunctions.DEFINITION_TAG, reuseTags.get(ReusableFunctions.DEFINITION_TAG));
            tags.put(ReusableFunctions.LAST_USED_TAG, CLOCK.instant().toString());
        }
        return new LambdaGateway.NewFunction(name, step.runtime(),
                step.roleArn() == null ? RequestModel.DEFAULT_ROLE : step.roleArn(),
                new FunctionSource(step.fileName(), step.module() + "." + step.functionName(), step.code()),
                step.description(), step.timeoutSeconds(), step.memorySize(),
                step.environment() == null ? Map.of() : step.environment(), tags);
    }

    @Nested
    class MutatedRequests {

        @Test
        void shouldFailWithTheErrorEachMutationCauses() {
            GeneratedInputs inputs = GeneratedInputs.seeded("RequestPropertiesTest.MutatedRequests", 20261125L);
            for (int i = 0; i < MUTATED_REQUESTS; i++) {
                Random random = inputs.random(i);
                RequestModel model = RequestModel.generate(random);
                ObjectNode request = new RequestModel.Writer(random).write(model);
                Mutations.Mutation mutation = Mutations.draw(model, random);
                Mutations.Changed changed = mutation.change().apply(request, model, random);
                try {
                    checkRefused(mutation, changed, model, random);
                } catch (AssertionError | Exception e) {
                    fail(inputs.describe(i) + "\nmutation: " + mutation.name() + "\nrequest:  " + abbreviated(changed)
                            + "\n" + e.getMessage(), e);
                }
                inputs.count(mutation.error().errorName() + " <- " + mutation.name());
            }
            inputs.print();
            for (Mutations.Mutation mutation : Mutations.ALL) {
                int reached = inputs.reached(mutation.error().errorName() + " <- " + mutation.name());
                assertTrue(reached >= mutation.weight() * 100, mutation.name() + " drawn " + reached + " times");
            }
        }

        private void checkRefused(Mutations.Mutation mutation, Mutations.Changed changed, RequestModel model,
                                  Random random) throws Exception {
            FakeLambda lambda = switch (model) {
                case RequestModel.Invoke invoke -> FakeLambda.builder().function(invoke.name())
                        .function(RequestModel.RUNNER).build();
                case RequestModel.CustomCode step -> FakeLambda.builder().build();
            };
            StepFailure failure;
            try {
                StepRequest parsed = parse(changed.request());
                if (mutation.stage() == Mutations.Stage.PARSER) {
                    fail("parsed, but " + mutation.error().errorName() + " was expected: " + parsed);
                }
                StepResult result = runner(lambda, random).run(parsed, deadline());
                fail("ran, but " + mutation.error().errorName() + " was expected: " + result);
                return;
            } catch (StepFailure refused) {
                failure = refused;
            }
            assertEquals(mutation.error(), failure.error(), failure.getMessage());
            assertTrue(failure.getMessage().contains(changed.fragment()),
                    "'" + failure.getMessage() + "' lacks '" + changed.fragment() + "'");
            List<String> expectedCalls = mutation.error() == StepError.FUNCTION_NOT_FOUND
                    ? List.of("invoke no-such-function") : List.of();
            assertEquals(expectedCalls, lambda.calls(), "calls to Lambda");
        }

        /** The request with long runs of one character shortened, so the message stays readable. */
        private static String abbreviated(Mutations.Changed changed) {
            return changed.request().toString().replaceAll("(.)\\1{99,}", "$1$1$1...(repeated)");
        }
    }

    @Nested
    class Expansion {

        private static final List<String> GROUPS = List.of("option", "data", "job", "node", "ticket", "event", "HOME",
                "_x", "a-b", "1st", "Option", "");
        private static final List<String> KEYS = List.of("env", "x", "a.b", "k$", "{", "", " ", "key with space",
                "ticket", "\u00e9", "${");

        @Test
        void shouldExpandAsTheReferenceRuleSays() {
            GeneratedInputs inputs = GeneratedInputs.seeded("RequestPropertiesTest.Expansion", 20261126L);
            for (int i = 0; i < EXPANSIONS; i++) {
                Random random = inputs.random(i);
                Map<String, Map<String, String>> defined = variables(random);
                String text = template(random);
                try {
                    checkExpansion(defined, text, inputs);
                    checkEscaping(defined, RequestModel.text(random, random.nextInt(20)), inputs);
                } catch (AssertionError | Exception e) {
                    fail(inputs.describe(i) + "\nvariables: " + defined + "\ntext: " + text + "\n" + e.getMessage(), e);
                }
            }
            inputs.print();
            for (String branch : List.of("expanded", "unknown variable", "left as written", "literal $${",
                    "escaped text round trip")) {
                assertTrue(inputs.reached(branch) >= 1000, branch + " reached by " + inputs.reached(branch));
            }
        }

        private void checkExpansion(Map<String, Map<String, String>> defined, String text, GeneratedInputs inputs)
                throws Exception {
            DataVariables variables = DataVariables.from(MAPPER.valueToTree(defined));
            String expected;
            try {
                expected = ReferenceExpansion.expand(text, defined, "code");
            } catch (ReferenceExpansion.Unknown unknown) {
                StepFailure failure = org.junit.jupiter.api.Assertions.assertThrows(StepFailure.class,
                        () -> variables.expand(text, "code"));
                assertEquals(StepError.UNKNOWN_VARIABLE, failure.error());
                assertTrue(failure.getMessage().startsWith(unknown.getMessage() + " is not defined"),
                        failure.getMessage() + " / expected " + unknown.getMessage());
                inputs.count("unknown variable");
                return;
            }
            assertEquals(expected, variables.expand(text, "code"));
            inputs.count(expected.equals(text) ? "unchanged" : "expanded");
            if (text.contains("$${")) {
                inputs.count("literal $${");
            }
            if (expected.contains("${") && !text.contains("$${")) {
                inputs.count("left as written");
            }
            // The same text as a payload's string values, at any depth, expands alike and names its path
            JsonNode payload = MAPPER.readTree("""
                    {"a": [1, {"b": %s}], "c": %s}""".formatted(MAPPER.writeValueAsString(text),
                    MAPPER.writeValueAsString(text)));
            JsonNode expanded = variables.expand(payload, "payload");
            assertEquals(expected, expanded.get("a").get(1).get("b").textValue());
            assertEquals(expected, expanded.get("c").textValue());
        }

        private void checkEscaping(Map<String, Map<String, String>> defined, String value, GeneratedInputs inputs)
                throws Exception {
            DataVariables variables = DataVariables.from(MAPPER.valueToTree(defined));
            assertEquals(value, variables.expand(ReferenceExpansion.escape(value), "description"), "escaped " + value);
            inputs.count("escaped text round trip");
        }

        private static Map<String, Map<String, String>> variables(Random random) {
            Map<String, Map<String, String>> defined = new LinkedHashMap<>();
            int groups = random.nextInt(4);
            for (int g = 0; g < groups; g++) {
                Map<String, String> values = new LinkedHashMap<>();
                int keys = random.nextInt(4);
                for (int k = 0; k < keys; k++) {
                    values.put(RequestModel.pick(random, KEYS.toArray(String[]::new)),
                            RequestModel.text(random, random.nextInt(6)));
                }
                defined.put(RequestModel.pick(random, GROUPS.toArray(String[]::new)), values);
            }
            return defined;
        }

        /** Text made of references (known, unknown, near misses), escapes and anything in between. */
        private static String template(Random random) {
            StringBuilder text = new StringBuilder();
            int pieces = random.nextInt(8);
            for (int p = 0; p < pieces; p++) {
                switch (random.nextInt(5)) {
                    case 0, 1 -> text.append("${").append(RequestModel.pick(random, GROUPS.toArray(String[]::new)))
                            .append(random.nextInt(8) == 0 ? "" : ".")
                            .append(RequestModel.pick(random, KEYS.toArray(String[]::new)))
                            .append(random.nextInt(8) == 0 ? "" : "}");
                    case 2 -> text.append(RequestModel.pick(random, "$${", "$$", "$", "{", "}", "${", "$${option.env}"));
                    default -> text.append(RequestModel.text(random, random.nextInt(5)));
                }
            }
            return text.toString();
        }
    }

    @Nested
    class AnyJson {

        /**
         * Random JSON and requests from {@code events/} changed in one to five places: no oracle of the
         * result, but nothing but a named error may come out, and what parses runs to a result or to a
         * caller's mistake against a Lambda that answers everything.
         */
        @Test
        void shouldEndInARequestOrANamedErrorAndNeverInADefect() {
            GeneratedInputs inputs = GeneratedInputs.seeded("RequestPropertiesTest.AnyJson", 20261127L);
            JsonMutator mutator = JsonMutator.fromEvents();
            StepRunner runner = runner(FakeLambda.answeringEverything(), new Random(inputs.seed()));
            for (int i = 0; i < ANY_JSON; i++) {
                JsonNode json = mutator.request(inputs.random(i));
                StepRequest request;
                try {
                    request = parse(json);
                } catch (StepFailure refused) {
                    assertTrue(PARSER_ERRORS.contains(refused.error()), inputs.describe(i) + ": " + refused + " for " + json);
                    assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), json.toString());
                    inputs.count("parser: " + refused.error().errorName());
                    continue;
                } catch (Exception | StackOverflowError escaped) {
                    fail(inputs.describe(i) + ": parser let " + escaped + " escape for " + json, escaped);
                    return;
                }
                try {
                    StepResult result = runner.run(request, deadline());
                    assertTrue(result.functionWasInvoked(), json.toString());
                    inputs.count("ran: " + request.action());
                } catch (StepFailure failure) {
                    assertTrue(failure.error().isCallerMistake(), inputs.describe(i) + ": " + failure + " for " + json);
                    inputs.count("runner: " + failure.error().errorName());
                } catch (RuntimeException escaped) {
                    fail(inputs.describe(i) + ": runner let " + escaped + " escape for " + json, escaped);
                }
            }
            inputs.print();
            assertTrue(inputs.reached("ran: invoke") >= 100 && inputs.reached("ran: customCode") >= 100,
                    inputs.tally().toString());
        }
    }
}
