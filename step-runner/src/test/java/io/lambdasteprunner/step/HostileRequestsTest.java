package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Requests written to hurt the runner: expansion bombs, unclosed references, client contexts Lambda's Java
 * runtime would choke on, numbers past a double, deep nesting, roles of other accounts. Each ends in a
 * result or a named error that says what to fix, quickly and in bounded memory. The last group draws such
 * shapes from seeded generators (a failure names its seed, so it can be replayed). In memory, no Lambda.
 */
class HostileRequestsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final ObjectMapper MAPPER = StepJson.newMapper();
    /** The bound a regression to quadratic expansion would blow by minutes (19 s at 2 MB before, 6 MB here). */
    private static final int QUADRATIC_GUARD_SECONDS = 60;

    private final StepRequestParser parser = new StepRequestParser();

    private StepFailure refused(String json) {
        return assertThrows(StepFailure.class, () -> parser.parse(StepJson.read(MAPPER, json, "the event")));
    }

    private static String quoted(String text) {
        return JsonNodeFactory.instance.textNode(text).toString();
    }

    @Nested
    class Expansion {

        @Test
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void aLargeVariableRepeatedInCodeIsCodeTooLargeNotOutOfMemory() {
            // Given the issue's request: 1 MB value, code that references it 3000 times
            String request = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":"
                    + quoted("x = '" + "${option.x}".repeat(3000) + "'") + ",\"variables\":{\"option\":{\"x\":"
                    + quoted("v".repeat(1024 * 1024)) + "}}}";

            StepFailure failure = refused(request);

            assertEquals(StepError.CODE_TOO_LARGE, failure.error());
            assertTrue(failure.getMessage().startsWith("code would be more than 6291456 characters"),
                    failure.getMessage());
        }

        @Test
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void aLargeVariableRepeatedInThePayloadIsPayloadTooLarge() {
            String request = "{\"action\":\"invoke\",\"functionName\":\"f\",\"invocationType\":\"Event\",\"payload\":"
                    + "{\"a\":" + quoted("${data.big}".repeat(600)) + ",\"b\":[" + quoted("${data.big}") + "]},"
                    + "\"variables\":{\"data\":{\"big\":" + quoted("b".repeat(10_000)) + "}}}";

            StepFailure failure = refused(request);

            assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
            assertTrue(failure.getMessage().startsWith("payload (at payload.a) would be more than 1048576 characters")
                    && failure.getMessage().contains("invocationType Event"), failure.getMessage());
        }

        @Test
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void aShortFieldCannotGrowPastItsBound() {
            StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"${option.f}${option.f}\","
                    + "\"variables\":{\"option\":{\"f\":" + quoted("f".repeat(3000)) + "}}}");

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().startsWith("functionName would be more than 4096"), failure.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"${", "${option.", "${option.a${", "$${", "${option.x", "${a-b.c d"})
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void unclosedReferencesCostOnePass(String piece) {
            // Given 6 MB of a piece that opens references and never closes them (19 s at 2 MB before)
            String text = piece.repeat(FunctionSource.MAX_CODE_BYTES / piece.length());
            DataVariables variables = DataVariables.from(MAPPER.createObjectNode().set("option",
                    MAPPER.createObjectNode().put("x", "1")));

            String expanded = variables.expand(text, "code", new DataVariables.Limit(FunctionSource.MAX_CODE_BYTES,
                    StepError.CODE_TOO_LARGE, "at most 6 MB"));

            assertEquals(piece.equals("$${") ? text.replace("$${", "${") : text, expanded);
        }

        @Test
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void referencesClosedOnlyAtTheEndCostOnePass() {
            // Every ${option. would reach the one } at the very end: the first names an unknown key and stops
            String text = "${option.a".repeat(500_000) + "}";
            DataVariables variables = DataVariables.from(MAPPER.createObjectNode().set("option",
                    MAPPER.createObjectNode().put("x", "1")));

            StepFailure failure = assertThrows(StepFailure.class, () -> variables.expand(text, "code",
                    new DataVariables.Limit(FunctionSource.MAX_CODE_BYTES, StepError.CODE_TOO_LARGE, "6 MB")));

            assertEquals(StepError.UNKNOWN_VARIABLE, failure.error());
            assertTrue(failure.getMessage().length() < 400, "the key is quoted briefly: " + failure.getMessage());
        }

        @Test
        void expansionStillMeansWhatItMeant() throws Exception {
            DataVariables variables = DataVariables.from(MAPPER.readTree(
                    "{\"option\":{\"env\":\"prod\",\"a-b\":\"dash\"},\"my-group\":{\"k\":\"v\"}}"));

            assertEquals("prod ${option.env} dash v ${HOME} ${ option.env} ${option.env\n} `${x.y}`",
                    variables.expand("${option.env} $${option.env} ${option.a-b} ${my-group.k} ${HOME} "
                            + "${ option.env} ${option.env\n} `${x.y}`", "code"));
        }
    }

    @Nested
    class ClientContext {

        @ParameterizedTest
        @ValueSource(strings = {"1", "true", "{\"a\":\"b\"}", "[\"a\"]", "null", "1e999999"})
        void customValuesMustBeStrings(String value) {
            StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"custom\":{\"ticket\":" + value + "}}}");

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().startsWith("clientContext.custom.ticket must be a string"),
                    failure.getMessage());
            assertTrue(failure.getMessage().contains("write it in quotes"), failure.getMessage());
        }

        @ParameterizedTest
        @ValueSource(strings = {"env", "client"})
        void envAndClientAreMapsOfStringsToo(String part) {
            assertEquals(StepError.INVALID_STEP_REQUEST, refused("{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"" + part + "\":{\"x\":2}}}").error());
            StepFailure notAnObject = refused("{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"" + part + "\":\"x=2\"}}");
            assertTrue(notAnObject.getMessage().startsWith("clientContext." + part + " must be an object of string"),
                    notAnObject.getMessage());
        }

        @Test
        void stringsAndOtherKeysPass() {
            StepRequest request = parser.parse(StepJson.read(MAPPER, "{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"custom\":{\"ticket\":\"INC-1\",\"n\":\"${option.n}\"},\"env\":{\"a\":\"b\"},"
                    + "\"client\":{\"app_title\":\"ops\"},\"services\":{\"x\":1}},"
                    + "\"variables\":{\"option\":{\"n\":3}}}", "the event"));

            assertEquals("3", request.invokeOptions().clientContext().get("custom").get("n").textValue());
        }

        @Test
        void aVariableCannotInflateTheClientContext() {
            StepFailure failure = refused("{\"action\":\"invoke\",\"functionName\":\"f\","
                    + "\"clientContext\":{\"custom\":{\"a\":\"${option.v}${option.v}\"}},"
                    + "\"variables\":{\"option\":{\"v\":" + quoted("v".repeat(2000)) + "}}}");

            assertEquals(StepError.PAYLOAD_TOO_LARGE, failure.error());
        }
    }

    @Nested
    class Numbers {

        private final FakeLambda lambda = FakeLambda.answeringEverything();
        private final StepRunner runner = new StepRunner(lambda, new StepConfig(ROLE, List.of(), null, null), StepListener.NONE, MAPPER, Clock.systemUTC(),
                new Random(1));

        private JsonNode run(String payload) {
            StepRequest request = parser.parse(StepJson.read(MAPPER,
                    "{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":" + payload + "}", "the event"));
            return runner.run(request, Deadline.after(Duration.ofSeconds(30), Clock.systemUTC())).toJson();
        }

        /** The payload the one invocation sent, as Lambda received it. */
        private String sent() {
            List<LambdaGateway.Invocation> invocations = lambda.invocations();
            return invocations.get(invocations.size() - 1).payloadJson();
        }

        @Test
        void aNumberPastADoubleIsSentAsANumberNotInfinity() {
            JsonNode result = run("{\"n\":1e999999,\"small\":1e-999999,\"neg\":-1E+400}");

            assertEquals("{\"n\":1E+999999,\"small\":1E-999999,\"neg\":-1E+400}", sent());
            assertFalse(sent().contains("Infinity"));
            assertEquals("1E+999999", result.get("data").get("invokeResponsePayload").get("n").toString());
        }

        @Test
        void decimalsAndLongIntegersKeepTheirDigits() {
            run("[1.10, 0.1, 123456789012345678901234567890, -0, 2.5e3]");

            assertEquals("[1.10,0.1,123456789012345678901234567890,0,2.5E+3]", sent());
        }

        @Test
        void numbersAndNestingPastTheStreamLimitsAreNamed() {
            StepFailure tooLong = assertThrows(StepFailure.class,
                    () -> StepJson.read(MAPPER, "{\"n\":" + "9".repeat(1001) + "}", "the event"));
            StepFailure tooDeep = assertThrows(StepFailure.class,
                    () -> StepJson.read(MAPPER, "[".repeat(100_000) + "]".repeat(100_000), "the request body"));
            StepFailure exponent = assertThrows(StepFailure.class,
                    () -> StepJson.read(MAPPER, "{\"n\":1e99999999999}", "the event"));

            assertEquals("the event has a number longer than 1000 characters; send it as a string", tooLong.getMessage());
            assertEquals("the request body nests deeper than 256 levels; flatten it", tooDeep.getMessage());
            assertTrue(exponent.getMessage().contains("number Java cannot hold"), exponent.getMessage());
            for (StepFailure failure : List.of(tooLong, tooDeep, exponent)) {
                assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            }
        }
    }

    @Nested
    class Roles {

        private final StepConfig config = new StepConfig(ROLE, List.of("arn:aws:iam::123456789012:role/runbook-*",
                "arn:aws:iam::222222222222:role/ops-*", "arn:aws:iam::222222222222:role/ops-listed"), null, null);
        private final RolePolicy policy = new RolePolicy(config);

        @Test
        void aWildcardEntryCoversOnlyTheRunnersAccount() {
            Optional<String> runner = Optional.of("123456789012");

            assertEquals("arn:aws:iam::123456789012:role/runbook-db",
                    policy.resolve("arn:aws:iam::123456789012:role/runbook-db", runner));
            StepFailure other = assertThrows(StepFailure.class,
                    () -> policy.resolve("arn:aws:iam::222222222222:role/ops-admin", runner));
            assertEquals(StepError.ROLE_NOT_ALLOWED, other.error());
            assertTrue(other.getMessage().contains("another account than the step runner's")
                    && other.getMessage().contains("list the role in full"), other.getMessage());
            // Listed in full, a role of another account is allowed
            assertEquals("arn:aws:iam::222222222222:role/ops-listed",
                    policy.resolve("arn:aws:iam::222222222222:role/ops-listed", runner));
        }

        @Test
        void theRunnersAccountComesFromItsInvokedArnElseFromItsDefaultRole() {
            StepRunner runner = new StepRunner(FakeLambda.answeringEverything(), config, StepListener.NONE, MAPPER,
                    Clock.systemUTC(), new Random(1));
            StepRequest request = parser.parse(StepJson.read(MAPPER, "{\"action\":\"customCode\",\"runtime\":"
                    + "\"python3.12\",\"code\":\"def lambda_handler(e, c):\\n    return 1\\n\",\"roleArn\":"
                    + "\"arn:aws:iam::222222222222:role/ops-admin\"}", "the event"));
            Deadline deadline = Deadline.after(Duration.ofSeconds(30), Clock.systemUTC());

            // A runner deployed in 222222222222 may use that account's wildcard entry
            StepResult result = runner.run(request, deadline, 0, new RunnerInvocation("r-1",
                    "arn:aws:lambda:us-east-1:222222222222:function:lambda-step-runner:live"));
            assertTrue(result.functionWasInvoked());
            // Outside Lambda the default role's account (123456789012) is the runner's
            assertEquals(StepError.ROLE_NOT_ALLOWED,
                    assertThrows(StepFailure.class, () -> runner.run(request, deadline)).error());
        }

        @Test
        void refusalsNameTheRuleNeverTheAllowlist() {
            for (String role : List.of("arn:aws:iam::123456789012:role/admin", "arn:aws:iam::222222222222:role/ops-x")) {
                StepFailure failure = assertThrows(StepFailure.class,
                        () -> policy.resolve(role, Optional.of("123456789012")));
                assertFalse(failure.getMessage().contains("runbook-") || failure.getMessage().contains("ops-listed"),
                        failure.getMessage());
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"admin", "arn:aws:iam::123456789012:user/runbook-x", "arn:aws:iam::1234:role/runbook-x",
                "arn:aws:iam::123456789012:role/runbook-x,arn:aws:iam::123456789012:role/admin"})
        void aRoleArnMustBeARoleArn(String role) {
            StepFailure failure = assertThrows(StepFailure.class, () -> policy.resolve(role, Optional.of("123456789012")));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
        }
    }

    /** Hostile shapes drawn from seeded generators; every one ends in a result or a named error, within the bound. */
    @Nested
    class Generated {

        private static final int REQUESTS = 600;
        private static final Set<StepError> CALLER_ERRORS = Set.of(StepError.INVALID_STEP_REQUEST,
                StepError.UNKNOWN_VARIABLE, StepError.UNSUPPORTED_RUNTIME, StepError.CODE_TOO_LARGE,
                StepError.PAYLOAD_TOO_LARGE, StepError.ROLE_NOT_ALLOWED);
        private static final List<String> PIECES = List.of("${", "$${", "}", "${option.x}", "${option.big}",
                "${data.", "${option.missing}", "${job.id}", " ", "\n", "\\", "\"", "é", "😀", "${}", "$", "{",
                "${x.y}", "${option.x", "\u0000");

        private final StepRunner runner = new StepRunner(FakeLambda.answeringEverything(), new StepConfig(ROLE,
                List.of("arn:aws:iam::123456789012:role/runbook-*", "arn:aws:iam::222222222222:role/ops-*"), null,
                "lambda-step-runner"), StepListener.NONE, MAPPER, Clock.systemUTC(), new Random(1));

        @Test
        @Timeout(QUADRATIC_GUARD_SECONDS)
        void hostileRequestsEndInAResultOrANamedError() {
            // A fixed seed, so a failure replays; -Dhostile.seed=N explores others.
            long seed = Long.getLong("hostile.seed", 20261129L);
            Random random = new Random(seed);
            for (int i = 0; i < REQUESTS; i++) {
                String json = request(random);
                String where = "seed " + seed + ", request " + i + ": " + (json.length() > 300
                        ? json.substring(0, 300) + "..." : json);
                try {
                    StepRequest request = parser.parse(StepJson.read(MAPPER, json, "the event"));
                    StepResult result = runner.run(request, Deadline.after(Duration.ofSeconds(30), Clock.systemUTC()),
                            0, new RunnerInvocation("r-" + i, "arn:aws:lambda:us-east-1:123456789012:function:runner"));
                    assertTrue(ResultFitter.stepOutputBytes(result) <= StepConfig.Results.DEFAULT_MAX_RESULT_BYTES,
                            where);
                } catch (StepFailure failure) {
                    assertTrue(CALLER_ERRORS.contains(failure.error()), failure + " for " + where);
                    assertTrue(failure.getMessage().length() < 2000, "a short message for " + where);
                } catch (RuntimeException | Error escaped) {
                    fail(escaped + " escaped for " + where, escaped);
                }
            }
        }

        private String request(Random random) {
            ObjectNode request = MAPPER.createObjectNode();
            boolean custom = random.nextBoolean();
            request.put("action", custom ? "customCode" : "invoke");
            if (custom) {
                request.put("runtime", "python3.12");
                request.put("code", "def lambda_handler(e, c):\n    return '" + text(random) + "'\n");
                if (random.nextInt(4) == 0) {
                    request.put("roleArn", random.nextBoolean() ? "arn:aws:iam::222222222222:role/ops-" + random.nextInt(9)
                            : "arn:aws:iam::123456789012:role/" + text(random));
                }
            } else {
                request.put("functionName", random.nextInt(5) == 0 ? text(random) : "target-fn");
            }
            if (random.nextBoolean()) {
                request.set("payload", value(random, random.nextInt(6)));
            }
            if (random.nextInt(3) == 0) {
                ObjectNode context = request.putObject("clientContext");
                context.set(List.of("custom", "env", "client", "other").get(random.nextInt(4)),
                        random.nextBoolean() ? MAPPER.createObjectNode().set("k", value(random, 2)) : value(random, 1));
            }
            if (random.nextInt(3) == 0) {
                request.put("invocationType", List.of("Event", "DryRun", "RequestResponse").get(random.nextInt(3)));
            }
            ObjectNode option = request.putObject("variables").putObject("option");
            option.put("x", text(random));
            option.put("big", "B".repeat(random.nextInt(6) == 0 ? 300_000 : 10));
            String json = request.toString();
            // Numbers and nesting the tree cannot hold as text: spliced into the JSON itself.
            return switch (random.nextInt(8)) {
                case 0 -> json.replace("\"action\"", "\"payload\":{\"n\":1e" + random.nextInt(1_000_000) + "},\"action\"");
                case 1 -> {
                    int depth = random.nextInt(400);
                    yield json.replace("\"action\"", "\"payload\":" + "[".repeat(depth) + "1" + "]".repeat(depth)
                            + ",\"action\"");
                }
                default -> json;
            };
        }

        private JsonNode value(Random random, int depth) {
            return switch (depth <= 0 ? random.nextInt(3) : random.nextInt(5)) {
                case 0 -> JsonNodeFactory.instance.textNode(text(random));
                case 1 -> JsonNodeFactory.instance.numberNode(random.nextLong());
                case 2 -> JsonNodeFactory.instance.booleanNode(random.nextBoolean());
                case 3 -> {
                    ObjectNode object = MAPPER.createObjectNode();
                    for (int i = random.nextInt(4); i > 0; i--) {
                        object.set(text(random), value(random, depth - 1));
                    }
                    yield object;
                }
                default -> {
                    var array = MAPPER.createArrayNode();
                    for (int i = random.nextInt(4); i > 0; i--) {
                        array.add(value(random, depth - 1));
                    }
                    yield array;
                }
            };
        }

        private String text(Random random) {
            StringBuilder text = new StringBuilder();
            int pieces = random.nextInt(16) == 0 ? 20_000 : random.nextInt(12);
            for (int i = 0; i < pieces; i++) {
                text.append(PIECES.get(random.nextInt(PIECES.size())));
            }
            return text.toString();
        }
    }
}
