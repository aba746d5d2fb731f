package io.lambdasteprunner.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the local Lambda service runs. Always bound to 127.0.0.1.
 *
 * @param port            port of the Lambda API, 0 for any free port
 * @param region          region reported in ARNs and to functions
 * @param accountId       account reported in ARNs
 * @param workDir         where function code is unpacked; {@code null} for a temporary directory
 * @param interpreters    runtime commands (see {@link Interpreters})
 * @param maxEnvironmentsPerFunction how many processes one function may run at once
 * @param initTimeout     how long a runtime may take to initialise (Lambda allows 10 s)
 * @param functionEnvironment extra variables given to every function process
 * @param echoFunctionLogs whether function logs are also printed to standard output
 * @param faults          faults to inject on purpose ({@link FaultInjection#NONE} by default)
 * @param spareRuntimes   whether to keep one started runtime per language in use, so that a new
 *                        function's first environment need not wait for its interpreter to start
 *                        (built-in bootstraps only; on by default)
 * @param maxEnvironments how many execution environments (runtime processes) the service runs at once,
 *                        all functions together; beyond it the longest idle one is closed, and with none
 *                        idle an invoke is throttled (429 TooManyRequestsException)
 * @param isolate         whether to run each environment in a bubblewrap sandbox when bwrap is available
 *                        (see {@link Sandbox}); on by default
 */
public record LocalLambdaConfig(
        int port,
        String region,
        String accountId,
        Path workDir,
        Interpreters interpreters,
        int maxEnvironmentsPerFunction,
        Duration initTimeout,
        Map<String, String> functionEnvironment,
        boolean echoFunctionLogs,
        FaultInjection faults,
        boolean spareRuntimes,
        int maxEnvironments,
        boolean isolate) {

    public LocalLambdaConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        functionEnvironment = Map.copyOf(functionEnvironment);
        if (maxEnvironments < 1) {
            throw new IllegalArgumentException("maxEnvironments must be at least 1, was " + maxEnvironments);
        }
    }

    /**
     * Any free port, the region from {@code AWS_REGION} (else us-east-1), built-in bootstraps, at most
     * {@code LOCAL_LAMBDA_MAX_ENVIRONMENTS} (default 64) environments, isolated unless
     * {@code LOCAL_LAMBDA_ISOLATION=off}.
     */
    public static LocalLambdaConfig defaults() {
        Map<String, String> env = System.getenv();
        String region = env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        int maxEnvironments;
        try {
            maxEnvironments = Integer.parseInt(env.getOrDefault("LOCAL_LAMBDA_MAX_ENVIRONMENTS", "64").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LOCAL_LAMBDA_MAX_ENVIRONMENTS must be a whole number, was '"
                    + env.get("LOCAL_LAMBDA_MAX_ENVIRONMENTS") + "'");
        }
        return new LocalLambdaConfig(0, region, "000000000000", null, Interpreters.detect(), 32,
                Duration.ofSeconds(10), Map.of(), false, FaultInjection.NONE, true, maxEnvironments,
                !"off".equalsIgnoreCase(env.getOrDefault("LOCAL_LAMBDA_ISOLATION", "")));
    }

    public LocalLambdaConfig withPort(int newPort) {
        return new LocalLambdaConfig(newPort, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate);
    }

    public LocalLambdaConfig withEchoFunctionLogs(boolean echo) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echo, faults, spareRuntimes, maxEnvironments, isolate);
    }

    public LocalLambdaConfig withFaults(FaultInjection newFaults) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, newFaults, spareRuntimes, maxEnvironments, isolate);
    }

    public LocalLambdaConfig withInterpreters(Interpreters newInterpreters) {
        return new LocalLambdaConfig(port, region, accountId, workDir, newInterpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate);
    }

    public LocalLambdaConfig withSpareRuntimes(boolean spares) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spares, maxEnvironments, isolate);
    }

    public LocalLambdaConfig withMaxEnvironments(int max) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction,
                initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, max, isolate);
    }

    /** With {@code false}, environments run without a sandbox even where bubblewrap is installed. */
    public LocalLambdaConfig withIsolation(boolean newIsolate) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction,
                initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, newIsolate);
    }
}
