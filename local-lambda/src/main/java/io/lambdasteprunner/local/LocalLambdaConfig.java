package io.lambdasteprunner.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the local Lambda service runs. Always bound to 127.0.0.1.
 *
 * @param port            port of the Lambda API, 0 for any free port
 * @param region          the default region: of the service's own Java API ({@code functionNames()}) and
 *                        of requests that name none; a signed request acts in the region it is signed for
 * @param accountId       the default account, of access keys that name none (see {@code AccessKeys})
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
 * @param asyncRetryDelays how long a failed asynchronous event waits before its first and its second retry:
 *                        AWS's one and two minutes by default ({@link #AWS_RETRY_DELAYS}); shorter for tests
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
        boolean isolate,
        List<Duration> asyncRetryDelays) {

    /**
     * Lambda waits one minute before the first retry of a failed event and two before the second
     * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
     */
    public static final List<Duration> AWS_RETRY_DELAYS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(2));

    public LocalLambdaConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        functionEnvironment = Map.copyOf(functionEnvironment);
        if (maxEnvironments < 1) {
            throw new IllegalArgumentException("maxEnvironments must be at least 1, was " + maxEnvironments);
        }
        asyncRetryDelays = List.copyOf(asyncRetryDelays);
        if (asyncRetryDelays.size() != 2 || asyncRetryDelays.stream().anyMatch(d -> d.isNegative())) {
            throw new IllegalArgumentException("asyncRetryDelays must be two delays of zero or more (before the first "
                    + "and the second retry), was " + asyncRetryDelays);
        }
    }

    /** As before the retry delays were configurable: AWS's delays. */
    public LocalLambdaConfig(int port, String region, String accountId, Path workDir, Interpreters interpreters,
                             int maxEnvironmentsPerFunction, Duration initTimeout, Map<String, String> functionEnvironment,
                             boolean echoFunctionLogs, FaultInjection faults, boolean spareRuntimes, int maxEnvironments,
                             boolean isolate) {
        this(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction, initTimeout,
                functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate, AWS_RETRY_DELAYS);
    }

    /**
     * Any free port, the region from {@code AWS_REGION} (else us-east-1), built-in bootstraps, at most
     * {@code LOCAL_LAMBDA_MAX_ENVIRONMENTS} (default 64) environments, isolated unless
     * {@code LOCAL_LAMBDA_ISOLATION=off}, failed events retried after AWS's delays unless
     * {@code LOCAL_LAMBDA_ASYNC_RETRY_DELAYS} gives two others in seconds ({@code 1,2}).
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
        return new LocalLambdaConfig(0, region, AccessKeys.DEFAULT_ACCOUNT, null, Interpreters.detect(), 32,
                Duration.ofSeconds(10), Map.of(), false, FaultInjection.NONE, true, maxEnvironments,
                !"off".equalsIgnoreCase(env.getOrDefault("LOCAL_LAMBDA_ISOLATION", "")),
                retryDelays(env.get("LOCAL_LAMBDA_ASYNC_RETRY_DELAYS")));
    }

    /** {@code LOCAL_LAMBDA_ASYNC_RETRY_DELAYS}: two numbers of seconds, {@code 60,120} as on AWS. */
    static List<Duration> retryDelays(String setting) {
        if (setting == null || setting.isBlank()) {
            return AWS_RETRY_DELAYS;
        }
        try {
            List<Duration> delays = Arrays.stream(setting.split(",")).map(String::trim)
                    .map(seconds -> Duration.ofMillis(Math.round(Double.parseDouble(seconds) * 1000))).toList();
            if (delays.size() == 2 && delays.stream().noneMatch(Duration::isNegative)) {
                return delays;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("LOCAL_LAMBDA_ASYNC_RETRY_DELAYS must be two numbers of seconds, the waits "
                + "before the first and the second retry of a failed event (AWS waits 60,120), was '" + setting + "'");
    }

    public LocalLambdaConfig withPort(int newPort) {
        return new LocalLambdaConfig(newPort, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate, asyncRetryDelays);
    }

    public LocalLambdaConfig withEchoFunctionLogs(boolean echo) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echo, faults, spareRuntimes, maxEnvironments, isolate, asyncRetryDelays);
    }

    public LocalLambdaConfig withFaults(FaultInjection newFaults) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, newFaults, spareRuntimes, maxEnvironments, isolate, asyncRetryDelays);
    }

    public LocalLambdaConfig withInterpreters(Interpreters newInterpreters) {
        return new LocalLambdaConfig(port, region, accountId, workDir, newInterpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate, asyncRetryDelays);
    }

    public LocalLambdaConfig withSpareRuntimes(boolean spares) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters,
                maxEnvironmentsPerFunction, initTimeout, functionEnvironment, echoFunctionLogs, faults, spares, maxEnvironments, isolate, asyncRetryDelays);
    }

    public LocalLambdaConfig withMaxEnvironments(int max) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction,
                initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, max, isolate, asyncRetryDelays);
    }

    /** Failed events wait {@code first} before their first retry and {@code second} before their second. */
    public LocalLambdaConfig withAsyncRetryDelays(Duration first, Duration second) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction,
                initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, isolate,
                List.of(first, second));
    }

    /** With {@code false}, environments run without a sandbox even where bubblewrap is installed. */
    public LocalLambdaConfig withIsolation(boolean newIsolate) {
        return new LocalLambdaConfig(port, region, accountId, workDir, interpreters, maxEnvironmentsPerFunction,
                initTimeout, functionEnvironment, echoFunctionLogs, faults, spareRuntimes, maxEnvironments, newIsolate, asyncRetryDelays);
    }
}
