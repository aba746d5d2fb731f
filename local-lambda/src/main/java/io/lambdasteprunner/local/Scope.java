package io.lambdasteprunner.local;

/**
 * Where functions live: one account in one region. ARNs are built here. The service keeps one
 * {@link FunctionRegistry} per scope ({@link FunctionScopes}); a caller's scope comes from its SigV4
 * credential (see {@link LambdaApi}), the default one from {@link LocalLambdaConfig}.
 */
record Scope(String accountId, String region) {

    String functionArn(String name) {
        return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
    }

    String functionArn(String name, String qualifier) {
        return qualifier == null ? functionArn(name) : functionArn(name) + ":" + qualifier;
    }
}
