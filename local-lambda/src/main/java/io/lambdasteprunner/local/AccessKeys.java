package io.lambdasteprunner.local;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which account a caller's access key belongs to, as other Lambda emulators decide it: an access key
 * id of twelve digits is that account; a key that {@link SecurityTokenService} handed out belongs to
 * the assumed role's account (until it expires); any other key is the default account
 * ({@value #DEFAULT_ACCOUNT} unless the service is configured otherwise).
 *
 * <p>Thread-safe. Issued keys are kept until they expire: a lookup of an expired key forgets it, and
 * issuing sweeps expired keys once there are many.
 */
final class AccessKeys {

    /** The account of a caller whose key says nothing about one (LocalStack and moto use the same). */
    static final String DEFAULT_ACCOUNT = "000000000000";

    private static final char[] KEY_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final char[] SECRET_CHARACTERS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

    private final String defaultAccount;
    private final Map<String, IssuedCredentials> issued = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** @param defaultAccount the account of a key that names none ({@link LocalLambdaConfig#accountId()}) */
    AccessKeys(String defaultAccount) {
        this.defaultAccount = defaultAccount;
    }

    /** Temporary credentials for a role session, as AssumeRole returns them. */
    record IssuedCredentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration,
                             String accountId, String assumedRoleArn, String assumedRoleId) {
    }

    /** The account the key belongs to at {@code now}. */
    String accountOf(String accessKeyId, Instant now) {
        if (accessKeyId == null || accessKeyId.isEmpty()) {
            return defaultAccount;
        }
        if (accessKeyId.length() == 12 && accessKeyId.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return accessKeyId;
        }
        return issuedFor(accessKeyId, now).map(IssuedCredentials::accountId).orElse(defaultAccount);
    }

    /** The credentials that AssumeRole issued under this key, while they have not expired. */
    Optional<IssuedCredentials> issuedFor(String accessKeyId, Instant now) {
        IssuedCredentials credentials = issued.get(accessKeyId);
        if (credentials != null && !credentials.expiration().isAfter(now)) {
            issued.remove(accessKeyId, credentials);
            return Optional.empty();
        }
        return Optional.ofNullable(credentials);
    }

    /** Above this many issued keys, expired ones are swept on the next issue (lookups remove them too). */
    private static final int SWEEP_ABOVE = 1024;

    /** New temporary credentials for a session of {@code roleArn}'s role, valid from {@code now} until {@code expiration}. */
    IssuedCredentials issue(RoleArn role, String sessionName, Instant now, Instant expiration) {
        if (issued.size() > SWEEP_ABOVE) {
            issued.values().removeIf(credentials -> !credentials.expiration().isAfter(now));
        }
        String accessKeyId = "ASIA" + randomText(KEY_CHARACTERS, 16);
        // A role's unique id starts with AROA; it stays the same for the role, as IAM's does.
        String roleId = "AROA" + stableId(role.arn());
        IssuedCredentials credentials = new IssuedCredentials(accessKeyId, randomText(SECRET_CHARACTERS, 40),
                randomText(SECRET_CHARACTERS, 356), expiration, role.accountId(),
                "arn:" + role.partition() + ":sts::" + role.accountId() + ":assumed-role/" + role.name() + "/" + sessionName,
                roleId + ":" + sessionName);
        issued.put(accessKeyId, credentials);
        return credentials;
    }

    /**
     * Credentials of an execution environment, as Lambda gives each one: a session of the function's
     * role named after the function ({@code name@lambda_function} for a one-letter name, since a session
     * name takes two characters at least), in the function's account (a function's role is of its
     * account on AWS). They hold until {@link #revoke} (the environment ends), so a warm environment
     * never finds its key turned into another account's.
     */
    IssuedCredentials issueForFunction(String roleArn, String functionName, String accountId, Instant now) {
        String roleName = RoleArn.parse(roleArn).map(RoleArn::name).orElse("lambda-role");
        String partition = RoleArn.parse(roleArn).map(RoleArn::partition).orElse("aws");
        String sessionName = functionName.length() < 2 ? functionName + "@lambda_function" : functionName;
        RoleArn role = new RoleArn("arn:" + partition + ":iam::" + accountId + ":role/" + roleName, partition,
                accountId, roleName);
        return issue(role, sessionName, now, Instant.MAX);
    }

    /** Forgets credentials issued under {@code accessKeyId}: the key is no account's any more. */
    void revoke(String accessKeyId) {
        issued.remove(accessKeyId);
    }

    private String randomText(char[] alphabet, int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(text);
    }

    private static String stableId(String text) {
        long hash = 1125899906842597L;
        for (int i = 0; i < text.length(); i++) {
            hash = 31 * hash + text.charAt(i);
        }
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            id.append(KEY_CHARACTERS[(int) ((hash >>> (i * 3)) & 31)]);
        }
        return id.toString();
    }

    /** An IAM role ARN, {@code arn:aws:iam::123456789012:role/path/name}. */
    record RoleArn(String arn, String partition, String accountId, String name) {

        /** The parts of {@code arn}, or empty when it is not a role ARN. */
        static Optional<RoleArn> parse(String arn) {
            if (arn == null) {
                return Optional.empty();
            }
            var matcher = java.util.regex.Pattern
                    .compile("arn:(aws[a-zA-Z-]*):iam::(\\d{12}):role/(?:[\\w+=,.@/-]*/)?([\\w+=,.@-]{1,64})")
                    .matcher(arn);
            return matcher.matches()
                    ? Optional.of(new RoleArn(arn, matcher.group(1), matcher.group(2), matcher.group(3)))
                    : Optional.empty();
        }
    }
}
