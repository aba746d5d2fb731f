package io.lambdasteprunner.local;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Lambda-compatible service on 127.0.0.1, started in-process. Point an AWS SDK or the AWS CLI at
 * {@link #endpoint()} and it behaves like Lambda, running functions as local processes under the
 * Lambda Runtime API.
 *
 * <p>Thread-safe. {@link #close()} stops every function process, waits for them to end and deletes
 * the unpacked code; a JVM shutdown hook does the same if the owner never calls it.
 */
public final class LocalLambdaService implements AutoCloseable {

    static {
        // The JDK server leaves Nagle's algorithm on: 40 ms per small response on loopback without this.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final List<String> BOOTSTRAPS = List.of("bootstrap.py", "bootstrap.mjs", "bootstrap.rb");

    private final HttpServer server;
    private final ExecutorService executor;
    private final FunctionRegistry functions;
    private final Launcher launcher;
    private final Faults faults;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Thread shutdownHook;
    private final URI endpoint;
    private volatile boolean closed;

    private LocalLambdaService(LocalLambdaConfig config) throws IOException {
        this.ownsWorkDir = config.workDir() == null;
        this.workDir = ownsWorkDir ? Files.createTempDirectory("local-lambda-") : config.workDir();
        Path bootstrapDir = Files.createDirectories(workDir.resolve("bootstrap"));
        for (String bootstrap : BOOTSTRAPS) {
            try (InputStream in = LocalLambdaService.class.getResourceAsStream("bootstrap/" + bootstrap)) {
                Files.copy(in, bootstrapDir.resolve(bootstrap), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        this.executor = Executors.newCachedThreadPool(daemonThreads());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 128);
        this.endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        this.launcher = new Launcher(config, bootstrapDir,
                Files.createDirectories(workDir.resolve("output")), endpoint, executor);
        this.faults = new Faults(config.faults());
        this.functions = new FunctionRegistry(config, Files.createDirectories(workDir.resolve("functions")), launcher,
                executor, config.echoFunctionLogs() ? System.out::print : text -> { }, faults);
        LambdaApi api = new LambdaApi(functions, faults);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        this.shutdownHook = new Thread(this::stop, "local-lambda-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the service; it listens on 127.0.0.1 only. */
    public static LocalLambdaService start(LocalLambdaConfig config) {
        try {
            return new LocalLambdaService(config);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the local Lambda service: " + e.getMessage(), e);
        }
    }

    /** The Lambda API endpoint, e.g. {@code http://127.0.0.1:9001}, for an SDK's endpoint override. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * Switches fault injection while the service runs ({@link FaultInjection#NONE} turns it off).
     * Also reachable over HTTP as {@code PUT /_local/faults}.
     */
    public void injectFaults(FaultInjection settings) {
        faults.set(settings);
    }

    /** Names of the functions the service holds now. */
    public List<String> functionNames() {
        return functions.all().stream().map(LocalFunction::name).toList();
    }

    /** Everything a function has logged (bounded), as its log group would show it. */
    public String functionLog(String functionName) {
        return functions.function(FunctionName.parse(functionName)).log().text();
    }

    /**
     * The processes of the spare runtimes the service keeps started (at most one per language), which
     * belong to no function; see {@link LocalLambdaConfig#spareRuntimes()}.
     */
    public List<ProcessHandle> spareRuntimeProcesses() {
        return launcher.spareProcesses();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or has run.
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        launcher.close(); // first, so that functions closing next start no spare
        functions.closeAll();
        executor.shutdownNow();
        if (ownsWorkDir) {
            FunctionRegistry.deleteQuietly(workDir);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "local-lambda-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
