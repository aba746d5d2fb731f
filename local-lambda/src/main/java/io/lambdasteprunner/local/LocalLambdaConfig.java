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
        boolean spareRuntimes) {

    public LocalLambdaConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        functionEnvironment = Map.copyOf(functionEnvironment);
    }

    /** Any free port, the region from {@code AWS_REGION} (else us-east-1), built-in bootstraps. */
    public static LocalLambdaConfig defaults() {
        String region = System.getenv().getOrDefault("AWS_REGION",
                System.getenv().getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        return new LocalLambdaConfig(0, region, "000000000000", null, Interpreters.detect(), 32,
                Duration.ofSeconds(10), Map.of(), false, FaultInjection.NONE, true);
    }

    public LocalLambdaConfig withPort(int newPort) {
        return new LocalLambdaConfig(newPort, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes);
    }

    public LocalLambdaConfig withEchoFunctionLogs(boolean echo) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echo, faults, spareRuntimes);
    }

    public LocalLambdaConfig withFaults(FaultInjection newFaults) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, newFaults, spareRuntimes);
    }

    public LocalLambdaConfig withInterpreters(Interpreters newInterpreters) {
        return new LocalLambdaConfig(port, region, accountId, workDir, newInterpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes);
    }

    public LocalLambdaConfig withSpareRuntimes(boolean spares) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spares);
    }
}
