package io.lambdasteprunner.local;

import java.util.List;
import java.util.Map;

/**
 * What callers ask of the control plane, once read off the wire and checked against Lambda's API
 * model ({@link WireRequests}): the {@link FunctionRegistry} takes these, never JSON. A null member
 * means "not given" (on updates: keep what the function has).
 */
final class ControlRequests {

    private ControlRequests() {
    }

    /** CreateFunction. {@code zip} is null when the code came another way (S3, image). */
    record NewFunction(FunctionName name, String runtime, String role, String handler, String description,
                       Integer timeout, Integer memorySize, Integer ephemeralStorage, Map<String, String> environment,
                       List<String> architectures, byte[] zip, boolean codeFromS3, Map<String, String> tags,
                       LoggingChange logging, boolean publish, Settings settings) {
    }

    /** UpdateFunctionConfiguration. */
    record ConfigurationChange(String runtime, String role, String handler, String description, Integer timeout,
                               Integer memorySize, Integer ephemeralStorage, Map<String, String> environment,
                               LoggingChange logging,
                               String revisionId, Settings settings) {
    }

    /**
     * Settings CreateFunction and UpdateFunctionConfiguration take that the service checks but acts on
     * only in what it answers: {@code Layers} (none exists here), {@code SnapStart.ApplyOn} and
     * {@code VpcConfig} (null members: not given).
     */
    record Settings(List<String> layers, String snapStart, VpcConfig vpc) {
        static final Settings NONE = new Settings(null, null, null);
    }

    /** {@code VpcConfig}'s subnets and security groups (an empty list when a member was not given). */
    record VpcConfig(List<String> subnetIds, List<String> securityGroupIds) {

        /** No subnet and no security group: the function is in no VPC (how a VPC is detached). */
        boolean isDetached() {
            return subnetIds.isEmpty() && securityGroupIds.isEmpty();
        }
    }

    /** UpdateFunctionCode. */
    record CodeChange(byte[] zip, boolean codeFromS3, List<String> architectures, boolean publish, String revisionId) {
    }

    /** PublishVersion. */
    record Publish(String description, String codeSha256, String revisionId) {
    }

    /** CreateAlias and UpdateAlias; {@code weights} null keeps the alias's routing, empty removes it. */
    record AliasChange(String name, String functionVersion, String description, Map<String, Double> weights,
                       String revisionId) {
    }

    /** AddPermission. */
    record Permission(String statementId, String action, String principal, String sourceArn, String sourceAccount,
                      String eventSourceToken, String principalOrgId, String functionUrlAuthType, String revisionId) {
    }

    /** The LoggingConfig members a request gave. */
    record LoggingChange(String logFormat, String applicationLogLevel, String systemLogLevel, String logGroup) {
    }

    /**
     * Put/UpdateFunctionEventInvokeConfig. A destination given without an ARN ({@code "OnSuccess": {}})
     * is given as null: Put stores none, Update removes that one.
     */
    record EventInvokeConfigChange(Integer maximumRetryAttempts, Integer maximumEventAgeInSeconds,
                                   boolean onSuccessGiven, String onSuccess, boolean onFailureGiven, String onFailure,
                                   boolean destinationConfigGiven) {

        /** AWS refuses a config that sets nothing. */
        boolean setsNothing() {
            return maximumRetryAttempts == null && maximumEventAgeInSeconds == null && !destinationConfigGiven;
        }
    }

    /** ListFunctions, ListVersionsByFunction and ListAliases paging: after the marker, at most {@code maxItems}. */
    record Page(String marker, int maxItems) {
    }
}
