package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Generated and mutated step requests for the property tests: valid requests from {@code events/}
 * changed in one to five places (a field removed, retyped, replaced by an edge value, an unknown field
 * added, variables broken), and random JSON trees whose keys lean towards the step's field names.
 * Deterministic for a given {@link Random}.
 */
public final class JsonMutator {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Every field a step request, an entry-point envelope or a data variable may have, and near misses. */
    public static final List<String> FIELDS = List.of("action", "variables", "functionName", "qualifier", "payload",
            "invocationType", "clientContext", "logType", "failOnFunctionError", "runtime", "code", "handler", "roleArn",
            "deleteAfterExecution", "description", "tags", "timeoutSeconds", "memorySize", "environment", "custom",
            "option", "data", "env", "host", "Action", "function_name", "detail", "detail-type", "source", "body",
            "httpMethod", "requestContext", "routeKey", "version", "path", "rawPath", "isBase64Encoded", "http",
            "method", "reuse", "");

    private static final List<String> STRINGS = List.of("", " ", "invoke", "customCode", "sweep", "Invoke", "f",
            "lambda-step-runner", "lambda-step-runner:live",
            "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner",
            "arn:aws:lambda:us-east-1:123456789012:function:f:prod", "123456789012:function:f", "f:$LATEST", "f:",
            ":f", "a".repeat(65), "x".repeat(5000), "python3.12", "python3.7", "Python3.12", "nodejs22.x",
            "ruby3.3", "java21", "provided.al2023", "RequestResponse", "Request", "Event", "DryRun", "Tail", "None",
            "true", "false", "1", "-1", "900", "901", "0x10", "1e3", "${option.env}", "${option.nope}", "${data.x}",
            "${nope.x}", "$${option.env}", "${", "${}", "${option.}", "${.x}", "}", "$", "\\", "\"", "\u0000",
            "\uD83D\uDCA5", "\uFFFF", "\uD800", "lambda_handler", "lambda_function.lambda_handler", "index.handler",
            "Mod::Name.handle?", "1abc", "arn:aws:iam::123456789012:role/step-default",
            "arn:aws:iam::123456789012:role/runbook-reader", "arn:aws:iam::123456789012:role/admin", "aws:x",
            "POST", "GET", "post", "/steps", "/v1/steps", "/", "2.0", "1.0", "Scheduled Event", "aws.events",
            "def lambda_handler(event, context):\n    return event\n", "export const handler = async () => 1;",
            "exports.handler = async () => 1;", "e30=", "not base64!");

    private static final List<JsonNode> NUMBERS = List.of(JSON.numberNode(0), JSON.numberNode(1), JSON.numberNode(-1),
            JSON.numberNode(3), JSON.numberNode(127), JSON.numberNode(128), JSON.numberNode(900), JSON.numberNode(901),
            JSON.numberNode(10240), JSON.numberNode(10241), JSON.numberNode(Integer.MAX_VALUE),
            JSON.numberNode(Long.MAX_VALUE), JSON.numberNode(Long.MIN_VALUE), JSON.numberNode(1.5),
            JSON.numberNode(-0.0), JSON.numberNode(1e308), JSON.numberNode(Double.MIN_VALUE),
            JSON.numberNode(new BigInteger("123456789012345678901234567890")),
            JSON.numberNode(new BigDecimal("1E+400")), JSON.numberNode(new BigDecimal("30.0")));

    private final List<JsonNode> seeds;

    private JsonMutator(List<JsonNode> seeds) {
        this.seeds = List.copyOf(seeds);
    }

    /** Seeds: every step request in {@code events/} (direct, Step Functions, EventBridge detail, API bodies). */
    public static JsonMutator fromEvents() {
        List<JsonNode> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("events"))) {
            for (Path file : files.sorted().toList()) {
                JsonNode event = MAPPER.readTree(file.toFile());
                if (event.has("detail")) {
                    seeds.add(event.get("detail"));
                } else if (event.has("body")) {
                    seeds.add(MAPPER.readTree(event.get("body").asText()));
                } else {
                    seeds.add(event);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        seeds.add(JSON.objectNode().put("action", "invoke").put("functionName", "f"));
        seeds.add(JSON.objectNode().put("action", "sweep"));
        return new JsonMutator(seeds);
    }

    /** A step request: mostly a mutated seed, sometimes an unmutated seed or a random tree. */
    public JsonNode request(Random random) {
        int kind = random.nextInt(20);
        if (kind == 0) {
            return seeds.get(random.nextInt(seeds.size())).deepCopy();
        }
        if (kind <= 3) {
            return randomTree(random, 3);
        }
        JsonNode node = seeds.get(random.nextInt(seeds.size())).deepCopy();
        int mutations = 1 + random.nextInt(5);
        for (int i = 0; i < mutations; i++) {
            node = mutate(node, random);
        }
        return node;
    }

    /** One change somewhere in the tree; may replace the root. */
    public JsonNode mutate(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collectContainers(root, containers);
        if (containers.isEmpty() || random.nextInt(30) == 0) {
            return randomValue(random, 2);
        }
        JsonNode container = containers.get(random.nextInt(containers.size()));
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            int op = random.nextInt(6);
            if (names.isEmpty() || op == 0) {
                object.set(fieldName(random), randomValue(random, 2));
            } else {
                String name = names.get(random.nextInt(names.size()));
                switch (op) {
                    case 1 -> object.remove(name);
                    case 2 -> object.set(name, scalar(random));
                    case 3 -> object.set(name, randomValue(random, 2));
                    case 4 -> object.set(name, JSON.textNode(string(random)));
                    default -> object.set(name, retype(object.get(name), random));
                }
            }
        } else if (container instanceof ArrayNode array) {
            if (array.isEmpty() || random.nextBoolean()) {
                array.add(randomValue(random, 1));
            } else {
                array.set(random.nextInt(array.size()), randomValue(random, 1));
            }
        }
        return root;
    }

    /** A random JSON tree whose object keys are mostly step fields. */
    public JsonNode randomTree(Random random, int depth) {
        ObjectNode object = JSON.objectNode();
        int fields = random.nextInt(8);
        for (int i = 0; i < fields; i++) {
            object.set(fieldName(random), randomValue(random, depth - 1));
        }
        return object;
    }

    /** Any JSON value, containers at most {@code depth} deep. */
    public JsonNode randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 0 ? 8 : 5);
        return switch (kind) {
            case 0, 1 -> JSON.textNode(string(random));
            case 2 -> NUMBERS.get(random.nextInt(NUMBERS.size()));
            case 3 -> JSON.booleanNode(random.nextBoolean());
            case 4 -> JSON.nullNode();
            case 5, 6 -> randomTree(random, depth);
            default -> {
                ArrayNode array = JSON.arrayNode();
                int items = random.nextInt(4);
                for (int i = 0; i < items; i++) {
                    array.add(randomValue(random, depth - 1));
                }
                yield array;
            }
        };
    }

    /** An edge-case string, a random one, or a mixture. */
    public String string(Random random) {
        int kind = random.nextInt(4);
        if (kind <= 1) {
            return STRINGS.get(random.nextInt(STRINGS.size()));
        }
        if (kind == 2) {
            return STRINGS.get(random.nextInt(STRINGS.size())) + STRINGS.get(random.nextInt(STRINGS.size()));
        }
        int length = random.nextInt(20);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(10);
            text.append(pick < 6 ? (char) (' ' + random.nextInt(95)) : pick < 8 ? "${}.$:-_/".charAt(random.nextInt(9))
                    : (char) random.nextInt(0x3000));
        }
        return text.toString();
    }

    private JsonNode scalar(Random random) {
        return randomValue(random, 0);
    }

    private JsonNode retype(JsonNode value, Random random) {
        if (value.isTextual()) {
            String text = value.textValue();
            return switch (random.nextInt(4)) {
                case 0 -> text.matches("-?\\d{1,18}") ? JSON.numberNode(Long.parseLong(text)) : JSON.numberNode(text.length());
                case 1 -> JSON.arrayNode().add(text);
                case 2 -> JSON.objectNode().put("value", text);
                default -> JSON.booleanNode(text.isEmpty());
            };
        }
        if (value.isNumber() || value.isBoolean()) {
            return JSON.textNode(value.asText());
        }
        return random.nextBoolean() ? JSON.textNode(value.toString()) : JSON.arrayNode().add(value);
    }

    private static String fieldName(Random random) {
        return random.nextInt(5) == 0 ? "x" + random.nextInt(100) : FIELDS.get(random.nextInt(FIELDS.size()));
    }

    private static void collectContainers(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collectContainers(it.next(), into);
            }
        }
    }
}
