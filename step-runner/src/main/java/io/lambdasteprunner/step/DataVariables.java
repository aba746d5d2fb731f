package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rundeck-style data variables: {@code ${option.env}}, {@code ${data.x}}, {@code ${job.name}} ...
 *
 * <p>A reference is {@code ${group.key}}. It is replaced by the value from the request's
 * {@code variables} object; {@code $${} is a literal {@code ${}. A reference to a missing key, in a
 * group the request defines or in one of Rundeck's own groups ({@link #RUNDECK_GROUPS}), is an
 * {@code UnknownVariable} error. Anything else that merely looks like a reference &mdash; a Node.js
 * template literal such as {@code ${event.name}}, or {@code ${HOME}} in a shell line &mdash; is left
 * as written, so code in the step's languages needs no escaping unless it collides with a group.
 *
 * <p>Expansion is one pass over the text with a bound on its output ({@link Limit}): a request that
 * repeats a large variable, or {@code ${} without {@code }}, costs time linear in its own size and
 * fails with the field's size error rather than exhausting memory.
 *
 * <p>Immutable and thread-safe.
 */
public final class DataVariables {

    /** Rundeck's context groups: a typo in any of these is an error even when the request defines none. */
    public static final Set<String> RUNDECK_GROUPS =
            Set.of("option", "data", "job", "node", "globals", "execution", "export", "secure");

    /** Unknown keys are quoted in messages up to this length. */
    private static final int MAX_SHOWN_KEY = 100;

    private static final DataVariables NONE = new DataVariables(Map.of());

    private final Map<String, Map<String, String>> groups;

    private DataVariables(Map<String, Map<String, String>> groups) {
        this.groups = groups;
    }

    public static DataVariables none() {
        return NONE;
    }

    /**
     * Reads the request's {@code variables}: an object of groups, each an object of scalar values
     * (objects and arrays are used as their JSON text).
     */
    public static DataVariables from(JsonNode variables) {
        if (variables == null || variables.isNull() || variables.isMissingNode()) {
            return NONE;
        }
        if (!variables.isObject()) {
            throw invalid("variables must be an object of groups, e.g. {\"option\": {\"env\": \"prod\"}}");
        }
        Map<String, Map<String, String>> groups = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = variables.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> group = it.next();
            if (!group.getValue().isObject()) {
                throw invalid("variables." + group.getKey() + " must be an object of name/value pairs");
            }
            Map<String, String> values = new LinkedHashMap<>();
            group.getValue().fields().forEachRemaining(entry -> values.put(entry.getKey(), text(entry.getValue())));
            groups.put(group.getKey(), Map.copyOf(values));
        }
        return new DataVariables(Map.copyOf(groups));
    }

    /**
     * Expands references in one short field (a name, ARN, qualifier, tag or environment value), bounded by
     * {@link Limit#SHORT_FIELD}.
     *
     * @param field the field's name, for the error message
     * @throws StepFailure {@code UnknownVariable} naming the reference and the keys its group has
     */
    public String expand(String text, String field) {
        return expand(text, field, Limit.SHORT_FIELD);
    }

    /**
     * Expands references in one text field, in one pass over {@code text}: the work is linear in the
     * text's length and the output never grows past {@code limit}, whatever the request repeats.
     *
     * @param field the field's name, for the error message
     * @throws StepFailure {@code UnknownVariable} naming the reference and the keys its group has, or
     *                     {@code limit}'s error as soon as the expanded text would pass it
     */
    public String expand(String text, String field, Limit limit) {
        return expand(text, field, new Budget(limit, field));
    }

    /** {@link #expand(JsonNode, String, Limit)} bounded by Lambda's synchronous payload limit. */
    public JsonNode expand(JsonNode value, String field) {
        return expand(value, field, Limit.PAYLOAD);
    }

    /**
     * Expands references in every string value of a JSON value (object keys are left alone), with one
     * budget for all its strings together.
     *
     * @throws StepFailure {@code UnknownVariable}, or {@code limit}'s error as soon as the strings' expanded
     *                     characters together would pass it
     */
    public JsonNode expand(JsonNode value, String field, Limit limit) {
        return expand(value, field, new Budget(limit, field));
    }

    private String expand(String text, String field, Budget budget) {
        if (text.indexOf("${") < 0) {
            // Nothing grows: the field's own size check reports its size more precisely than the budget would.
            budget.count(text.length());
            return text;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), budget.limit.maxChars()));
        int length = text.length();
        // Where the reference that starts before it would have to end: the next '}' or whitespace at or
        // after the scan position. Positions only grow, so all scans together read the text once.
        int stop = -1;
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                append(out, "${", budget, field);
                i += 3;
                continue;
            }
            if (c == '$' && text.startsWith("${", i)) {
                int groupStart = i + 2;
                int groupEnd = groupStart;
                while (groupEnd < length && isGroupChar(text.charAt(groupEnd))) {
                    groupEnd++;
                }
                if (groupEnd > groupStart && isLetterOrUnderscore(text.charAt(groupStart))
                        && groupEnd + 1 < length && text.charAt(groupEnd) == '.') {
                    if (stop < groupEnd + 1) {
                        stop = groupEnd + 1;
                        while (stop < length && text.charAt(stop) != '}' && !Character.isWhitespace(text.charAt(stop))) {
                            stop++;
                        }
                    }
                    if (stop < length && text.charAt(stop) == '}' && stop > groupEnd + 1) {
                        String group = text.substring(groupStart, groupEnd);
                        if (isVariableGroup(group)) {
                            append(out, lookup(group, text.substring(groupEnd + 1, stop), field), budget, field);
                            i = stop + 1;
                            continue;
                        }
                    }
                }
            }
            out.append(c);
            budget.spend(1, field);
            i++;
        }
        return out.toString();
    }

    private JsonNode expand(JsonNode value, String field, Budget budget) {
        if (value.isTextual()) {
            return JsonNodeFactory.instance.textNode(expand(value.textValue(), field, budget));
        }
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            value.fields().forEachRemaining(entry ->
                    copy.set(entry.getKey(), expand(entry.getValue(), field + "." + entry.getKey(), budget)));
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int index = 0; index < value.size(); index++) {
                copy.add(expand(value.get(index), field + "[" + index + "]", budget));
            }
            return copy;
        }
        return value;
    }

    private static void append(StringBuilder out, String text, Budget budget, String field) {
        budget.spend(text.length(), field);
        out.append(text);
    }

    private static boolean isGroupChar(char c) {
        return isLetterOrUnderscore(c) || (c >= '0' && c <= '9') || c == '-';
    }

    private static boolean isLetterOrUnderscore(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    private boolean isVariableGroup(String group) {
        return groups.containsKey(group) || RUNDECK_GROUPS.contains(group);
    }

    private String lookup(String group, String key, String field) {
        Map<String, String> values = groups.getOrDefault(group, Map.of());
        String value = values.get(key);
        if (value != null) {
            return value;
        }
        String known = values.isEmpty() ? "the request defines no variables." + group
                : "variables." + group + " has " + String.join(", ", new TreeSet<>(values.keySet()));
        String shown = key.length() > MAX_SHOWN_KEY ? key.substring(0, MAX_SHOWN_KEY) + "..." : key;
        throw new StepFailure(StepError.UNKNOWN_VARIABLE, "${" + group + "." + shown + "} in " + field
                + " is not defined: " + known + ". Add it to variables." + group + ", or write $${ for a literal ${");
    }

    private static String text(JsonNode value) {
        if (value.isNull()) {
            return "";
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /**
     * How far one field may grow by expansion, and the named error past it. Counted in characters,
     * which never exceed the UTF-8 bytes the field's own size check measures afterwards.
     *
     * @param maxChars the most characters the expanded field (all strings of a JSON field together) may have
     * @param error    the error when it would have more
     * @param rule     what the caller is told the limit is, e.g. "Lambda accepts 6291456 bytes"
     */
    public record Limit(int maxChars, StepError error, String rule) {

        /** Names, ARNs, qualifiers, tags, environment values, client context: none comes near 4096 characters. */
        public static final Limit SHORT_FIELD = new Limit(4096, StepError.INVALID_STEP_REQUEST,
                "no name, ARN, tag, environment value or client context needs more than 4096");

        /** Lambda's synchronous payload limit. */
        public static final Limit PAYLOAD = new Limit(io.lambdasteprunner.facts.LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES,
                StepError.PAYLOAD_TOO_LARGE, "Lambda accepts " + io.lambdasteprunner.facts.LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES
                + " bytes for invocationType RequestResponse");

        public Limit {
            if (maxChars < 0) {
                throw new IllegalArgumentException("maxChars must not be negative");
            }
        }
    }

    /** The characters one field has left; shared by all strings of a JSON field. */
    private static final class Budget {
        private final Limit limit;
        private final String field;
        private long used;

        Budget(Limit limit, String field) {
            this.limit = limit;
            this.field = field;
        }

        void count(int chars) {
            used += chars;
        }

        /** @param where the string being expanded, when a JSON field has many */
        void spend(int chars, String where) {
            used += chars;
            if (used > limit.maxChars()) {
                throw new StepFailure(limit.error(), field + (where.equals(field) ? "" : " (at " + where + ")")
                        + " would be more than " + limit.maxChars()
                        + " characters with its variables expanded; " + limit.rule()
                        + ". Check how often it references large variables");
            }
        }
    }

    private static StepFailure invalid(String message) {
        return new StepFailure(StepError.INVALID_STEP_REQUEST, message);
    }
}
