package io.lambdasteprunner.local.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.local.Interpreters;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sts.StsClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The local service held against AWS's own answers: each case in {@code conformance/cases.json} is one
 * request and what real AWS answers to it (status, error code, message, response members), with the
 * source of that fact: a response recorded from AWS (LocalStack's snapshot files), botocore's service
 * model or the API reference. Cases run through the real AWS SDK for Java v2, or as raw SigV4-signed
 * HTTP where the SDK cannot send the request. The format is described in {@code conformance/README.md}.
 */
class ConformanceIT {

    static final String REGION = "us-east-1";
    static final String ACCOUNT = "000000000000";
    static final String ARN = "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:";
    static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/lambda-role";

    /** With the Java runtime interface client (mvn package copies it to target/java-ric), for java21 functions. */
    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension(withJavaClient(LocalLambdaConfig.defaults()));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LambdaClient lambda;
    private static StsClient sts;
    private static SdkCalls sdk;
    private static SignedHttp http;

    private static LocalLambdaConfig withJavaClient(LocalLambdaConfig defaults) {
        String javaRic = System.getProperty("java.ric.dir", "target/java-ric");
        return defaults.withInterpreters(defaults.interpreters()
                .withClient(LambdaRuntimes.Family.JAVA, Interpreters.javaClient(javaRic + "/*")));
    }

    @BeforeAll
    static void clients() {
        lambda = LOCAL.lambda();
        sts = StsClient.builder().endpointOverride(LOCAL.service().endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        sdk = new SdkCalls(lambda, sts);
        http = new SignedHttp(LOCAL.service().endpoint());
    }

    @AfterAll
    static void closeSts() {
        sts.close();
    }

    @TestFactory
    Stream<DynamicTest> eachCaseAnswersAsAws() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.path("id").asText(), () -> run(c)));
    }

    @Test
    void everyCaseNamesItsSourceAndTheSuiteHasAtLeast80() throws IOException {
        List<JsonNode> cases = cases();
        Set<String> ids = new HashSet<>();
        for (JsonNode c : cases) {
            String id = c.path("id").asText();
            assertTrue(ids.add(id), "duplicate case id " + id);
            String source = c.path("source").asText();
            assertTrue(source.contains("localstack/localstack") || source.contains("botocore")
                    || source.startsWith("https://"), id + ": a source is a recording, botocore's model or a URL: " + source);
        }
        assertTrue(cases.size() >= 80, "conformance cases: " + cases.size());
    }

    static List<JsonNode> cases() throws IOException {
        try (InputStream in = ConformanceIT.class.getResourceAsStream("/conformance/cases.json")) {
            assertNotNull(in, "conformance/cases.json on the test class path");
            List<JsonNode> all = new ArrayList<>();
            JSON.readTree(in).path("cases").forEach(all::add);
            return all;
        }
    }

    // ---- one case ---------------------------------------------------------------------------------

    private static void run(JsonNode c) throws Exception {
        String id = c.path("id").asText();
        Map<String, String> vars = variables(id);
        try {
            for (JsonNode step : c.path("given")) {
                given(step, vars);
            }
            Outcome outcome = when(substitute(c.path("when"), vars));
            check(id, substitute(c.path("then"), vars), outcome);
        } finally {
            for (String name : List.of(vars.get("FN"), vars.get("FN2"))) {
                try {
                    lambda.deleteFunction(r -> r.functionName(name));
                } catch (AwsServiceException ignored) {
                    // Most cases leave no second function, and some none at all.
                }
            }
        }
    }

    private static Map<String, String> variables(String id) {
        String fn = ("cf-" + id).replaceAll("[^a-zA-Z0-9-_]", "-");
        fn = fn.length() > 60 ? fn.substring(0, 60) : fn;
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("FN", fn);
        vars.put("FN2", fn.length() > 58 ? fn.substring(0, 58) + "-2" : fn + "-2");
        vars.put("ARN", ARN);
        vars.put("ROLE", ROLE);
        vars.put("ACCOUNT", ACCOUNT);
        vars.put("REGION", REGION);
        vars.put("ZIP_SHA", Packages.ECHO_SHA256);
        return vars;
    }

    /** A step that must succeed before the request: a shorthand, or an operation with parameters. */
    private static void given(JsonNode step, Map<String, String> vars) throws Exception {
        if (step.isTextual()) {
            switch (step.asText()) {
                case "function" -> {
                    sdk.call("CreateFunction", Packages.echoFunction(vars.get("FN"), ROLE));
                    Packages.awaitSettled(lambda, vars.get("FN"));
                }
                case "settled" -> Packages.awaitSettled(lambda, vars.get("FN"));
                default -> throw new IllegalArgumentException("unknown step " + step);
            }
            return;
        }
        Outcome outcome = when(substitute(step, vars));
        if (outcome.error() != null) {
            fail("given step " + step + " failed: " + outcome.error() + " " + outcome.message());
        }
        if (step.path("op").asText().startsWith("Update")) {
            Packages.awaitSettled(lambda, vars.get("FN"));
        }
    }

    /** What the service answered, through the SDK or raw HTTP. */
    record Outcome(int status, String error, String message, JsonNode body, Map<String, String> headers) {
    }

    private static Outcome when(JsonNode request) throws Exception {
        if (request.has("op")) {
            JsonNode params = Packages.expand(request.path("params"));
            try {
                SdkCalls.Answer answer = sdk.call(request.path("op").asText(), params);
                return new Outcome(answer.status(), null, null, answer.body(), Map.of());
            } catch (AwsServiceException e) {
                return new Outcome(e.statusCode(), e.awsErrorDetails().errorCode(), e.awsErrorDetails().errorMessage(),
                        null, Map.of());
            }
        }
        JsonNode raw = request.path("http");
        String body = raw.has("body") ? JSON.writeValueAsString(Packages.expand(raw.get("body")))
                : raw.path("bodyText").asText("");
        Map<String, String> headers = new LinkedHashMap<>();
        raw.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        HttpResponse<String> response = http.send(raw.path("method").asText(), raw.path("path").asText(), headers,
                body.getBytes(StandardCharsets.UTF_8));
        Map<String, String> answered = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> answered.put(name.toLowerCase(), values.get(0)));
        JsonNode parsed = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        String error = answered.get("x-amzn-errortype");
        String message = parsed.has("message") ? parsed.get("message").asText()
                : parsed.has("Message") ? parsed.get("Message").asText() : null;
        return new Outcome(response.statusCode(), error, message, parsed, answered);
    }

    private static void check(String id, JsonNode then, Outcome outcome) {
        String seen = id + " answered " + outcome;
        assertEquals(then.path("status").asInt(), outcome.status(), seen);
        if (then.has("error")) {
            assertEquals(then.get("error").asText(), outcome.error(), seen);
        } else {
            assertEquals(null, outcome.error(), seen);
        }
        if (then.has("message")) {
            assertEquals(then.get("message").asText(), outcome.message(), seen);
        }
        if (then.has("messageStartsWith")) {
            assertNotNull(outcome.message(), seen);
            assertTrue(outcome.message().startsWith(then.get("messageStartsWith").asText()), seen);
        }
        checkFields(id, then.path("fields"), outcome.body());
        then.path("absent").forEach(field -> assertEquals(null, at(outcome.body(), field.asText()),
                id + ": " + field.asText() + " should be absent from " + outcome.body()));
        then.path("headers").properties().forEach(header -> {
            String answered = outcome.headers().get(header.getKey().toLowerCase());
            assertTrue(answered != null && matches(header.getValue(), TextNode.valueOf(answered)),
                    id + ": header " + header.getKey() + " = " + answered + ", expected " + header.getValue());
        });
        then.path("absentHeaders").forEach(header -> assertFalse(
                outcome.headers().containsKey(header.asText().toLowerCase()), id + ": header " + header.asText()));
        if (then.has("payload") || then.has("payloadAbsent")) {
            JsonNode payload = parsed(outcome.body().path("Payload").asText());
            checkFields(id + " (Payload)", then.path("payload"), payload);
            then.path("payloadAbsent").forEach(field -> assertEquals(null, at(payload, field.asText()),
                    id + ": " + field.asText() + " should be absent from the payload " + payload));
        }
        if (then.has("logTail")) {
            String tail = new String(java.util.Base64.getDecoder().decode(outcome.body().path("LogResult").asText()),
                    StandardCharsets.UTF_8);
            // Lines end at a line feed only: a carriage return stays inside its line, as in Lambda's log.
            List<String> lines = Pattern.compile("\n").splitAsStream(tail)
                    .filter(line -> !line.startsWith("REPORT ")).toList();
            List<JsonNode> expected = new ArrayList<>();
            then.get("logTail").forEach(expected::add);
            assertEquals(expected.size(), lines.size(), id + ": log tail lines (REPORT left out) " + lines);
            for (int i = 0; i < lines.size(); i++) {
                assertTrue(matches(expected.get(i), TextNode.valueOf(lines.get(i))),
                        id + ": log tail line " + i + " = " + lines.get(i) + ", expected " + expected.get(i));
            }
        }
    }

    /** Members by dotted path: exact, or a regular expression after {@code ~}. */
    private static void checkFields(String id, JsonNode fields, JsonNode body) {
        fields.properties().forEach(field -> {
            JsonNode actual = at(body, field.getKey());
            assertNotNull(actual, id + ": no member " + field.getKey() + " in " + body);
            assertTrue(matches(field.getValue(), actual),
                    id + ": " + field.getKey() + " = " + actual + ", expected " + field.getValue());
        });
    }

    private static boolean matches(JsonNode expected, JsonNode actual) {
        if (expected.isTextual() && expected.asText().startsWith("~")) {
            return actual.isValueNode() && Pattern.compile(expected.asText().substring(1), Pattern.DOTALL)
                    .matcher(actual.asText()).matches();
        }
        if (expected.isTextual() || expected.isNumber() || expected.isBoolean()) {
            return expected.asText().equals(actual.isValueNode() ? actual.asText() : actual.toString());
        }
        return expected.equals(actual);
    }

    /** An Invoke's payload as JSON (a JSON text, as every case's function answers one). */
    private static JsonNode parsed(String payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            throw new AssertionError("the payload is not JSON: " + payload, e);
        }
    }

    private static final Pattern SELECTOR = Pattern.compile("(\\w+)\\[(\\w+)=([^\\]]*)]");

    /**
     * A member by dotted path, or null: {@code Configuration.State}, {@code Versions.0.FunctionArn}, or
     * {@code Functions[FunctionName=x].Version} for the list item whose member has that value; a path
     * goes on into a member that holds a JSON object as text ({@code Statement.Principal.Service}).
     */
    private static JsonNode at(JsonNode body, String path) {
        JsonNode node = body;
        for (String part : path.split("\\.(?![^\\[]*])")) {
            if (node == null) {
                return null;
            }
            if (node.isTextual() && node.asText().startsWith("{")) {
                node = parsed(node.asText()); // a member that is JSON in a string (AddPermission's Statement)
            }
            Matcher selector = SELECTOR.matcher(part);
            if (selector.matches()) {
                JsonNode found = null;
                for (JsonNode item : node.path(selector.group(1))) {
                    if (item.path(selector.group(2)).asText().equals(selector.group(3))) {
                        found = item;
                    }
                }
                node = found;
            } else {
                // An index counts from the end when negative: stackTrace.-1 is the last frame.
                int index = node.isArray() && part.matches("-?\\d+") ? Integer.parseInt(part) : Integer.MIN_VALUE;
                node = index == Integer.MIN_VALUE ? node.get(part) : node.get(index < 0 ? node.size() + index : index);
            }
        }
        return node == null || node.isNull() ? null : node;
    }

    // ---- variables --------------------------------------------------------------------------------

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(repeat:(.):(\\d+)|[A-Z0-9_]+)}");

    /** Replaces {@code ${FN}}, {@code ${ARN}}, ... and {@code ${repeat:a:65}} in every string of a tree. */
    static JsonNode substitute(JsonNode node, Map<String, String> vars) {
        if (node.isTextual()) {
            Matcher matcher = VARIABLE.matcher(node.asText());
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                String value = matcher.group(2) != null ? matcher.group(2).repeat(Integer.parseInt(matcher.group(3)))
                        : vars.get(matcher.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("unknown variable " + matcher.group());
                }
                matcher.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            matcher.appendTail(out);
            return TextNode.valueOf(out.toString());
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            node.properties().forEach(entry -> copy.set(substitute(TextNode.valueOf(entry.getKey()), vars).asText(),
                    substitute(entry.getValue(), vars)));
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(item -> copy.add(substitute(item, vars)));
            return copy;
        }
        return node;
    }
}
