package io.lambdasteprunner.local;

/**
 * Where functions live: one account in one region. ARNs are built here. Today the service has one
 * scope (from {@link LocalLambdaConfig}); keeping functions per scope later needs only a map of
 * {@link FunctionRegistry} by scope.
 */
record Scope(String accountId, String region) {

    String functionArn(String name) {
        return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
    }

    String functionArn(String name, String qualifier) {
        return qualifier == null ? functionArn(name) : functionArn(name) + ":" + qualifier;
    }
}
