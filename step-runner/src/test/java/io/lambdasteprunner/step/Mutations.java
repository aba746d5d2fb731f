package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import static io.lambdasteprunner.step.RequestModel.pick;

/**
 * One change each to a valid written request, and the named error that change alone causes, with a piece
 * of the message that says what to fix. Applied to a request that is valid in every other way, so the
 * error can only come from the change. Some errors come from the runner (role, recursion, a missing
 * function): those are expected before Lambda does anything.
 */
final class Mutations {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String UNKNOWN_KEY = "nosuchkey";

    /** Where the error must come from. */
    enum Stage { PARSER, RUNNER }

    /** A changed request and the message fragment its error must carry. */
    record Changed(JsonNode request, String fragment) {
    }

    @FunctionalInterface
    interface Change {
        Changed apply(ObjectNode request, RequestModel model, Random random);
    }

    /**
     * @param weight how often it is drawn, relative to 1 (large payloads are expensive)
     */
    record Mutation(String name, StepError error, Stage stage, double weight, Predicate<RequestModel> appliesTo,
                    Change change) {
    }

    private Mutations() {
    }

    private static final Predicate<RequestModel> ANY = model -> true;
    private static final Predicate<RequestModel> INVOKE = model -> model instanceof RequestModel.Invoke;
    private static final Predicate<RequestModel> CUSTOM_CODE = model -> model instanceof RequestModel.CustomCode;

    private static Mutation parser(String name, StepError error, Predicate<RequestModel> appliesTo, Change change) {
        return new Mutation(name, error, Stage.PARSER, 1, appliesTo, change);
    }

    private static Mutation parser(String name, Predicate<RequestModel> appliesTo, Change change) {
        return parser(name, StepError.INVALID_STEP_REQUEST, appliesTo, change);
    }

    private static Changed set(ObjectNode request, String field, JsonNode value, String fragment) {
        request.set(field, value);
        return new Changed(request, fragment);
    }

    private static Changed set(ObjectNode request, String field, String value, String fragment) {
        return set(request, field, JSON.textNode(value), fragment);
    }

    static final List<Mutation> ALL = List.of(
            // ---- the request as a whole ----
            parser("not an object", ANY, (request, model, random) -> new Changed(
                    pick(random, JSON.arrayNode().add(request), JSON.textNode(request.toString()), JSON.numberNode(1),
                            JSON.nullNode()), "the step request must be a JSON object")),
            parser("action left out", ANY, (request, model, random) -> {
                request.remove("action");
                return new Changed(request, "action is required");
            }),
            parser("action unknown", ANY, (request, model, random) -> {
                String action = pick(random, "Invoke", "custom_code", "Sweep", "deploy", "", " invoke");
                return set(request, "action", action, "action '" + action + "' is unknown");
            }),
            parser("a sweep with a step's fields", ANY, (request, model, random) -> set(request, "action", "sweep",
                    "a sweep request takes no other fields")),
            parser("field misspelt", ANY, (request, model, random) -> {
                String field = pick(random, "functionname", "Payload", "timeout", "variable", "x-amz-log-type");
                return set(request, field, "x", "field '" + field + "' is not part of a");
            }),
            parser("field of the other action", ANY, (request, model, random) -> {
                String field = model instanceof RequestModel.Invoke ? pick(random, "runtime", "code", "roleArn", "reuse")
                        : pick(random, "functionName", "qualifier");
                return set(request, field, "x", "field '" + field + "' is not part of a " + request.get("action").asText()
                        + " step (it belongs to the other action)");
            }),
            parser("variables not groups", ANY, (request, model, random) -> set(request, "variables",
                    pick(random, JSON.textNode("env=prod"), JSON.arrayNode().add("x"), JSON.numberNode(1)),
                    "variables must be an object of groups")),
            parser("variables group not an object", ANY, (request, model, random) -> {
                ObjectNode variables = request.has("variables") && request.get("variables").isObject()
                        ? (ObjectNode) request.get("variables") : request.putObject("variables");
                variables.put("option", "env=prod");
                return new Changed(request, "variables.option must be an object of name/value pairs");
            }),
            parser("unknown variable", StepError.UNKNOWN_VARIABLE, ANY, Mutations::unknownVariable),

            // ---- invoke ----
            parser("functionName left out", INVOKE, (request, model, random) -> {
                request.remove("functionName");
                return new Changed(request, "functionName is required for a invoke step");
            }),
            parser("functionName not a string", INVOKE, (request, model, random) -> set(request, "functionName",
                    JSON.numberNode(7), "functionName must be a string, was a number")),
            parser("functionName not a name", INVOKE, (request, model, random) -> {
                String name = pick(random, "my fn", "a".repeat(65), "arn:aws:s3:::bucket", "fn:a:b", "", "fn/1", "fn:");
                request.remove("qualifier");
                return set(request, "functionName", name, "functionName '" + name + "' is not a function name");
            }),
            parser("qualifier not a version or alias", INVOKE, (request, model, random) -> {
                String qualifier = pick(random, "no spaces", "", "a".repeat(129), "v1:2", "$latest");
                return set(request, "qualifier", qualifier, "qualifier '" + qualifier + "' is not a version number");
            }),
            parser("qualifier given twice, differently", INVOKE, (request, model, random) -> {
                RequestModel.Invoke invoke = (RequestModel.Invoke) model;
                request.put("functionName", invoke.name() + ":blue");
                return set(request, "qualifier", "green", "functionName ends in :blue but qualifier is 'green'");
            }),
            parser("qualifier not a string", INVOKE, (request, model, random) -> set(request, "qualifier",
                    JSON.booleanNode(true), "qualifier must be a string, was a boolean")),

            // ---- invocation options ----
            parser("invocationType unknown", ANY, (request, model, random) -> {
                String type = pick(random, "Async", "requestresponse", "", "DRY_RUN", "Request ");
                return set(request, "invocationType", type, "invocationType '" + type + "' is unknown");
            }),
            parser("invocationType not a string", ANY, (request, model, random) -> set(request, "invocationType",
                    JSON.numberNode(1), "invocationType must be a string, was a number")),
            parser("logType unknown", ANY, (request, model, random) -> {
                String type = pick(random, "All", "tail", "", "NONE");
                return set(request, "logType", type, "logType '" + type + "' is unknown; use Tail or None");
            }),
            parser("failOnFunctionError not a flag", ANY, (request, model, random) -> set(request, "failOnFunctionError",
                    pick(random, JSON.textNode("yes"), JSON.numberNode(1), JSON.textNode("TRUE"), JSON.arrayNode()),
                    "failOnFunctionError must be true or false")),
            parser("clientContext not an object", ANY, (request, model, random) -> set(request, "clientContext",
                    pick(random, JSON.textNode("x"), JSON.arrayNode().add(1), JSON.numberNode(5)),
                    "clientContext must be a JSON object")),
            parser("clientContext.custom not an object", ANY, (request, model, random) -> set(request, "clientContext",
                    JSON.objectNode().put("custom", "ticket"), "clientContext.custom must be an object")),
            parser("clientContext too large", StepError.PAYLOAD_TOO_LARGE, ANY, (request, model, random) -> {
                ObjectNode context = JSON.objectNode();
                context.putObject("custom").put("k", "x".repeat(2700 + random.nextInt(3000)));
                return set(request, "clientContext", context, "clientContext is");
            }),
            new Mutation("payload too large for Event", StepError.PAYLOAD_TOO_LARGE, Stage.PARSER, 0.05, INVOKE,
                    (request, model, random) -> {
                        request.put("invocationType", "Event");
                        return set(request, "payload", "x".repeat(io.lambdasteprunner.facts.LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES - 1),
                                "Lambda accepts 1048576 bytes for invocationType Event");
                    }),

            // ---- custom code ----
            parser("runtime left out", CUSTOM_CODE, (request, model, random) -> {
                request.remove("runtime");
                return new Changed(request, "runtime is required for a customCode step");
            }),
            parser("runtime not a string", CUSTOM_CODE, (request, model, random) -> set(request, "runtime",
                    JSON.objectNode(), "runtime must be a string, was an object")),
            parser("runtime a step cannot ship", StepError.UNSUPPORTED_RUNTIME, CUSTOM_CODE, (request, model, random) -> {
                String runtime = pick(random, "java21", "python3.7", "Python3.12", "cobol", "provided.al2023", "nodejs",
                        "dotnet8", "");
                return set(request, "runtime", runtime, "supported: python3.");
            }),
            parser("code left out", CUSTOM_CODE, (request, model, random) -> {
                request.remove("code");
                return new Changed(request, "code is required for a customCode step");
            }),
            parser("code blank", CUSTOM_CODE, (request, model, random) -> set(request, "code",
                    pick(random, "", " ", "\n\t "), "code is empty")),
            parser("code not a string", CUSTOM_CODE, (request, model, random) -> set(request, "code",
                    JSON.arrayNode().add("x = 1"), "code must be a string, was an array")),
            parser("handler not a function name", CUSTOM_CODE, (request, model, random) -> {
                String handler = pick(random, "not a name", "", "1abc", "a-b", "x.y.z", "main()");
                return set(request, "handler", handler, "handler '" + handler + "' is not a function name");
            }),
            parser("deleteAfterExecution not a flag", CUSTOM_CODE, (request, model, random) -> set(request,
                    "deleteAfterExecution", JSON.textNode("no"), "deleteAfterExecution must be true or false")),
            parser("reuse not a flag", CUSTOM_CODE, (request, model, random) -> set(request, "reuse",
                    JSON.numberNode(0), "reuse must be true or false")),
            parser("reuse and delete", CUSTOM_CODE, (request, model, random) -> {
                request.put("reuse", true);
                return set(request, "deleteAfterExecution", JSON.booleanNode(true), "reuse true keeps the function");
            }),
            parser("Event and delete", CUSTOM_CODE, (request, model, random) -> {
                request.remove("reuse");
                request.put("deleteAfterExecution", random.nextBoolean() ? "true" : null);
                return set(request, "invocationType", "Event", "invocationType Event returns before the function runs");
            }),
            parser("description too long", CUSTOM_CODE, (request, model, random) -> {
                int length = 257 + random.nextInt(100);
                return set(request, "description", "d".repeat(length), "description is " + length
                        + " characters; Lambda allows 256");
            }),
            parser("timeoutSeconds out of range", CUSTOM_CODE, (request, model, random) -> {
                int timeout = pick(random, 0, -1, 901, 3600, Integer.MAX_VALUE);
                // Digits in a string are read as a number too (up to nine of them).
                boolean asText = random.nextBoolean() && timeout >= 0 && timeout <= 999_999_999;
                return set(request, "timeoutSeconds", asText ? JSON.textNode(Integer.toString(timeout))
                        : JSON.numberNode(timeout), "timeoutSeconds must be from 1 to 900, was " + timeout);
            }),
            parser("timeoutSeconds not whole", CUSTOM_CODE, (request, model, random) -> set(request, "timeoutSeconds",
                    pick(random, JSON.numberNode(1.5), JSON.textNode("ten"), JSON.booleanNode(true), JSON.textNode("1e3"),
                            JSON.textNode("-5")), "timeoutSeconds must be a whole number from 1 to 900")),
            parser("memorySize out of range", CUSTOM_CODE, (request, model, random) -> {
                int memory = pick(random, 64, 127, 10241, 0);
                return set(request, "memorySize", JSON.numberNode(memory), "memorySize must be from 128 to 10240, was "
                        + memory);
            }),
            parser("memorySize not whole", CUSTOM_CODE, (request, model, random) -> set(request, "memorySize",
                    JSON.numberNode(128.5), "memorySize must be a whole number from 128 to 10240")),
            parser("tags not an object", CUSTOM_CODE, (request, model, random) -> set(request, "tags",
                    JSON.arrayNode().add("team=ops"), "tags must be an object of string values, was an array")),
            parser("tag value not a string", CUSTOM_CODE, (request, model, random) -> {
                ObjectNode tags = JSON.objectNode();
                tags.putObject("team");
                return set(request, "tags", tags, "tags.team must be a string, was an object");
            }),
            parser("tag key reserved or too long", CUSTOM_CODE, (request, model, random) -> {
                String key = pick(random, "aws:x", "AWS:team", "", "k".repeat(129));
                return set(request, "tags", JSON.objectNode().put(key, "1"), "tag key '" + key + "' must be 1-128");
            }),
            parser("tag value too long", CUSTOM_CODE, (request, model, random) -> set(request, "tags",
                    JSON.objectNode().put("team", "v".repeat(257)), "tag team has a value of 257 characters")),
            parser("too many tags", CUSTOM_CODE, (request, model, random) -> {
                ObjectNode tags = JSON.objectNode();
                int count = 46 + random.nextInt(10);
                for (int i = 0; i < count; i++) {
                    tags.put("t" + i, "v");
                }
                return set(request, "tags", tags, "tags has " + count + " entries; a step allows 45");
            }),
            parser("environment not an object", CUSTOM_CODE, (request, model, random) -> set(request, "environment",
                    JSON.textNode("A=1"), "environment must be an object of string values, was a string")),
            parser("environment name invalid", CUSTOM_CODE, (request, model, random) -> {
                String name = pick(random, "1BAD", "A-B", "", "_X", "A B");
                return set(request, "environment", JSON.objectNode().put(name, "x"),
                        "environment variable name '" + name + "' must start with a letter");
            }),
            parser("environment too large", CUSTOM_CODE, (request, model, random) -> set(request, "environment",
                    JSON.objectNode().put("BIG", "v".repeat(4087)), "environment is 4097 bytes as Lambda measures it")),

            // ---- refused by the runner before any call to Lambda, or by Lambda ----
            new Mutation("role off the allowlist", StepError.ROLE_NOT_ALLOWED, Stage.RUNNER, 1, CUSTOM_CODE,
                    (request, model, random) -> set(request, "roleArn", "arn:aws:iam::123456789012:role/admin",
                            "roleArn arn:aws:iam::123456789012:role/admin is not allowed")),
            new Mutation("the runner itself", StepError.RECURSION_REFUSED, Stage.RUNNER, 1, INVOKE,
                    (request, model, random) -> {
                        request.remove("qualifier");
                        String self = pick(random, "lambda-step-runner", "lambda-step-runner:live",
                                "arn:aws:lambda:us-east-1:123456789012:function:lambda-step-runner");
                        return set(request, "functionName", self, "is this step runner itself");
                    }),
            new Mutation("a function that does not exist", StepError.FUNCTION_NOT_FOUND, Stage.RUNNER, 1, INVOKE,
                    (request, model, random) -> {
                        request.remove("qualifier");
                        return set(request, "functionName", "no-such-function", "Function not found");
                    }));

    /** A reference to a variable the request does not define, in one field the step expands. */
    private static Changed unknownVariable(ObjectNode request, RequestModel model, Random random) {
        String group = pick(random, "option", "data", "job", "node");
        String reference = "${" + group + "." + UNKNOWN_KEY + "}";
        List<String> fields = new ArrayList<>(List.of("payload", "clientContext"));
        switch (model) {
            case RequestModel.Invoke invoke -> {
                fields.add("functionName");
                if (request.path("qualifier").isTextual()) {
                    fields.add("qualifier");
                }
            }
            case RequestModel.CustomCode step -> fields.addAll(List.of("code", "description", "roleArn", "tags",
                    "environment"));
        }
        String field = fields.get(random.nextInt(fields.size()));
        return switch (field) {
            case "payload" -> {
                JsonNode payload = request.get("payload");
                if (payload != null && payload.isObject()) {
                    ((ObjectNode) payload).put("zz", reference);
                    yield new Changed(request, reference + " in payload.zz");
                }
                yield set(request, "payload", JSON.arrayNode().add(reference), reference + " in payload[0]");
            }
            case "clientContext" -> {
                ObjectNode context = JSON.objectNode();
                context.putObject("custom").put("zz", reference);
                yield set(request, "clientContext", context, reference + " in clientContext.custom.zz");
            }
            case "tags", "environment" -> {
                String key = field.equals("tags") ? "zz" : "ZZ";
                JsonNode map = request.get(field);
                ObjectNode object = map != null && map.isObject() ? (ObjectNode) map : request.putObject(field);
                object.put(key, reference);
                yield new Changed(request, reference + " in " + field + "." + key);
            }
            default -> {
                // Written first, so that no $ before it can make it a literal.
                JsonNode value = request.get(field);
                String text = value != null && value.isTextual() ? value.textValue() : "";
                yield set(request, field, reference + text, reference + " in " + field);
            }
        };
    }

    /** One mutation that applies to the model, drawn by weight. */
    static Mutation draw(RequestModel model, Random random) {
        List<Mutation> applicable = ALL.stream().filter(m -> m.appliesTo().test(model)).toList();
        double total = applicable.stream().mapToDouble(Mutation::weight).sum();
        double at = random.nextDouble() * total;
        for (Mutation mutation : applicable) {
            at -= mutation.weight();
            if (at < 0) {
                return mutation;
            }
        }
        return applicable.get(applicable.size() - 1);
    }
}
