package io.lambdasteprunner.step;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a step acts: a region (the runner's own when absent) and, for another account, the role the
 * runner assumes there ({@code assumeRoleArn}, with the {@code externalId} its trust policy may ask
 * for). Checked here, before any AWS call, so a typo is a named error and not an AWS refusal.
 *
 * @param region        a region code such as {@code eu-west-1}, or {@code null} for the runner's region
 * @param assumeRoleArn an IAM role ARN, or {@code null} to act with the runner's own credentials
 * @param externalId    STS's external id (2–1224 characters of {@code [\w+=,.@:/-]}), or {@code null}
 */
public record TargetAccount(String region, String assumeRoleArn, String externalId) {

    /** The runner's own account and region. */
    public static final TargetAccount RUNNERS_OWN = new TargetAccount(null, null, null);

    /** Region codes as AWS forms them: {@code us-east-1}, {@code us-gov-west-1}, {@code eusc-de-east-1}, {@code cn-north-1}. */
    private static final Pattern REGION = Pattern.compile("(eusc-)?[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2}");
    private static final Pattern ROLE = Pattern.compile("arn:aws[a-zA-Z-]*:iam::(\\d{12}):role/[\\w+=,.@/-]{1,512}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");

    /**
     * The target a request names.
     *
     * @throws StepFailure {@code InvalidStepRequest} naming the field and what to write instead
     */
    public TargetAccount {
        if (region != null && !REGION.matcher(region).matches()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "region '" + shorten(region) + "' is not a region "
                    + "code; write one such as us-east-1 or eu-west-1, or leave region out for the runner's own");
        }
        if (assumeRoleArn != null && !ROLE.matcher(assumeRoleArn).matches()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "assumeRoleArn '" + shorten(assumeRoleArn)
                    + "' is not an IAM role ARN; write one such as arn:aws:iam::123456789012:role/runbook-steps");
        }
        if (externalId != null) {
            if (assumeRoleArn == null) {
                throw new StepFailure(StepError.INVALID_STEP_REQUEST, "externalId goes with assumeRoleArn: name the "
                        + "role whose trust policy asks for it, or leave externalId out");
            }
            if (!EXTERNAL_ID.matcher(externalId).matches()) {
                throw new StepFailure(StepError.INVALID_STEP_REQUEST, "externalId must be 2 to 1224 characters of "
                        + "letters, digits and +=,.@:/-_ (STS's rule), was " + externalId.length() + " characters"
                        + (externalId.length() >= 2 && externalId.length() <= 1224 ? " with others among them" : ""));
            }
        }
    }

    /** The account of {@link #assumeRoleArn()}, when a role is named. */
    public Optional<String> roleAccount() {
        if (assumeRoleArn == null) {
            return Optional.empty();
        }
        var matcher = ROLE.matcher(assumeRoleArn);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The region the step acts in, given the runner's own. */
    public String regionOr(String runnersRegion) {
        return region == null ? runnersRegion : region;
    }

    public boolean isRunnersOwn() {
        return region == null && assumeRoleArn == null;
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
