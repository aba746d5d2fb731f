package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.facts.LambdaRuntimes.Family;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;

/**
 * Starts execution environments: picks the command for a function's runtime and gives the process
 * the environment a Lambda runtime expects, handing the function to a spare runtime when one is
 * ready (see {@link SpareRuntimes}). {@link #close()} kills the spares.
 */
final class Launcher implements AutoCloseable {
    private final LocalLambdaConfig config;
    private final Path bootstrapDir;
    private final URI endpoint;
    private final Path outputDir;
    private final SpareRuntimes spares;

    Launcher(LocalLambdaConfig config, Path bootstrapDir, Path outputDir, URI endpoint, Executor executor) {
        this.outputDir = outputDir;
        this.config = config;
        this.bootstrapDir = bootstrapDir;
        this.endpoint = endpoint;
        this.spares = new SpareRuntimes(this::startSpare, executor);
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
        Map<String, String> environment = environment(function, family);
        if (usesSpares(family) && SpareRuntimes.canServe(function.environment())) {
            Optional<ExecutionEnvironment> adopted = spares.take(family)
                    .flatMap(spare -> ExecutionEnvironment.adopt(function, spare, environment, log,
                            () -> spares.replenish(family)));
            if (adopted.isPresent()) {
                return adopted.get();
            }
        }
        return ExecutionEnvironment.start(function, command, environment, log, outputFile(function.name()));
    }

    /** Spares run the built-in bootstraps only: an official runtime client is started per function. */
    private boolean usesSpares(Family family) {
        return config.spareRuntimes() && config.interpreters().clients().get(family) == null
                && config.interpreters().interpreter(family).isPresent();
    }

    private SpareRuntimes.Spare startSpare(Family family) {
        List<String> command = config.interpreters().command(family, "", bootstrapDir, bootstrapDir).orElseThrow();
        Path outputFile = outputFile("spare-" + family.name().toLowerCase(Locale.ROOT));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(bootstrapDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile());
        builder.environment().clear();
        builder.environment().putAll(baseEnvironment(family));
        builder.environment().put("LOCAL_LAMBDA_SPARE", "1");
        try {
            return new SpareRuntimes.Spare(builder.start(), outputFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The idle spare runtimes' processes. */
    List<ProcessHandle> spareProcesses() {
        return spares.processes();
    }

    @Override
    public void close() {
        spares.close();
    }

    private Path outputFile(String prefix) {
        return outputDir.resolve(prefix + "-" + UUID.randomUUID() + ".log");
    }

    static String cannotRun(String runtime) {
        return "The local Lambda service cannot run " + runtime + " functions on this machine: it runs "
                + "python3.x, nodejs*.x and ruby3.x with their interpreters installed, and java* with the "
                + "Java runtime interface client (LOCAL_LAMBDA_JAVA_RIC).";
    }

    /** A function's variables: the base ones, the function's own, and Lambda's that describe it. */
    private Map<String, String> environment(FunctionVersion function, Family family) {
        Map<String, String> env = baseEnvironment(family);
        env.put("_HANDLER", function.handler());
        env.put("LAMBDA_TASK_ROOT", function.code().directory().toString());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memorySize()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.putAll(function.environment());
        return env;
    }

    /** The variables every function of a language gets, which a spare starts with. */
    private Map<String, String> baseEnvironment(Family family) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", "UTC");
        env.put("LAMBDA_RUNTIME_DIR", bootstrapDir.toString());
        env.put("AWS_REGION", config.region());
        env.put("AWS_DEFAULT_REGION", config.region());
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
        return env;
    }
}
