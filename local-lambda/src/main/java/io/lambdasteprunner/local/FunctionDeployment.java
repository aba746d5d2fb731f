package io.lambdasteprunner.local;

import java.util.Map;

/**
 * A function the program hosting the service deploys into it at start, in the service's default account and
 * region ({@link LocalLambdaService#deploy}): {@code serve} deploys the step runner so. The same function
 * CreateFunction with {@code Publish: true}, then CreateAlias, would make.
 *
 * @param functionName the function's name
 * @param runtime      a Lambda runtime identifier, e.g. {@code java21}
 * @param handler      the handler, as CreateFunction takes it
 * @param role         the execution role's ARN
 * @param description  the function's description
 * @param memorySize   MB, as Lambda takes it
 * @param timeout      seconds, as Lambda takes it
 * @param environment  the function's environment variables
 * @param zip          the deployment package
 * @param alias        the alias that points at the published version
 */
public record FunctionDeployment(String functionName, String runtime, String handler, String role, String description,
                                 int memorySize, int timeout, Map<String, String> environment, byte[] zip,
                                 String alias) {
    public FunctionDeployment {
        environment = Map.copyOf(environment);
    }

    /**
     * What {@link LocalLambdaService#deploy} made.
     *
     * @param aliasArn the alias's ARN, what callers invoke
     * @param version  the published version the alias points at
     * @param created  CreateFunction's part: checking, hashing and unpacking the package
     * @param pending    Pending until Active: the published version's first environment starting (its cold start)
     */
    public record Deployed(String aliasArn, String version, java.time.Duration created, java.time.Duration pending) {
    }
}
