package io.lambdasteprunner.step;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oracle for data variables: the rule the README documents, written plainly and apart from
 * {@link DataVariables}, for the generated-input tests to compare against.
 *
 * <p>The rule: read the text once, left to right. {@code $${} is a literal {@code ${}. {@code ${g.k}}
 * whose {@code g} is a name (a letter or {@code _}, then letters, digits, {@code _} or {@code -}), whose
 * {@code k} is non-empty without white space, and whose group is one the request defines or one of
 * Rundeck's eight, is the value of {@code variables.g.k}, and an unknown variable when there is none.
 * Everything else is itself; a value is never read again for references.
 */
final class ReferenceExpansion {

    static final Set<String> RUNDECK_GROUPS =
            Set.of("option", "data", "job", "node", "globals", "execution", "export", "secure");

    /** {@code $${}, or {@code ${} up to the first {@code }}: the only two things that can change text. */
    private static final Pattern TOKEN = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");

    /** An unknown variable, as the oracle names it: {@code ${g.k} in field}. */
    static final class Unknown extends RuntimeException {
        final String reference;

        Unknown(String reference, String field) {
            super(reference + " in " + field);
            this.reference = reference;
        }
    }

    private ReferenceExpansion() {
    }

    static String expand(String text, Map<String, Map<String, String>> variables, String field) {
        StringBuilder out = new StringBuilder();
        Matcher token = TOKEN.matcher(text);
        int at = 0;
        while (token.find(at)) {
            out.append(text, at, token.start());
            if (token.group().equals("$${")) {
                out.append("${");
                at = token.end();
                continue;
            }
            String inside = token.group(1);
            int dot = inside.indexOf('.');
            String group = dot < 0 ? "" : inside.substring(0, dot);
            String key = dot < 0 ? "" : inside.substring(dot + 1);
            boolean isReference = isName(group) && !key.isEmpty() && !hasWhiteSpace(key)
                    && (variables.containsKey(group) || RUNDECK_GROUPS.contains(group));
            if (!isReference) {
                // Not a reference: the "$" is itself, and reading goes on right after it.
                out.append('$');
                at = token.start() + 1;
                continue;
            }
            String value = variables.getOrDefault(group, Map.of()).get(key);
            if (value == null) {
                throw new Unknown("${" + inside + "}", field);
            }
            out.append(value);
            at = token.end();
        }
        out.append(text, at, text.length());
        return out.toString();
    }

    /** The text that {@link #expand} turns into {@code value}: every {@code ${} written as {@code $${}. */
    static String escape(String value) {
        return value.replace("${", "$${");
    }

    private static boolean isName(String group) {
        if (group.isEmpty() || !(isAsciiLetter(group.charAt(0)) || group.charAt(0) == '_')) {
            return false;
        }
        for (char c : group.toCharArray()) {
            if (!(isAsciiLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean hasWhiteSpace(String key) {
        for (char c : key.toCharArray()) {
            if (" \t\n\u000B\f\r".indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }
}
