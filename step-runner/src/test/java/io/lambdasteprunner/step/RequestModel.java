package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A valid step request as the generator means it, before it is written as JSON: the oracle that the
 * parser's {@link StepRequest} and the runner's context variables are compared with. Values are the ones
 * the step must use, variables already expanded; {@code null} is a field left out.
 *
 * <p>{@link #generate(Random)} draws one; {@link Writer} writes it the many ways a user may (field order,
 * JSON null for a left-out field, {@code "true"} for {@code true}, digits in a string for a number,
 * {@code Request} for {@code RequestResponse}, parts of text moved into {@code variables} and referenced,
 * {@code $${} for a literal {@code ${}).
 */
sealed interface RequestModel permits RequestModel.Invoke, RequestModel.CustomCode {

    JsonNodeFactory JSON = JsonNodeFactory.instance;
    String DEFAULT_ROLE = "arn:aws:iam::123456789012:role/step-default";
    String ALLOWED_ROLES = "arn:aws:iam::123456789012:role/runbook-";
    String RUNNER = "lambda-step-runner";

    Options options();

    /**
     * The options every invocation has.
     *
     * @param failsWith not part of the request: the function raises this error type when invoked ({@code null}: it
     *                  returns its event)
     */
    record Options(JsonNode payload, InvocationType invocationType, boolean requestAlias, ObjectNode clientContext,
                   LogType logType, Boolean failOnFunctionError, String failsWith) {

        InvocationType effectiveType() {
            return invocationType == null ? InvocationType.REQUEST_RESPONSE : invocationType;
        }
    }

    /**
     * @param functionName as the request gives it (name, partial or full ARN, maybe {@code :qualifier})
     * @param name         the function's bare name
     */
    record Invoke(String functionName, String name, String qualifier, Options options) implements RequestModel {
    }

    /**
     * @param handler      the handler as written ({@code null}: left out), maybe with the module and spaces
     * @param functionName the handler function's bare name
     */
    record CustomCode(String runtime, String fileName, String module, String handler, String functionName,
                      String code, String roleArn, Boolean deleteAfterExecution, Boolean reuse, String description,
                      Map<String, String> tags, Integer timeoutSeconds, Integer memorySize,
                      Map<String, String> environment, Options options) implements RequestModel {

        boolean deletes() {
            return deleteAfterExecution != null ? deleteAfterExecution : !Boolean.TRUE.equals(reuse);
        }
    }

    // ---- the oracle ---------------------------------------------------------------------------------

    /** The request the parser must return for this model. */
    static StepRequest expected(RequestModel model) {
        Options o = model.options();
        StepRequest.InvokeOptions options = new StepRequest.InvokeOptions(
                o.payload() == null ? JSON.objectNode() : o.payload(), o.effectiveType(), o.clientContext(),
                o.logType() == null ? LogType.TAIL : o.logType(), Boolean.TRUE.equals(o.failOnFunctionError()));
        return switch (model) {
            case Invoke invoke -> new StepRequest.Invoke(invoke.functionName(), invoke.qualifier(), options);
            case CustomCode step -> new StepRequest.CustomCode(step.runtime(),
                    new FunctionSource(step.fileName(), step.module() + "." + step.functionName(), step.code()),
                    step.roleArn(), step.deletes(), step.description(),
                    step.tags() == null ? Map.of() : step.tags(), step.timeoutSeconds(), step.memorySize(),
                    step.environment() == null ? Map.of() : step.environment(), options,
                    Boolean.TRUE.equals(step.reuse()));
        };
    }

    // ---- generating ---------------------------------------------------------------------------------

    String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    /** Pieces of text a runbook's code or description may hold, references of other languages included. */
    List<String> TEXT = List.of("a", "Z", " ", "\n", "\t", "0", "-", ".", ":", "/", "'", "\"", "\\", "{", "}", "$",
            "$$", "${", "$${", "${event.name}", "${HOME}", "${ x }", "${option.env}", "${data.ticket}", "${job.name}",
            "${ticket.id}", "${option.}", "${.x}", "${}", "é", "\u00a0", "\uD83D\uDCA5", "#{x}", "`${a}`",
            "print('hi')", "return event", "=>");

    static RequestModel generate(Random random) {
        return random.nextInt(5) < 2 ? invoke(random) : customCode(random);
    }

    private static Invoke invoke(Random random) {
        String name;
        do {
            name = word(random, 1 + random.nextInt(random.nextInt(8) == 0 ? 64 : 20), NAME_CHARS);
        } while (name.equals(RUNNER) || name.matches("\\d{12}") || name.equals("function"));
        String given = switch (random.nextInt(4)) {
            case 0 -> "123456789012:function:" + name;
            case 1 -> "arn:aws:lambda:" + pick(random, "us-east-1", "eu-west-1", "us-gov-west-1") + ":123456789012:function:"
                    + name;
            default -> name;
        };
        String qualifier = random.nextInt(3) == 0 ? qualifier(random) : null;
        if (qualifier != null && random.nextBoolean()) {
            given += ":" + qualifier;
            qualifier = random.nextBoolean() ? qualifier : null;
        }
        return new Invoke(given, name, qualifier, options(random, true));
    }

    private static String qualifier(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> "$LATEST";
            case 1 -> Integer.toString(1 + random.nextInt(200));
            default -> word(random, 1 + random.nextInt(12), NAME_CHARS);
        };
    }

    private static CustomCode customCode(Random random) {
        String family = pick(random, "python", "nodejs", "ruby");
        // The runtimes Lambda takes for new functions today, from the facts the runner shares.
        List<String> runtimes = LambdaRuntimes.INTERPRETED.stream().filter(name -> name.startsWith(family)).toList();
        String runtime = runtimes.get(random.nextInt(runtimes.size()));
        String module = family.equals("nodejs") ? "index" : "lambda_function";
        boolean esModule = family.equals("nodejs") && random.nextBoolean();
        String fileName = switch (family) {
            case "python" -> "lambda_function.py";
            case "ruby" -> "lambda_function.rb";
            default -> esModule ? "index.mjs" : "index.js";
        };
        String functionName;
        String handler;
        if (random.nextInt(3) == 0) {
            functionName = family.equals("nodejs") ? "handler" : "lambda_handler";
            handler = null;
        } else {
            functionName = switch (family) {
                case "python" -> word(random, 1, "abcxyz_ABC") + word(random, random.nextInt(12), "abcxyz_ABC019");
                case "nodejs" -> word(random, 1, "abcxyz_$ABC") + word(random, random.nextInt(12), "abcxyz_$ABC019");
                default -> (random.nextInt(3) == 0 ? "Runbook::Step." : "") + word(random, 1, "abcxyz_")
                        + word(random, random.nextInt(10), "abcxyzABC_019") + (random.nextInt(4) == 0 ? "?" : "");
            };
            handler = (random.nextBoolean() ? module + "." : "") + functionName;
            if (random.nextInt(6) == 0) {
                handler = " " + handler + "\t";
            }
        }
        String code = code(random, family, esModule, functionName);
        String roleArn = switch (random.nextInt(4)) {
            case 0 -> DEFAULT_ROLE;
            case 1 -> ALLOWED_ROLES + word(random, 1 + random.nextInt(10), NAME_CHARS);
            default -> null;
        };
        Boolean reuse = random.nextInt(5) == 0 ? Boolean.TRUE : random.nextInt(4) == 0 ? Boolean.FALSE : null;
        Boolean delete;
        if (Boolean.TRUE.equals(reuse)) {
            delete = random.nextBoolean() ? Boolean.FALSE : null;
        } else {
            delete = random.nextInt(3) == 0 ? Boolean.valueOf(random.nextBoolean()) : null;
        }
        boolean deletes = delete != null ? delete : !Boolean.TRUE.equals(reuse);
        String description = random.nextInt(3) == 0 ? text(random, 1 + random.nextInt(random.nextInt(5) == 0 ? 256 : 40))
                : null;
        if (description != null && description.length() > 256) {
            description = description.substring(0, 256);
        }
        Map<String, String> tags = random.nextInt(3) == 0 ? map(random, "tag", 6) : null;
        Map<String, String> environment = random.nextInt(3) == 0 ? map(random, "ENV", 6) : null;
        Integer timeout = random.nextInt(3) == 0 ? pickInt(random, 1, 3, 30, 900, 1 + random.nextInt(900)) : null;
        Integer memory = random.nextInt(3) == 0 ? pickInt(random, 128, 256, 10240, 128 + random.nextInt(10113)) : null;
        Options options = options(random, !deletes);
        return new CustomCode(runtime, fileName, module, handler, functionName, code, roleArn, delete, reuse,
                description, tags, timeout, memory, environment, options);
    }

    private static String code(Random random, String family, boolean esModule, String functionName) {
        String comment = family.equals("nodejs") ? "// " : "# ";
        String body = switch (family) {
            case "python" -> "def " + functionName + "(event, context):\n    return event\n";
            case "ruby" -> "def " + functionName.replaceAll("^.*\\.", "") + "(event:, context:)\n  event\nend\n";
            default -> esModule ? "export const " + functionName + " = async (event) => event;\n"
                    : "exports." + functionName + " = async (event) => event;\n";
        };
        StringBuilder code = new StringBuilder(body);
        int lines = random.nextInt(4);
        for (int i = 0; i < lines; i++) {
            code.append(comment).append(text(random, random.nextInt(30)).replace('\n', ' ')).append('\n');
        }
        return code.toString();
    }

    /** Options; {@code Event} only when the function outlives the step (or is not created). */
    private static Options options(Random random, boolean eventAllowed) {
        JsonNode payload = random.nextInt(4) == 0 ? null : value(random, 3);
        InvocationType type = switch (random.nextInt(eventAllowed ? 6 : 4)) {
            case 0 -> InvocationType.REQUEST_RESPONSE;
            case 1 -> InvocationType.DRY_RUN;
            case 4, 5 -> InvocationType.EVENT;
            default -> null;
        };
        boolean alias = type == InvocationType.REQUEST_RESPONSE && random.nextBoolean();
        ObjectNode context = null;
        if (random.nextInt(4) == 0) {
            context = JSON.objectNode();
            if (random.nextInt(4) > 0) {
                ObjectNode custom = context.putObject("custom");
                int entries = random.nextInt(4);
                for (int i = 0; i < entries; i++) {
                    custom.put("k" + i, text(random, random.nextInt(20)));
                }
            }
            if (random.nextInt(3) == 0) {
                context.putObject("env").put("locale", text(random, 5));
            }
        }
        LogType logType = switch (random.nextInt(4)) {
            case 0 -> LogType.TAIL;
            case 1 -> LogType.NONE;
            default -> null;
        };
        Boolean failOnError = random.nextInt(3) == 0 ? Boolean.valueOf(random.nextBoolean()) : null;
        String failsWith = random.nextInt(4) == 0 ? pick(random, "ValueError", "Runtime.ExitError", "TypeError") : null;
        return new Options(payload, type, alias, context, logType, failOnError, failsWith);
    }

    /** Any JSON value, with numbers that read back as the same node type. */
    static JsonNode value(Random random, int depth) {
        switch (random.nextInt(depth > 0 ? 9 : 6)) {
            case 0, 1:
                return JSON.textNode(text(random, random.nextInt(25)));
            case 2:
                return JSON.numberNode(random.nextInt(2001) - 1000);
            case 3:
                return random.nextBoolean() ? JSON.numberNode(random.nextInt(1000) / 8.0)
                        : JSON.numberNode(Long.MAX_VALUE - random.nextInt(1000));
            case 4:
                return JSON.booleanNode(random.nextBoolean());
            case 5:
                return JSON.nullNode();
            case 6, 7: {
                ObjectNode object = JSON.objectNode();
                int fields = random.nextInt(5);
                for (int i = 0; i < fields; i++) {
                    object.set(random.nextInt(4) == 0 ? text(random, 4) : "f" + i, value(random, depth - 1));
                }
                return object;
            }
            default: {
                ArrayNode array = JSON.arrayNode();
                int items = random.nextInt(4);
                for (int i = 0; i < items; i++) {
                    array.add(value(random, depth - 1));
                }
                return array;
            }
        }
    }

    /** Text of about {@code pieces} pieces: letters, white space, and everything that looks like a reference. */
    static String text(Random random, int pieces) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            text.append(random.nextInt(3) == 0 ? pick(random, TEXT.toArray(String[]::new))
                    : String.valueOf((char) ('a' + random.nextInt(26))));
        }
        return text.toString();
    }

    private static Map<String, String> map(Random random, String keyPrefix, int max) {
        Map<String, String> map = new LinkedHashMap<>();
        int entries = random.nextInt(max + 1);
        for (int i = 0; i < entries; i++) {
            map.put(keyPrefix + i + word(random, random.nextInt(5), "abcXYZ_09"), text(random, random.nextInt(12)));
        }
        return map;
    }

    static String word(Random random, int length, String alphabet) {
        StringBuilder word = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            word.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return word.toString();
    }

    @SafeVarargs
    static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static Integer pickInt(Random random, int... choices) {
        return choices[random.nextInt(choices.length)];
    }

    // ---- writing ------------------------------------------------------------------------------------

    /**
     * Writes one model as a user might. Text fields that the step expands are written so that they expand
     * to the model's value: literally with {@code ${} escaped where it would be read as a reference, or with
     * a part of the value moved into {@code variables}.
     */
    final class Writer {
        private final Random random;
        private final Map<String, Map<String, String>> variables = new LinkedHashMap<>();
        private final ObjectNode variablesJson = JSON.objectNode();
        private int keys;

        Writer(Random random) {
            this.random = random;
            // A group the request defines itself, known from the start so that what it makes a reference
            // does not change while fields are written.
            if (random.nextInt(3) == 0) {
                define("ticket", "id", "INC-" + random.nextInt(10000));
            }
        }

        ObjectNode write(RequestModel model) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            switch (model) {
                case Invoke invoke -> {
                    fields.add(Map.entry("action", JSON.textNode("invoke")));
                    fields.add(Map.entry("functionName", JSON.textNode(expandable(invoke.functionName()))));
                    optional(fields, "qualifier", invoke.qualifier() == null ? null : JSON.textNode(expandable(invoke.qualifier())));
                }
                case CustomCode step -> {
                    fields.add(Map.entry("action", JSON.textNode("customCode")));
                    fields.add(Map.entry("runtime", JSON.textNode(step.runtime())));
                    fields.add(Map.entry("code", JSON.textNode(expandable(step.code()))));
                    optional(fields, "handler", step.handler() == null ? null : JSON.textNode(step.handler()));
                    optional(fields, "roleArn", step.roleArn() == null ? null : JSON.textNode(expandable(step.roleArn())));
                    optional(fields, "reuse", flag(step.reuse()));
                    optional(fields, "deleteAfterExecution", flag(step.deleteAfterExecution()));
                    optional(fields, "description", step.description() == null ? null : JSON.textNode(expandable(step.description())));
                    optional(fields, "tags", stringMap(step.tags()));
                    optional(fields, "environment", stringMap(step.environment()));
                    optional(fields, "timeoutSeconds", number(step.timeoutSeconds()));
                    optional(fields, "memorySize", number(step.memorySize()));
                }
            }
            Options o = model.options();
            if (o.payload() != null) {
                fields.add(Map.entry("payload", expandable(o.payload())));
            }
            optional(fields, "invocationType", o.invocationType() == null ? null
                    : JSON.textNode(o.requestAlias() ? "Request" : o.invocationType().wireName()));
            optional(fields, "clientContext", o.clientContext() == null ? null : expandable(o.clientContext()));
            optional(fields, "logType", o.logType() == null ? null : JSON.textNode(o.logType().wireName()));
            optional(fields, "failOnFunctionError", flag(o.failOnFunctionError()));
            if (!variables.isEmpty() || random.nextInt(10) == 0) {
                fields.add(Map.entry("variables", variablesJson));
            }
            Collections.shuffle(fields, random);
            ObjectNode request = JSON.objectNode();
            fields.forEach(field -> request.set(field.getKey(), field.getValue()));
            return request;
        }

        /** What the request's {@code variables} define, group to key to value. */
        Map<String, Map<String, String>> variables() {
            return variables;
        }

        /** Left out, or written as JSON null: the same to the parser. */
        private void optional(List<Map.Entry<String, JsonNode>> fields, String name, JsonNode value) {
            if (value != null) {
                fields.add(Map.entry(name, value));
            } else if (random.nextInt(8) == 0) {
                fields.add(Map.entry(name, JSON.nullNode()));
            }
        }

        private JsonNode flag(Boolean value) {
            if (value == null) {
                return null;
            }
            return random.nextBoolean() ? JSON.booleanNode(value) : JSON.textNode(value.toString());
        }

        private JsonNode number(Integer value) {
            if (value == null) {
                return null;
            }
            return random.nextBoolean() ? JSON.numberNode(value) : JSON.textNode(value.toString());
        }

        private JsonNode stringMap(Map<String, String> map) {
            if (map == null) {
                return null;
            }
            ObjectNode object = JSON.objectNode();
            map.forEach((key, value) -> object.put(key, expandable(value)));
            return object;
        }

        /** A JSON value whose string values (not keys) expand to the model's. */
        private JsonNode expandable(JsonNode value) {
            if (value.isTextual()) {
                return JSON.textNode(expandable(value.textValue()));
            }
            if (value.isObject()) {
                ObjectNode copy = JSON.objectNode();
                value.fields().forEachRemaining(entry -> copy.set(entry.getKey(), expandable(entry.getValue())));
                return copy;
            }
            if (value.isArray()) {
                ArrayNode copy = JSON.arrayNode();
                value.forEach(item -> copy.add(expandable(item)));
                return copy;
            }
            return value;
        }

        /** Text that expands to {@code value}. */
        String expandable(String value) {
            int how = random.nextInt(4);
            if (how == 0 && !value.isEmpty()) {
                // Part of the value in a variable: escaped text, ${group.key}, escaped text.
                int from = random.nextInt(value.length());
                int to = from + random.nextInt(value.length() - from + 1);
                String before = value.substring(0, from);
                if (!before.endsWith("$")) {
                    String group = pick(random, "option", "data", "job", "ticket");
                    if (group.equals("ticket") && !variables.containsKey("ticket")) {
                        group = "option";
                    }
                    String key = "k" + keys++ + (random.nextInt(4) == 0 ? ".part" : "");
                    define(group, key, value.substring(from, to));
                    return ReferenceExpansion.escape(before) + "${" + group + "." + key + "}"
                            + ReferenceExpansion.escape(value.substring(to));
                }
            }
            if (how == 1 && value.contains("${")) {
                // Escape only the ${ that would be read as a reference, as a careful user does.
                String[] parts = value.split("\\$\\{", -1);
                StringBuilder text = new StringBuilder(parts[0]);
                for (int i = 1; i < parts.length; i++) {
                    text.append(random.nextBoolean() ? "${" : "$${").append(parts[i]);
                }
                try {
                    if (ReferenceExpansion.expand(text.toString(), variables, "x").equals(value)) {
                        return text.toString();
                    }
                } catch (ReferenceExpansion.Unknown wouldBeUnknown) {
                    // fall through to escaping every ${
                }
            }
            return ReferenceExpansion.escape(value);
        }

        private void define(String group, String key, String value) {
            variables.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(key, value);
            ObjectNode groupJson = variablesJson.has(group) ? (ObjectNode) variablesJson.get(group)
                    : variablesJson.putObject(group);
            // Rundeck sends option values as strings; numbers, booleans and null are read as their text.
            if (value.matches("-?[1-9]\\d{0,8}") && random.nextBoolean()) {
                groupJson.put(key, Integer.parseInt(value));
            } else if ((value.equals("true") || value.equals("false")) && random.nextBoolean()) {
                groupJson.put(key, Boolean.parseBoolean(value));
            } else if (value.isEmpty() && random.nextBoolean()) {
                groupJson.putNull(key);
            } else {
                groupJson.put(key, value);
            }
        }
    }
}
