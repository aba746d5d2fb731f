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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * <p>Immutable and thread-safe.
 */
public final class DataVariables {

    /** Rundeck's context groups: a typo in any of these is an error even when the request defines none. */
    public static final Set<String> RUNDECK_GROUPS =
            Set.of("option", "data", "job", "node", "globals", "execution", "export", "secure");

    private static final Pattern REFERENCE = Pattern.compile("([A-Za-z_][A-Za-z0-9_-]*)\\.([^}\\s]+)");

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
     * Expands references in one text field.
     *
     * @param field the field's name, for the error message
     * @throws StepFailure {@code UnknownVariable} naming the reference and the keys its group has
     */
    public String expand(String text, String field) {
        if (text.indexOf("${") < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end > 0) {
                    Matcher reference = REFERENCE.matcher(text.substring(i + 2, end));
                    if (reference.matches() && isVariableGroup(reference.group(1))) {
                        out.append(lookup(reference.group(1), reference.group(2), field));
                        i = end + 1;
                        continue;
                    }
                }
            }
            out.append(text.charAt(i));
            i++;
        }
        return out.toString();
    }

    /** Expands references in every string value of a JSON value (object keys are left alone). */
    public JsonNode expand(JsonNode value, String field) {
        if (value.isTextual()) {
            return JsonNodeFactory.instance.textNode(expand(value.textValue(), field));
        }
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            value.fields().forEachRemaining(entry ->
                    copy.set(entry.getKey(), expand(entry.getValue(), field + "." + entry.getKey())));
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int index = 0; index < value.size(); index++) {
                copy.add(expand(value.get(index), field + "[" + index + "]"));
            }
            return copy;
        }
        return value;
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
        throw new StepFailure(StepError.UNKNOWN_VARIABLE, "${" + group + "." + key + "} in " + field
                + " is not defined: " + known + ". Add it to variables." + group + ", or write $${ for a literal ${");
    }

    private static String text(JsonNode value) {
        if (value.isNull()) {
            return "";
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static StepFailure invalid(String message) {
        return new StepFailure(StepError.INVALID_STEP_REQUEST, message);
    }
}
