package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.facts.LambdaRuntimes.Family;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Starts execution environments: picks the interpreter for a function's runtime version, gives the
 * process the environment a Lambda runtime expects, and puts it in its sandbox ({@link Sandbox}),
 * handing the function to a spare runtime when one is ready ({@link SpareRuntimes}). {@link #close()}
 * kills the spares.
 */
final class Launcher implements AutoCloseable {
    /** Where the Java runtime interface client finds its native library, instead of its fixed file in /tmp. */
    private static final String JNI_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    private static final String JNI_LIBRARY = "libaws-lambda-jni.so";
    /**
     * How long after a spare's function has run its first invoke the next spare starts, unless the
     * function is gone first: a start (bwrap, an interpreter loading its runtime) takes a core for tens
     * of milliseconds, which the function's next calls (a step's DeleteFunction) would otherwise share.
     */
    static final Duration SPARE_RESTART_DELAY = Duration.ofMillis(50);

    private final LocalLambdaConfig config;
    private final Sandbox sandbox;
    private final Path bootstrapDir;
    private final URI endpoint;
    private final Path environmentsDir;
    private final Consumer<String> notices;
    private final SpareRuntimes<SpareKind> spares;
    private final ProcessStarter processes;
    private final EnvironmentBudget budget;
    private final AccessKeys keys;
    private final Set<String> noted = ConcurrentHashMap.newKeySet();
    /** Every runtime process started and not yet gone (environments and spares). */
    private final Set<RuntimeProcess> live = ConcurrentHashMap.newKeySet();
    private volatile Boolean jniExtracted;

    /**
     * Tells spares apart: each interpreter has its own, and each runtime, whose module and gem paths
     * (read as the interpreter starts) name its language version.
     */
    private record SpareKind(Family family, Path interpreter, String runtime) {
    }

    /**
     * @param notices where the service says what a user should know (a runtime running on another
     *                language version); {@code serve} prints them
     */
    Launcher(LocalLambdaConfig config, Sandbox sandbox, Path bootstrapDir, Path environmentsDir, URI endpoint,
             Executor executor, ProcessStarter processes, AccessKeys keys, Consumer<String> notices) {
        this.config = config;
        this.keys = keys;
        this.processes = processes;
        this.sandbox = sandbox;
        this.bootstrapDir = bootstrapDir;
        this.environmentsDir = environmentsDir;
        this.endpoint = endpoint;
        this.notices = notices;
        this.spares = new SpareRuntimes<>(this::startSpare, executor);
        this.budget = new EnvironmentBudget(config.maxEnvironments());
    }

    private static final String EXEC_WRAPPER = "AWS_LAMBDA_EXEC_WRAPPER";

    /** The service-wide bound every function's environments draw on. */
    EnvironmentBudget budget() {
        return budget;
    }

    /** Whether this machine can run functions of {@code runtime}. */
    boolean canRun(String runtime) {
        Optional<Family> family = LambdaRuntimes.familyOf(runtime);
        if (family.isEmpty()) {
            return false;
        }
        List<String> client = config.interpreters().client(family.get());
        if (client != null && !client.contains(Interpreters.JAVA)) {
            return true;
        }
        boolean builtIn = family.get() == Family.PYTHON || family.get() == Family.NODEJS || family.get() == Family.RUBY;
        return (client != null || builtIn) && config.interpreters().choose(runtime).isPresent();
    }

    /**
     * Starts an environment for {@code function} of {@code scope}'s account and region, with
     * credentials of its own (a session of the function's role, as on Lambda, where two environments
     * of one function never share a key), which are forgotten when its runtime is gone.
     */
    ExecutionEnvironment start(FunctionVersion function, Scope scope, FunctionLog log) {
        if (!canRun(function.runtime())) {
            throw LambdaException.invalidParameter(cannotRun(function.runtime()));
        }
        AccessKeys.IssuedCredentials credentials = keys.issueForFunction(function.role(), function.name(),
                scope.accountId(), java.time.Instant.now());
        try {
            ExecutionEnvironment started = start(function, scope, log, credentials);
            started.runtimeGone().thenRun(() -> keys.revoke(credentials.accessKeyId()));
            return started;
        } catch (RuntimeException e) {
            keys.revoke(credentials.accessKeyId());
            throw e;
        }
    }

    private ExecutionEnvironment start(FunctionVersion function, Scope scope, FunctionLog log,
                                       AccessKeys.IssuedCredentials credentials) {
        Family family = LambdaRuntimes.familyOf(function.runtime()).orElseThrow();
        String note = note(function.runtime());
        Map<String, String> environment = environment(function, scope, family);
        environment.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
        environment.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
        environment.put("AWS_SESSION_TOKEN", credentials.sessionToken());
        if (usesSpares(family) && fitsASpare(function)) {
            SpareKind kind = new SpareKind(family, config.interpreters().executable(function.runtime()).orElseThrow(),
                    function.runtime());
            Optional<SpareRuntimes.Spare> spare = spares.take(kind);
            if (spare.isPresent()) {
                // The next spare starts a moment after this one's function has run its first invoke, or
                // once it is gone (deleted, timed out), whichever comes first.
                spare.get().runtime().gone().thenRun(() -> spares.replenish(kind));
                Optional<ExecutionEnvironment> adopted = adopt(function, spare.get(), environment, log, note,
                        () -> spares.replenishAfter(kind, SPARE_RESTART_DELAY));
                if (adopted.isPresent()) {
                    return adopted.get();
                }
            }
        }
        Path directory = RuntimeProcess.createDirectory(environmentsDir);
        Path codeDir = function.code().directory();
        String token = RuntimeProtocol.newToken();
        RuntimeProtocol protocol = RuntimeProtocol.open(token, sandbox.isolated());
        try {
            List<String> command = command(function, family, sandbox.taskRoot(codeDir));
            environment.putAll(ExecutionEnvironment.ownVariables(protocol, function));
            if (!sandbox.isolated()) {
                environment.put("TMPDIR", directory.resolve("tmp").toString());
            }
            List<String> wrapped = sandbox.wrap(withExecWrapper(command, function), codeDir, bootstrapDir,
                    Sandbox.installationsOf(command), sandbox.hostsFile(directory, token), function.ephemeralStorage(), null);
            RuntimeProcess runtime = tracked(RuntimeProcess.start(processes, wrapped, environment,
                    sandbox.isolated() ? directory : codeDir, directory, sandbox.isolated(), false, token));
            return new ExecutionEnvironment(function, runtime, protocol, log, note, null);
        } catch (RuntimeException e) {
            protocol.close();
            RuntimeProcess.deleteQuietly(directory);
            throw e;
        }
    }

    /**
     * Whether a spare runtime can be this function's process: in a sandbox, the spare's {@code /tmp} is
     * the default 512 MB (a function with other {@code EphemeralStorage} starts cold, with its own size),
     * and the spare started without the variables an interpreter reads as it starts.
     */
    private boolean fitsASpare(FunctionVersion function) {
        boolean tmpFits = !sandbox.isolated() || function.ephemeralStorage() == Sandbox.DEFAULT_TMP_MB;
        return tmpFits && !function.environment().containsKey(EXEC_WRAPPER)
                && SpareRuntimes.canServe(function.environment());
    }

    /**
     * With {@code AWS_LAMBDA_EXEC_WRAPPER}, the runtime starts through that script, which gets the
     * runtime's command as its arguments, as Lambda's runtimes start it: a wrapper that does not exist
     * exits with status 127, one that is not executable with 126 (Lambda then answers Runtime.ExitError).
     */
    private static List<String> withExecWrapper(List<String> command, FunctionVersion function) {
        if (!function.environment().containsKey(EXEC_WRAPPER)) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", """
                wrapper="$AWS_LAMBDA_EXEC_WRAPPER"
                if [ ! -f "$wrapper" ]; then echo "$wrapper: does not exist" >&2; exit 127; fi
                if [ ! -x "$wrapper" ]; then echo "$wrapper: is not an executable" >&2; exit 126; fi
                exec "$wrapper" "$@"
                """, "bootstrap"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Hands {@code function} to a spare runtime: its code goes into the spare's task directory, then
     * its working directory and complete environment to the spare's standard input, which is then
     * closed (reads from it see end of file, as from {@code /dev/null}). Empty when the spare is gone;
     * the caller starts a fresh process instead. {@code whenSettled} runs once, after the first invoke
     * or at close, whichever comes first.
     */
    private Optional<ExecutionEnvironment> adopt(FunctionVersion function, SpareRuntimes.Spare spare,
                                                 Map<String, String> environment, FunctionLog log, String note,
                                                 Runnable whenSettled) {
        RuntimeProcess runtime = spare.runtime();
        RuntimeProtocol protocol = null;
        try (OutputStream stdin = runtime.process().getOutputStream()) {
            String taskRoot;
            if (sandbox.isolated()) {
                // The spare's sandbox shows its own task/ read-only at /var/task: the code goes in there.
                linkTree(function.code().directory(), runtime.taskDir());
                taskRoot = Sandbox.TASK_ROOT;
            } else {
                taskRoot = function.code().directory().toString();
            }
            protocol = RuntimeProtocol.open(runtime.runtimeApiToken(), sandbox.isolated());
            Map<String, String> complete = new LinkedHashMap<>(environment);
            complete.put("LAMBDA_TASK_ROOT", taskRoot);
            complete.putAll(ExecutionEnvironment.ownVariables(protocol, function));
            var assignment = Json.object().put("cwd", taskRoot);
            var variables = assignment.putObject("env");
            complete.forEach(variables::put);
            byte[] assignmentBytes = Json.MAPPER.writeValueAsBytes(assignment);
            // Kept, for the runtime that replaces this one after a timeout: it takes the function as a spare does.
            runtime.keepAssignment(assignmentBytes);
            stdin.write(assignmentBytes);
        } catch (IOException | UncheckedIOException e) {
            if (protocol != null) {
                protocol.close();
            }
            SpareRuntimes.discard(spare);
            return Optional.empty();
        }
        return Optional.of(new ExecutionEnvironment(function, runtime, protocol, log, note, whenSettled));
    }

    /** Hard links (copies across file systems) of every file under {@code from}, into {@code to}. */
    private static void linkTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    try {
                        Files.createLink(target, source);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
    }

    /** The command that runs a function: its client's, or the interpreter with the built-in bootstrap. */
    private List<String> command(FunctionVersion function, Family family, String taskRoot) {
        List<String> client = config.interpreters().client(family);
        List<String> command = new ArrayList<>();
        if (client == null) {
            return bootstrapCommand(config.interpreters().executable(function.runtime()).orElseThrow(), family);
        }
        for (String part : client) {
            if (part.equals(Interpreters.JAVA)) {
                command.add(config.interpreters().executable(function.runtime()).orElseThrow().toString());
                command.addAll(javaOptions(function));
            } else {
                command.add(part.replace("{taskRoot}", taskRoot));
            }
        }
        command.add(function.handler());
        return command;
    }

    /**
     * Options the JVM gets as Lambda's Java runtime gives them: the heap sized from the function's
     * memory, the serial collector, the JIT stopped at tier 1 (the java17 and later runtimes' default, for
     * quicker starts) unless the function's {@code JAVA_TOOL_OPTIONS} chooses its own tiered compilation, and
     * the client's native library from the runtime directory, which every environment shares read-only (the
     * client would otherwise copy it to a fixed file in /tmp).
     */
    private List<String> javaOptions(FunctionVersion function) {
        List<String> options = new ArrayList<>();
        options.add("-XX:MaxHeapSize=" + (long) (function.memorySize() * 0.85 * 1024) + "k");
        options.add("-XX:+UseSerialGC");
        // On the command line these would win over JAVA_TOOL_OPTIONS, which AWS documents as the way to
        // choose another tier (TieredStopAtLevel=4 for long, compute-heavy handlers).
        if (!function.environment().getOrDefault("JAVA_TOOL_OPTIONS", "").contains("Tiered")) {
            options.add("-XX:+TieredCompilation");
            options.add("-XX:TieredStopAtLevel=1");
        }
        String version = config.interpreters().choose(function.runtime()).map(Interpreters.Choice::version).orElse("0");
        if (version.matches("\\d+") && Integer.parseInt(version) >= 22) {
            // The client loads its native library with System.load: allowed, without a warning in every log.
            options.add("--enable-native-access=ALL-UNNAMED");
        }
        if (extractJni()) {
            options.add("-D" + JNI_PROPERTY + "=" + sandbox.runtimeDir(bootstrapDir) + "/" + JNI_LIBRARY);
        }
        return options;
    }

    /** Copies the client's native library out of its jar once; false when it is not found. */
    private boolean extractJni() {
        Boolean done = jniExtracted;
        if (done != null) {
            return done;
        }
        synchronized (this) {
            if (jniExtracted == null) {
                jniExtracted = copyJniFromClientJar();
            }
            return jniExtracted;
        }
    }

    private boolean copyJniFromClientJar() {
        List<String> client = config.interpreters().client(Family.JAVA);
        String resource = "jni/libaws-lambda-jni.linux-" + ("aarch64".equals(System.getProperty("os.arch"))
                ? "aarch_64" : "x86_64") + ".so";
        for (Path jar : classPathJars(client == null ? List.of() : client)) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry entry = zip.getEntry(resource);
                if (entry == null) {
                    continue;
                }
                Path target = bootstrapDir.resolve(JNI_LIBRARY);
                Path partial = bootstrapDir.resolve(JNI_LIBRARY + ".partial");
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (IOException e) {
                // Not a jar, or unreadable: try the next.
            }
        }
        return false;
    }

    private static List<Path> classPathJars(List<String> command) {
        List<Path> jars = new ArrayList<>();
        for (String argument : command) {
            for (String piece : argument.split(java.io.File.pathSeparator)) {
                if (piece.endsWith("/*")) {
                    Path dir = Path.of(piece.substring(0, piece.length() - 2));
                    if (Files.isDirectory(dir)) {
                        try (Stream<Path> entries = Files.list(dir)) {
                            entries.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
                        } catch (IOException e) {
                            // Skip an unreadable directory.
                        }
                    }
                } else if (piece.endsWith(".jar") && Files.isRegularFile(Path.of(piece))) {
                    jars.add(Path.of(piece));
                }
            }
        }
        // The client's own jar first: it holds the library.
        jars.sort((a, b) -> Boolean.compare(!a.getFileName().toString().contains("runtime-interface-client"),
                !b.getFileName().toString().contains("runtime-interface-client")));
        return jars;
    }

    /**
     * The interpreter with its built-in bootstrap. Python's output is unbuffered ({@code -u}), so that
     * it reaches the log before the response does, as Lambda's runtime makes it (without setting a
     * variable the function would see).
     */
    private List<String> bootstrapCommand(Path interpreter, Family family) {
        String bootstrap = sandbox.runtimeDir(bootstrapDir) + "/" + bootstrap(family);
        return family == Family.PYTHON ? List.of(interpreter.toString(), "-u", bootstrap)
                : List.of(interpreter.toString(), bootstrap);
    }

    private static String bootstrap(Family family) {
        return switch (family) {
            case PYTHON -> "bootstrap.py";
            case NODEJS -> "bootstrap.mjs";
            case RUBY -> "bootstrap.rb";
            case JAVA, OTHER -> throw new IllegalStateException("no built-in bootstrap for " + family);
        };
    }

    /**
     * The note for a runtime that runs on another language version than its own, or null; the service
     * also says it once on its notices (which {@code serve} prints).
     */
    private String note(String runtime) {
        List<String> client = config.interpreters().client(LambdaRuntimes.familyOf(runtime).orElseThrow());
        if (client != null && !client.contains(Interpreters.JAVA)) {
            return null; // the client's command names its own interpreter
        }
        String note = config.interpreters().choose(runtime).map(Interpreters.Choice::note).orElse(null);
        if (note == null) {
            return null;
        }
        if (noted.add(runtime)) {
            notices.accept("local-lambda: " + note);
        }
        return "LOCAL_LAMBDA_NOTE " + note;
    }

    /** Spares run the built-in bootstraps only: an official runtime client is started per function. */
    private boolean usesSpares(Family family) {
        return config.spareRuntimes() && config.interpreters().client(family) == null
                && (family == Family.PYTHON || family == Family.NODEJS || family == Family.RUBY);
    }

    private SpareRuntimes.Spare startSpare(SpareKind kind) {
        Path directory = RuntimeProcess.createDirectory(environmentsDir);
        List<String> command = bootstrapCommand(kind.interpreter(), kind.family());
        Map<String, String> environment = baseEnvironment(kind.runtime(), kind.family(),
                sandbox.taskRoot(directory.resolve("task")), kind.interpreter());
        environment.put("LOCAL_LAMBDA_SPARE", "1");
        if (!sandbox.isolated()) {
            environment.put("TMPDIR", directory.resolve("tmp").toString());
        }
        // The spare's sandbox already names the Runtime API its function will get (its /etc/hosts).
        String token = RuntimeProtocol.newToken();
        List<String> wrapped = sandbox.wrap(command, directory.resolve("task"), bootstrapDir,
                Sandbox.installationsOf(command), sandbox.hostsFile(directory, token), Sandbox.DEFAULT_TMP_MB,
                RuntimeProcess.createRestartDirectory(directory));
        return new SpareRuntimes.Spare(tracked(RuntimeProcess.start(processes, wrapped, environment,
                sandbox.isolated() ? directory : bootstrapDir, directory, sandbox.isolated(), true, token)));
    }

    private RuntimeProcess tracked(RuntimeProcess runtime) {
        live.add(runtime);
        runtime.gone().thenRun(() -> live.remove(runtime));
        return runtime;
    }

    /**
     * Kills what is left and waits until every runtime process this launcher started is gone and its
     * directory removed, so that a stopped service leaves nothing behind. Call after the functions closed.
     */
    void awaitEnvironmentsGone(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RuntimeProcess runtime : List.copyOf(live)) {
            runtime.kill();
            runtime.awaitExitAndClean(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
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

    static String cannotRun(String runtime) {
        return "The local Lambda service cannot run " + runtime + " functions on this machine: it runs "
                + "python3.x, nodejs*.x and ruby3.x with their interpreters installed, and java* with the "
                + "Java runtime interface client (LOCAL_LAMBDA_JAVA_RIC).";
    }

    /**
     * A function's variables: the base ones, the function's own, and Lambda's that describe it. Its
     * region is its scope's, and its credentials (put in by {@link #start}) are a session in its
     * account, so that its own AWS calls land where it lives.
     */
    private Map<String, String> environment(FunctionVersion function, Scope scope, Family family) {
        Map<String, String> env = baseEnvironment(function.runtime(), family,
                sandbox.taskRoot(function.code().directory()), config.interpreters().executable(function.runtime()).orElse(null));
        env.put("AWS_REGION", scope.region());
        env.put("AWS_DEFAULT_REGION", scope.region());
        env.put("_HANDLER", function.handler());
        env.put("LAMBDA_TASK_ROOT", sandbox.taskRoot(function.code().directory()));
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memorySize()));
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        // Lambda's advanced logging controls reach the runtime as these variables, which its logging reads.
        LoggingConfig logging = function.loggingConfig();
        if (logging.isJson()) {
            env.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
            if (logging.applicationLogLevel() != null) {
                env.put("AWS_LAMBDA_LOG_LEVEL", logging.applicationLogLevel());
            }
        }
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", logging.logGroup() != null ? logging.logGroup() : "/aws/lambda/" + function.name());
        env.putAll(function.environment());
        return env;
    }

    /**
     * The variables every function of a runtime gets, which a spare starts with: those Lambda sets in
     * every environment (recorded from AWS in LocalStack's test_lambda_common.snapshot.json,
     * test_introspection_invoke), with this machine's directories where Lambda's do not exist here:
     * {@code PATH} starts with the interpreter's own directory where Lambda's starts with
     * {@code /var/lang/bin}. No {@code HOME}, as on Lambda.
     */
    private Map<String, String> baseEnvironment(String runtime, Family family, String taskRoot, Path interpreter) {
        Map<String, String> env = new HashMap<>();
        String runtimeDir = sandbox.runtimeDir(bootstrapDir);
        Path interpreterDir = interpreter == null ? null : interpreter.toAbsolutePath().getParent();
        env.put("PATH", (interpreterDir == null ? "" : interpreterDir + ":") + "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
        env.put("LD_LIBRARY_PATH", "/var/lang/lib:/lib64:/usr/lib64:" + runtimeDir + ":" + runtimeDir + "/lib:"
                + taskRoot + ":" + taskRoot + "/lib:/opt/lib");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.put("LAMBDA_RUNTIME_DIR", runtimeDir);
        // X-Ray's daemon is on the environment's link-local address on AWS; here nothing listens on loopback.
        env.put("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
        env.put("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000");
        env.put("_AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1");
        env.put("_AWS_XRAY_DAEMON_PORT", "2000");
        if (family != Family.JAVA) {
            // What the shell that starts these runtimes on Lambda leaves (the Java runtime gets neither).
            env.put("SHLVL", "0");
            env.put("PWD", taskRoot);
        }
        String version = runtime.replaceAll("^[a-z]+", "").replaceAll("\\.x$", "");
        switch (family) {
            case PYTHON -> env.put("PYTHONPATH", runtimeDir);
            case NODEJS -> env.put("NODE_PATH", "/opt/nodejs/node" + version + "/node_modules:/opt/nodejs/node_modules:"
                    + runtimeDir + "/node_modules:" + runtimeDir + ":" + taskRoot);
            case RUBY -> {
                // Gems deployed with the function (bundle install --path vendor/bundle) and its own files
                // are found as on Lambda.
                String gems = version + ".0";
                env.put("GEM_HOME", runtimeDir);
                env.put("GEM_PATH", taskRoot + "/vendor/bundle/ruby/" + gems + ":/opt/ruby/gems/" + gems + ":"
                        + runtimeDir + ":" + runtimeDir + "/ruby/" + gems);
                env.put("RUBYLIB", taskRoot + ":" + runtimeDir + "/lib:/opt/ruby/lib");
            }
            default -> {
            }
        }
        env.put("AWS_REGION", config.region());
        env.put("AWS_DEFAULT_REGION", config.region());
        // A function's role credentials on AWS; a spare starts with placeholders of the default account
        // (its function's own session replaces them), and Lambda and STS calls come back to us.
        env.put("AWS_ACCESS_KEY_ID", config.accountId());
        env.put("AWS_SECRET_ACCESS_KEY", "local-lambda-secret");
        env.put("AWS_SESSION_TOKEN", "local-lambda-session");
        env.put("AWS_ENDPOINT_URL_LAMBDA", endpoint.toString());
        env.put("AWS_ENDPOINT_URL_STS", endpoint.toString());
        env.putAll(config.functionEnvironment());
        return env;
    }
}
