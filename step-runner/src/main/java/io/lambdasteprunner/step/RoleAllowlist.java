package io.lambdasteprunner.step;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A deployment's list of IAM roles ({@code ALLOWED_EXECUTION_ROLE_ARNS}, {@code ALLOWED_ASSUME_ROLE_ARNS}):
 * exact role ARNs, or prefixes ending in {@code *}. Entries are checked once, at start-up; an entry that would
 * allow every role of an account is refused there.
 *
 * <p>A wildcard entry covers roles of one given account only (the runner's own, or the account a step acts
 * in): a role of another account matches only when named in full, so a prefix never hands out roles across
 * accounts.
 *
 * @param variable the environment variable the entries came from, for messages
 * @param entries  the entries, trimmed
 */
public record RoleAllowlist(String variable, List<String> entries) {

    /** A role ARN, optionally ending in {@code *}. */
    private static final Pattern ENTRY = Pattern.compile("arn:aws[a-zA-Z-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+\\*?");

    /**
     * @throws IllegalArgumentException naming {@code variable} and the entry that is malformed or allows every role
     */
    public RoleAllowlist {
        entries = List.copyOf(entries);
        for (String allowed : entries) {
            if (!ENTRY.matcher(allowed).matches()) {
                throw new IllegalArgumentException(variable + " entries must be IAM role ARNs, "
                        + "optionally ending in *, was '" + allowed + "'");
            }
            if (allowed.endsWith(":role/*") || allowed.endsWith(":role*")) {
                // Every role in the account would do: a step could act with any of their rights.
                throw new IllegalArgumentException(variable + " may not allow every role ('" + allowed
                        + "'); name the roles, or a path or name prefix before the *");
            }
        }
    }

    /** How a role fared against the list. */
    public enum Match {
        /** Named in full, or matched by a wildcard entry of the given account. */
        ALLOWED,
        /** Only a wildcard entry matched, and the role is of another account (or the account is unknown). */
        WILDCARD_OF_ANOTHER_ACCOUNT,
        /** No entry matched. */
        NOT_LISTED
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Whether {@code role} is on the list.
     *
     * @param roleAccount the 12-digit account of {@code role}
     * @param ownAccount  the account wildcard entries cover, when known (unknown: wildcards match nothing)
     */
    public Match match(String role, String roleAccount, Optional<String> ownAccount) {
        if (entries.contains(role)) {
            return Match.ALLOWED;
        }
        boolean prefixMatches = false;
        for (String allowed : entries) {
            if (allowed.endsWith("*") && role.startsWith(allowed.substring(0, allowed.length() - 1))) {
                prefixMatches = true;
                if (ownAccount.isPresent() && ownAccount.get().equals(roleAccount)) {
                    return Match.ALLOWED;
                }
            }
        }
        return prefixMatches ? Match.WILDCARD_OF_ANOTHER_ACCOUNT : Match.NOT_LISTED;
    }
}
