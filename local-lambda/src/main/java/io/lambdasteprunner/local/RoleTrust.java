package io.lambdasteprunner.local;

import java.util.Map;
import java.util.Set;

/**
 * What the local STS plays of IAM's trust policies, which it does not have: by default any role may
 * be assumed by anyone; a role listed here asks for an external id, or refuses every caller, as a
 * trust policy would. Lets tests and local runs see AssumeRole's {@code AccessDenied}.
 *
 * @param externalIds role ARN → the external id its trust policy requires ({@code sts:ExternalId})
 * @param refused     role ARNs whose trust policy names no caller the local service plays
 */
public record RoleTrust(Map<String, String> externalIds, Set<String> refused) {

    /** Any role may be assumed, with or without an external id. */
    public static final RoleTrust ANYONE = new RoleTrust(Map.of(), Set.of());

    public RoleTrust {
        externalIds = Map.copyOf(externalIds);
        refused = Set.copyOf(refused);
    }
}
