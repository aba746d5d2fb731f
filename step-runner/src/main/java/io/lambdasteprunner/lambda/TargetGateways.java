package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.LambdaGateways;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.TargetAccount;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * {@link LambdaGateways} on the AWS SDK: the runner's own gateway for its own account and region (nothing more
 * is built for it), and for another target the same retries on that region's client, signed with the assumed
 * role's credentials ({@link TargetConnections}). The role is assumed before the gateway is handed out, so a
 * refusal from STS is a named error before any Lambda call. Thread-safe.
 */
public final class TargetGateways implements LambdaGateways {

    private final SdkLambdaGateway own;
    private final TargetConnections connections;

    public TargetGateways(SdkLambdaGateway own, TargetConnections connections) {
        this.own = own;
        this.connections = connections;
    }

    @Override
    public LambdaGateway in(TargetAccount target, String origin) {
        if (target.isRunnersOwn()) {
            return own;
        }
        TargetConnections.Connection connection = connections.connectionFor(target, RoleSessionNames.forStep(origin));
        if (connection.credentials() != null) {
            try {
                // Cached by the provider until 5 minutes before the session ends: STS is asked once per session.
                connection.credentials().resolveCredentials();
            } catch (SdkException e) {
                throw assumeRoleFailed(target, e);
            }
        }
        return own.on(connection.client(), connection.credentials());
    }

    /**
     * The named error for a failed AssumeRole, with STS's reason. The SDK throws STS's answer as an
     * {@code StsException}, or wraps it (and network failures) in an {@code SdkClientException}.
     */
    static StepFailure assumeRoleFailed(TargetAccount target, SdkException e) {
        String role = "assuming " + target.assumeRoleArn() + ": ";
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SdkServiceException service) {
                String code = service instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                        ? aws.awsErrorDetails().errorCode() : null;
                String reason = service instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                        && aws.awsErrorDetails().errorMessage() != null
                        ? aws.awsErrorDetails().errorMessage() : "HTTP " + service.statusCode();
                String message = role + "STS answered " + (code == null ? "" : code + ": ") + reason;
                if (service.statusCode() >= 500 || service.statusCode() == 429 || "Throttling".equals(code)) {
                    return new StepFailure(StepError.STS_UNAVAILABLE, message + "; no Lambda call was made, retry "
                            + "the step");
                }
                return new StepFailure(StepError.ASSUME_ROLE_DENIED, message + "; check the role's trust policy "
                        + "names the step runner's role (and the externalId it asks for), and that the runner may "
                        + "sts:AssumeRole it");
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new StepFailure(StepError.STS_UNAVAILABLE, role + "STS could not be reached: "
                + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                + "; no Lambda call was made");
    }
}
