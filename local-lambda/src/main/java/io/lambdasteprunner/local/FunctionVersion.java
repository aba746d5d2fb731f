package io.lambdasteprunner.local;

import java.util.List;
import java.util.Map;

/**
 * One version of a function ({@code $LATEST} or a published number): everything that decides how it
 * runs. Immutable; publishing a version copies {@code $LATEST}.
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
        Map<String, String> environment,
        List<String> architectures,
        FunctionCode code,
        String lastModified,
        String revisionId) {

    FunctionVersion {
        environment = Map.copyOf(environment);
        architectures = List.copyOf(architectures);
    }

    /** The ARN callers see for this version: unqualified for $LATEST in listings, qualified otherwise. */
    String versionArn() {
        return "$LATEST".equals(version) ? functionArn : functionArn + ":" + version;
    }

    FunctionVersion asVersion(String newVersion, String newRevisionId) {
        return new FunctionVersion(name, functionArn, newVersion, runtime, handler, role, description, timeout,
                memorySize, environment, architectures, code, lastModified, newRevisionId);
    }
}
