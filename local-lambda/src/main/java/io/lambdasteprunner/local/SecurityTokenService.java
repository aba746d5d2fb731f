package io.lambdasteprunner.local;

import io.lambdasteprunner.local.AccessKeys.IssuedCredentials;
import io.lambdasteprunner.local.AccessKeys.RoleArn;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * AWS STS's {@code AssumeRole} and {@code GetCallerIdentity} in STS's query protocol (form-encoded
 * request, XML answer), on the local service's own endpoint ({@code AWS_ENDPOINT_URL_STS}), so a step
 * that acts in another account runs offline. Credentials it hands out belong to the role's account
 * ({@link AccessKeys}).
 *
 * <p>There is no IAM here: any role may be assumed unless {@link RoleTrust} says otherwise, which lets
 * tests play a trust policy that asks for an external id or refuses the caller. Thread-safe.
 */
final class SecurityTokenService {

    static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]*");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]*");
    private static final Duration DEFAULT_DURATION = Duration.ofHours(1);

    private final AccessKeys keys;
    private final Clock clock;
    private volatile RoleTrust trust;

    /** What the service answers: an HTTP status and an XML body. */
    record Answer(int status, String xml) {
    }

    SecurityTokenService(AccessKeys keys, RoleTrust trust, Clock clock) {
        this.keys = keys;
        this.trust = trust;
        this.clock = clock;
    }

    /** Replaces the trust policies played from now on. */
    void trust(RoleTrust newTrust) {
        this.trust = newTrust;
    }

    /**
     * Answers one request.
     *
     * @param form            the decoded form fields ({@code Action}, {@code Version}, ...)
     * @param callerAccessKey the access key id from the request's SigV4 credential, or null
     */
    Answer handle(Map<String, String> form, String callerAccessKey) {
        String action = form.getOrDefault("Action", "");
        return switch (action) {
            case "AssumeRole" -> assumeRole(form, callerAccessKey);
            case "GetCallerIdentity" -> callerIdentity(callerAccessKey);
            default -> error(400, "InvalidAction", "Could not find operation " + action + " for version "
                    + form.getOrDefault("Version", "NO_VERSION_SPECIFIED")
                    + ". The local service answers STS's AssumeRole and GetCallerIdentity.");
        };
    }

    private Answer assumeRole(Map<String, String> form, String callerAccessKey) {
        String roleArn = form.get("RoleArn");
        String sessionName = form.get("RoleSessionName");
        String externalId = form.get("ExternalId");
        Optional<String> invalid = firstProblem(roleArn, sessionName, externalId, form.get("DurationSeconds"));
        if (invalid.isPresent()) {
            return error(400, "ValidationError", invalid.get());
        }
        Optional<RoleArn> role = RoleArn.parse(roleArn);
        if (role.isEmpty()) {
            return error(400, "ValidationError", roleArn + " is invalid");
        }
        String required = trust.externalIds().get(roleArn);
        if (trust.refused().contains(roleArn) || (required != null && !required.equals(externalId))) {
            return error(403, "AccessDenied", "User: " + callerArn(callerAccessKey)
                    + " is not authorized to perform: sts:AssumeRole on resource: " + roleArn);
        }
        Duration duration = form.containsKey("DurationSeconds")
                ? Duration.ofSeconds(Long.parseLong(form.get("DurationSeconds"))) : DEFAULT_DURATION;
        Instant now = clock.instant();
        Instant expiration = now.plus(duration).truncatedTo(ChronoUnit.SECONDS);
        IssuedCredentials issued = keys.issue(role.get(), sessionName, now, expiration);
        return new Answer(200, "<AssumeRoleResponse xmlns=\"" + NAMESPACE + "\"><AssumeRoleResult>"
                + "<Credentials>" + element("AccessKeyId", issued.accessKeyId())
                + element("SecretAccessKey", issued.secretAccessKey())
                + element("SessionToken", issued.sessionToken())
                + element("Expiration", expiration.toString()) + "</Credentials>"
                + "<AssumedRoleUser>" + element("AssumedRoleId", issued.assumedRoleId())
                + element("Arn", issued.assumedRoleArn()) + "</AssumedRoleUser>"
                + "</AssumeRoleResult>" + metadata() + "</AssumeRoleResponse>");
    }

    private Answer callerIdentity(String callerAccessKey) {
        Instant now = clock.instant();
        Optional<IssuedCredentials> session = callerAccessKey == null ? Optional.empty()
                : keys.issuedFor(callerAccessKey, now);
        String account = keys.accountOf(callerAccessKey, now);
        String userId = session.map(IssuedCredentials::assumedRoleId).orElse(account);
        return new Answer(200, "<GetCallerIdentityResponse xmlns=\"" + NAMESPACE + "\"><GetCallerIdentityResult>"
                + element("UserId", userId) + element("Account", account) + element("Arn", callerArn(callerAccessKey))
                + "</GetCallerIdentityResult>" + metadata() + "</GetCallerIdentityResponse>");
    }

    private String callerArn(String callerAccessKey) {
        Instant now = clock.instant();
        return (callerAccessKey == null ? Optional.<IssuedCredentials>empty() : keys.issuedFor(callerAccessKey, now))
                .map(IssuedCredentials::assumedRoleArn)
                .orElse("arn:aws:iam::" + keys.accountOf(callerAccessKey, now) + ":root");
    }

    /** STS's own validation, in its words ({@code 1 validation error detected: ...}). */
    private static Optional<String> firstProblem(String roleArn, String sessionName, String externalId,
                                                 String durationSeconds) {
        if (roleArn == null) {
            return Optional.of(validation("null", "roleArn", "Member must not be null"));
        }
        if (roleArn.length() < 20 || roleArn.length() > 2048) {
            return Optional.of(validation(quoted(roleArn), "roleArn", roleArn.length() < 20
                    ? "Member must have length greater than or equal to 20"
                    : "Member must have length less than or equal to 2048"));
        }
        if (sessionName == null) {
            return Optional.of(validation("null", "roleSessionName", "Member must not be null"));
        }
        if (sessionName.length() < 2 || sessionName.length() > 64) {
            return Optional.of(validation(quoted(sessionName), "roleSessionName", sessionName.length() < 2
                    ? "Member must have length greater than or equal to 2"
                    : "Member must have length less than or equal to 64"));
        }
        if (!SESSION_NAME.matcher(sessionName).matches()) {
            return Optional.of(validation(quoted(sessionName), "roleSessionName",
                    "Member must satisfy regular expression pattern: [\\w+=,.@-]*"));
        }
        if (externalId != null) {
            if (externalId.length() < 2 || externalId.length() > 1224) {
                return Optional.of(validation(quoted(externalId), "externalId", externalId.length() < 2
                        ? "Member must have length greater than or equal to 2"
                        : "Member must have length less than or equal to 1224"));
            }
            if (!EXTERNAL_ID.matcher(externalId).matches()) {
                return Optional.of(validation(quoted(externalId), "externalId",
                        "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"));
            }
        }
        if (durationSeconds != null) {
            long seconds;
            try {
                seconds = Long.parseLong(durationSeconds);
            } catch (NumberFormatException e) {
                return Optional.of(validation(quoted(durationSeconds), "durationSeconds",
                        "Member must be a whole number"));
            }
            if (seconds < 900 || seconds > 43_200) {
                return Optional.of(validation(quoted(durationSeconds), "durationSeconds", seconds < 900
                        ? "Member must have value greater than or equal to 900"
                        : "Member must have value less than or equal to 43200"));
            }
        }
        return Optional.empty();
    }

    private static String validation(String value, String member, String constraint) {
        return "1 validation error detected: Value " + value + " at '" + member + "' failed to satisfy constraint: "
                + constraint;
    }

    private static String quoted(String value) {
        return "'" + value + "'";
    }

    static Answer error(int status, String code, String message) {
        return new Answer(status, "<ErrorResponse xmlns=\"" + NAMESPACE + "\"><Error><Type>Sender</Type>"
                + element("Code", code) + element("Message", message) + "</Error>"
                + element("RequestId", UUID.randomUUID().toString()) + "</ErrorResponse>");
    }

    private static String metadata() {
        return "<ResponseMetadata>" + element("RequestId", UUID.randomUUID().toString()) + "</ResponseMetadata>";
    }

    private static String element(String name, String value) {
        return "<" + name + ">" + escape(value) + "</" + name + ">";
    }

    /** Escapes element text (quotes need no escape outside attributes). */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
