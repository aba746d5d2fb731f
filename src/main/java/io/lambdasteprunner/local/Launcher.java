package io.lambdasteprunner.local;

import io.lambdasteprunner.runtimes.LambdaRuntimes;
import io.lambdasteprunner.runtimes.LambdaRuntimes.Family;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts execution environments: picks the command for a function's runtime and gives the process
 * the environment a Lambda runtime expects.
 */
final class Launcher {
    private final LocalLambdaConfig config;
    private final Path bootstrapDir;
    private final URI endpoint;
    private final Path outputDir;

    Launcher(LocalLambdaConfig config, Path bootstrapDir, Path outputDir, URI endpoint) {
        this.outputDir = outputDir;
        this.config = config;
        this.bootstrapDir = bootstrapDir;
        this.endpoint = endpoint;
    }

    /** Whether this machine can run functions of {@code runtime}. */
    boolean canRun(String runtime) {
        return LambdaRuntimes.familyOf(runtime)
                .flatMap(family -> config.interpreters().command(family, "h", bootstrapDir, bootstrapDir))
                .isPresent();
    }

    ExecutionEnvironment start(FunctionVersion function, FunctionLog log) {
        Family family = LambdaRuntimes.familyOf(function.runtime()).orElseThrow();
        List<String> command = config.interpreters()
                .command(family, function.handler(), function.code().directory(), bootstrapDir)
                .orElseThrow(() -> LambdaException.invalidParameter(cannotRun(function.runtime())));
        return ExecutionEnvironment.start(function, command, environment(function, family), log,
                outputDir.resolve(function.name() + "-" + java.util.UUID.randomUUID() + ".log"));
    }

    static String cannotRun(String runtime) {
        return "The local Lambda service cannot run " + runtime + " functions on this machine: it runs "
                + "python3.x, nodejs*.x and ruby3.x with their interpreters installed, and java* with the "
                + "Java runtime interface client (LOCAL_LAMBDA_JAVA_RIC).";
    }

    private Map<String, String> environment(FunctionVersion function, Family family) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", "UTC");
        env.put("_HANDLER", function.handler());
        env.put("LAMBDA_TASK_ROOT", function.code().directory().toString());
        env.put("LAMBDA_RUNTIME_DIR", bootstrapDir.toString());
        env.put("AWS_REGION", config.region());
        env.put("AWS_DEFAULT_REGION", config.region());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memorySize()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        // A function's role credentials on AWS; here placeholders, and Lambda calls come back to us.
        env.put("AWS_ACCESS_KEY_ID", "LOCALLAMBDAKEY");
        env.put("AWS_SECRET_ACCESS_KEY", "local-lambda-secret");
        env.put("AWS_SESSION_TOKEN", "local-lambda-session");
        env.put("AWS_ENDPOINT_URL_LAMBDA", endpoint.toString());
        if (family == Family.PYTHON) {
            // Output must reach the log before the response does, as it does on AWS.
            env.put("PYTHONUNBUFFERED", "1");
        }
        if (System.getenv("HOME") != null) {
            env.put("HOME", System.getenv("HOME"));
        }
        env.putAll(config.functionEnvironment());
        env.putAll(function.environment());
        return env;
    }
}
