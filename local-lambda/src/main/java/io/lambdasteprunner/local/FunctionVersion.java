package io.lambdasteprunner.local;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of a function ({@code $LATEST} or a published number): everything that decides how it
 * runs, as GetFunctionConfiguration reports it. Immutable; publishing a version copies {@code $LATEST}.
 *
 * @param environmentShown whether answers carry an {@code Environment} member: AWS shows one (even
 *                         {@code {"Variables":{}}}) once a request gave it, and none before
 * @param ephemeralStorage {@code EphemeralStorage.Size} in MB: the size of the execution environment's {@code /tmp}
 * @param loggingConfig the advanced logging controls the execution environment applies
 *                      ({@code AWS_LAMBDA_LOG_FORMAT}, {@code AWS_LAMBDA_LOG_LEVEL})
 * @param snapStart {@code SnapStart.ApplyOn}: {@code None} or {@code PublishedVersions} (kept and answered;
 *                  no snapshot is taken here)
 * @param vpcDetached whether answers carry an empty {@code VpcConfig}: AWS shows one once a request gave a
 *                    VpcConfig without subnets or security groups (a subnet given is checked, not kept)
 */
record FunctionVersion(
        String name,
        String functionArn,
        String version,
        String runtime,
        String handler,
        String role,
        String description,
        int timeout,
        int memorySize,
        int ephemeralStorage,
        Map<String, String> environment,
        boolean environmentShown,
        List<String> architectures,
        FunctionCode code,
        LoggingConfig loggingConfig,
        String lastModified,
        String revisionId,
        String snapStart,
        boolean vpcDetached) {

    static final String LATEST = "$LATEST";
    static final String SNAP_START_OFF = "None";

    FunctionVersion {
        // In the order the caller sent them, as GetFunction answers them back.
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        architectures = List.copyOf(architectures);
        Objects.requireNonNull(loggingConfig, "loggingConfig");
        Objects.requireNonNull(snapStart, "snapStart");
    }

    boolean isLatest() {
        return LATEST.equals(version);
    }

    /** The ARN callers see for this version: unqualified for $LATEST in most answers, qualified otherwise. */
    String versionArn() {
        return isLatest() ? functionArn : qualifiedArn();
    }

    /** Always qualified, {@code $LATEST} included, as ListVersionsByFunction gives it. */
    String qualifiedArn() {
        return functionArn + ":" + version;
    }

    FunctionVersion asVersion(String newVersion, String newDescription, String newRevisionId) {
        return new FunctionVersion(name, functionArn, newVersion, runtime, handler, role, newDescription, timeout,
                memorySize, ephemeralStorage, environment, environmentShown, architectures, code, loggingConfig,
                lastModified, newRevisionId, snapStart, vpcDetached);
    }

    FunctionVersion withRevision(String newRevisionId) {
        return new FunctionVersion(name, functionArn, version, runtime, handler, role, description, timeout,
                memorySize, ephemeralStorage, environment, environmentShown, architectures, code, loggingConfig,
                lastModified, newRevisionId, snapStart, vpcDetached);
    }

    /**
     * Whether this {@code $LATEST} has the code and configuration of {@code source} (the {@code $LATEST}
     * the last version was published from): Lambda then returns that version instead of a new one.
     */
    boolean sameAs(FunctionVersion source) {
        return source != null && code.sha256().equals(source.code.sha256()) && runtime.equals(source.runtime)
                && handler.equals(source.handler) && role.equals(source.role)
                && description.equals(source.description) && timeout == source.timeout
                && memorySize == source.memorySize && ephemeralStorage == source.ephemeralStorage
                && environment.equals(source.environment)
                && architectures.equals(source.architectures) && loggingConfig.equals(source.loggingConfig)
                && snapStart.equals(source.snapStart) && vpcDetached == source.vpcDetached;
    }
}
