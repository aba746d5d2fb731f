package io.lambdasteprunner.local;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
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
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Lambda-compatible service on 127.0.0.1, started in-process. Point an AWS SDK or the AWS CLI at
 * {@link #endpoint()} and it behaves like Lambda, running functions as local processes under the
 * Lambda Runtime API.
 *
 * <p>It plays several accounts and regions, and STS's AssumeRole on the same endpoint: a caller acts
 * in the account of its access key id (twelve digits: that account; AssumeRole's keys: the role's;
 * any other: {@link LocalLambdaConfig#accountId()}) and the region it signed for, and sees only that
 * account's functions in that region ({@code docs/LOCAL-LAMBDA.md}, "Accounts, regions and STS").
 *
 * <p>Only AWS SDK and CLI requests get in ({@link SdkRequestFilter}); functions run isolated where
 * bubblewrap is installed ({@link Sandbox}), and the service says once, on standard error, when they
 * do not.
 *
 * <p>Limits: a request's line and headers are read on a virtual thread of its own, so that half-sent
 * ones hold no platform thread and do not keep other callers out; then at most
 * {@value #MAX_REQUEST_THREADS} requests are served at once and {@value #MAX_QUEUED_REQUESTS} more
 * wait (beyond that a request is answered 429 {@code TooManyRequestsException}); a request
 * must arrive whole, headers and body, within {@value #MAX_REQUEST_SECONDS} s; at most
 * {@link LocalLambdaConfig#maxEnvironments()} runtime processes run at once.
 *
 * <p>Thread-safe. {@link #close()} stops every function process, waits for them to end and deletes
 * the unpacked code; a JVM shutdown hook does the same if the owner never calls it.
 */
public final class LocalLambdaService implements AutoCloseable {

    static final int MAX_REQUEST_THREADS = 256;
    static final int MAX_QUEUED_REQUESTS = 1024;
    static final int MAX_REQUEST_SECONDS = 30;

    static {
        // Read once, when the JDK's server first loads; a value the JVM was started with is kept.
        // The JDK server leaves Nagle's algorithm on: 40 ms per small response on loopback without this.
        setDefault("sun.net.httpserver.nodelay", "true");
        // A request must be read (headers and body) within this time, or its connection is closed:
        // half-sent requests do not hold a thread for ever. Responses are not limited: an Invoke's
        // response starts only when the function ends, up to 900 s later.
        setDefault("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        setDefault("jdk.httpserver.maxConnections", "4096");
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private static final List<String> BOOTSTRAPS = List.of("bootstrap.py", "bootstrap.mjs", "bootstrap.rb",
            "spare-warm-up.cjs");

    private final HttpServer server;
    private final ExecutorService executor;
    /** Where failed events wait for their retry: one daemon thread for all of them. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor retryTimer;
    private final ExecutorService requests;
    private final ExecutorService readers;
    private final ProcessStarter processes;
    private final FunctionScopes functions;
    private final SecurityTokenService sts;
    private final Launcher launcher;
    private final Faults faults;
    private final Path workDir;
    private final boolean ownsWorkDir;
    private final Thread shutdownHook;
    private final URI endpoint;
    private final boolean isolated;
    private volatile boolean closed;

    private LocalLambdaService(LocalLambdaConfig config) throws IOException {
        this.ownsWorkDir = config.workDir() == null;
        this.workDir = ownsWorkDir ? WorkDirectories.create() : config.workDir();
        Path bootstrapDir = Files.createDirectories(workDir.resolve("bootstrap"));
        for (String bootstrap : BOOTSTRAPS) {
            try (InputStream in = LocalLambdaService.class.getResourceAsStream("bootstrap/" + bootstrap)) {
                Files.copy(in, bootstrapDir.resolve(bootstrap), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Sandbox sandbox = config.isolate() ? Sandbox.detect(System.getenv()) : Sandbox.off("isolation is off in the configuration");
        this.isolated = sandbox.isolated();
        if (!sandbox.isolated()) {
            System.err.println("local-lambda: WARNING: functions are not isolated from each other or from this machine: "
                    + sandbox.unavailableReason() + ". Each gets a private TMPDIR and its processes are killed with it.");
        }
        this.executor = Executors.newCachedThreadPool(daemonThreads("local-lambda-"));
        this.retryTimer = new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemonThreads("local-lambda-retry-"));
        retryTimer.setRemoveOnCancelPolicy(true); // a deleted function's retries leave the timer at once
        if (ownsWorkDir) {
            Path tmp = workDir.getParent();
            executor.execute(() -> WorkDirectories.removeAbandoned(tmp));
        }
        this.requests = new ThreadPoolExecutor(MAX_REQUEST_THREADS, MAX_REQUEST_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS), daemonThreads("local-lambda-http-"));
        ((ThreadPoolExecutor) requests).allowCoreThreadTimeOut(true);
        this.processes = new ProcessStarter();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 128);
        this.endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        Consumer<String> notices = config.echoFunctionLogs() ? System.out::println : System.err::println;
        AccessKeys keys = new AccessKeys(config.accountId());
        this.launcher = new Launcher(config, sandbox, bootstrapDir,
                Files.createDirectories(workDir.resolve("environments")), endpoint, executor, processes, keys, notices);
        this.faults = new Faults(config.faults());
        Path codeRoot = Files.createDirectories(workDir.resolve("functions"));
        Consumer<String> logEcho = config.echoFunctionLogs() ? System.out::print : text -> { };
        this.functions = new FunctionScopes(new Scope(config.accountId(), config.region()),
                scope -> new FunctionRegistry(scope, config, codeRoot, launcher, executor, retryTimer,
                        logEcho, faults));
        this.sts = new SecurityTokenService(keys, RoleTrust.ANYONE, Clock.systemUTC());
        LambdaApi api = new LambdaApi(functions, keys, sts, faults, Clock.systemUTC());
        HttpContext context = server.createContext("/", exchange -> serveBounded(exchange, api));
        context.getFilters().add(new SdkRequestFilter());
        this.readers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("local-lambda-read-", 1).factory());
        server.setExecutor(readers);
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
     * Deploys {@code deployment} in the default account and region without a round trip through the API:
     * CreateFunction with {@code Publish: true} (the same checks, and the published version's first environment
     * starting while the function is Pending), then, once it is Active, CreateAlias. For the program that hosts
     * the service and deploys its own functions at start: a 15 MB package then skips base64, JSON and two
     * SHA-256 passes over HTTP (half a second of {@code serve}'s start).
     *
     * @param activeWithin how long the function may stay Pending
     * @throws IllegalStateException when it fails to become Active (its log says why), or not in time
     */
    public FunctionDeployment.Deployed deploy(FunctionDeployment deployment, java.time.Duration activeWithin) {
        long started = System.nanoTime();
        FunctionRegistry registry = functions.ofDefault();
        FunctionName name = FunctionName.parseForCreate(deployment.functionName());
        FunctionRegistry.Created created = registry.create(new ControlRequests.NewFunction(name,
                deployment.runtime(), deployment.role(), deployment.handler(), deployment.description(),
                deployment.timeout(), deployment.memorySize(), null, deployment.environment(), null, deployment.zip(),
                false, java.util.Map.of(), null, true, ControlRequests.Settings.NONE));
        LocalFunction function = registry.function(name);
        long createdAt = System.nanoTime();
        long deadline = createdAt + activeWithin.toNanos();
        while (function.state() != LocalFunction.State.Active) {
            if (function.state() == LocalFunction.State.Failed || System.nanoTime() > deadline) {
                throw new IllegalStateException(deployment.functionName() + " did not become Active ("
                        + function.state() + "): " + lastLines(function.log().text()));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while deploying " + deployment.functionName(), e);
            }
        }
        long activeAt = System.nanoTime();
        String version = created.published().version();
        LocalFunction.Alias alias = registry.createAlias(name,
                new ControlRequests.AliasChange(deployment.alias(), version, null, null, null));
        return new FunctionDeployment.Deployed(registry.functionArn(name.name()) + ":" + alias.name(), version,
                java.time.Duration.ofNanos(createdAt - started), java.time.Duration.ofNanos(activeAt - createdAt));
    }

    private static String lastLines(String log) {
        String text = log.strip();
        return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
    }

    /**
     * Switches fault injection while the service runs ({@link FaultInjection#NONE} turns it off).
     * Also reachable over HTTP as {@code PUT /_local/faults}.
     */
    public void injectFaults(FaultInjection settings) {
        faults.set(settings);
    }

    /** Whether execution environments run in bubblewrap sandboxes (see {@link LocalLambdaConfig#isolate()}). */
    public boolean isolated() {
        return isolated;
    }

    /** Names of the functions the service holds now in its default account and region (the config's). */
    public List<String> functionNames() {
        return functionNames(functions.defaultScope().accountId(), functions.defaultScope().region());
    }

    /** Names of the functions the service holds now in an account and region. */
    public List<String> functionNames(String accountId, String region) {
        return functions.existing(new Scope(accountId, region))
                .map(registry -> registry.all().stream().map(LocalFunction::name).toList()).orElse(List.of());
    }

    /** Everything a function of the default account and region has logged (bounded), as its log group would show it. */
    public String functionLog(String functionName) {
        return functions.ofDefault().function(FunctionName.parse(functionName)).log().text();
    }

    /**
     * Everything a function has logged (bounded); {@code functionArn} names its account and region
     * ({@code arn:aws:lambda:REGION:ACCOUNT:function:NAME}).
     */
    public String functionLogByArn(String functionArn) {
        FunctionName name = FunctionName.parse(functionArn);
        if (name.region() == null || name.accountId() == null) {
            throw new IllegalArgumentException("not a full function ARN: " + functionArn);
        }
        return functions.of(new Scope(name.accountId(), name.region())).function(name).log().text();
    }

    /**
     * Which roles STS refuses to let be assumed, and which need an external id, as their trust
     * policies would say ({@link RoleTrust#ANYONE}, the default, lets any role be assumed).
     */
    public void trustRoles(RoleTrust trust) {
        sts.trust(trust);
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

    /**
     * Runs on the virtual thread that read the request's headers (and passed {@link SdkRequestFilter}):
     * hands it to the bounded pool, whose threads read the body and may wait for a function for up to
     * 900 s, and waits. When the pool and its queue are full, the caller is told so and may retry: nothing ran.
     */
    private void serveBounded(HttpExchange exchange, LambdaApi api) {
        java.util.concurrent.Future<?> served;
        try {
            served = requests.submit(() -> {
                api.handle(exchange);
                return null;
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LambdaApi.refuse(exchange, LambdaException.tooManyRequests("The local Lambda service is serving "
                    + MAX_REQUEST_THREADS + " requests and has " + MAX_QUEUED_REQUESTS + " more waiting; "
                    + "this one did not run: try again.", "CallerRateLimitExceeded"));
            return;
        }
        try {
            served.get();
        } catch (InterruptedException e) {
            served.cancel(true); // the service is stopping
        } catch (java.util.concurrent.ExecutionException e) {
            exchange.close(); // the caller went away while it was answered
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        launcher.close(); // first, so that functions closing next start no spare
        retryTimer.shutdownNow(); // waiting retries are dropped, as waiting events are
        functions.closeAll();
        launcher.awaitEnvironmentsGone(java.time.Duration.ofSeconds(10));
        processes.close();
        executor.shutdownNow();
        requests.shutdownNow();
        readers.shutdownNow();
        if (ownsWorkDir) {
            FunctionRegistry.deleteQuietly(workDir);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
