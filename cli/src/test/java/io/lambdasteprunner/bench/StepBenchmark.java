package io.lambdasteprunner.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.handler.DependencyFactory;
import io.lambdasteprunner.handler.MetricsSink;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.lambda.ZipPackager;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.Deadline;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepListener;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepRunner;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark of the step runner (not a test), issue 6. Every figure is printed beside a baseline
 * measured in the same run, as a ratio, so a busier machine moves both sides together:
 * <ol>
 *   <li>invoke-step overhead: an invoke step through the handler vs a bare SDK invoke of the same
 *       warm function, same client, interleaved;</li>
 *   <li>custom-code steps for Python, Node.js and Ruby (create / wait / invoke / delete) vs a bare
 *       {@code /usr/bin/python3 -c pass}, and a reused step ({@code "reuse": true}) vs a bare warm invoke;</li>
 *   <li>cold start: the handler's initialisation in a fresh JVM, and a whole {@code java -jar ... run}
 *       of an invoke step vs a JVM doing exactly one SDK invoke, both with the JVM flags of Lambda's
 *       java21 runtime;</li>
 *   <li>throughput at concurrency 1, 4 and 16, with memory use.</li>
 * </ol>
 * Run with {@code scripts/bench.sh steps [scale] [sections]}: scale 1 is the documented run, sections
 * a subset of {@code 1234}.
 */
public final class StepBenchmark {
    /** The flags Lambda's java21 runtime starts the JVM with (tier-1 JIT only), as the template runs it. */
    static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");
    private static final String ROLE = "arn:aws:iam::000000000000:role/bench";
    private static final StepConfig CONFIG = new StepConfig(ROLE, List.of(), null, "lambda-step-runner");
    private static final String ECHO = "def lambda_handler(event, context):\n    return event\n";
    private static final Map<String, String> CODE = Map.of(
            "python3.12", "def lambda_handler(event, context):\n    return {'ok': True, 'host': event['host']}\n",
            "nodejs22.x", "exports.handler = async (event) => ({ok: true, host: event.host});\n",
            "ruby3.3", "def lambda_handler(event:, context:)\n  {ok: true, host: event['host']}\nend\n");

    private final ObjectMapper mapper = new ObjectMapper();
    private final double scale;
    private final String sections;

    private StepBenchmark(double scale, String sections) {
        this.scale = scale;
        this.sections = sections;
    }

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, java %s; baselines are measured in the same run%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.arch"), System.getProperty("java.version"));
        new StepBenchmark(scale, args.length > 1 ? args[1] : "1234").run();
    }

    private int n(int count) {
        return Math.max(3, (int) Math.round(count * scale));
    }

    private void run() throws Exception {
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"))) {
            client.createFunction(r -> r.functionName("bench-echo").runtime("python3.12").role(ROLE)
                    .handler("lambda_function.lambda_handler")
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(new ZipPackager().zip("lambda_function.py", ECHO)))));
            client.waiter().waitUntilFunctionActiveV2(r -> r.functionName("bench-echo"));
            StepHandler handler = new StepHandler(DependencyFactory.onClient(CONFIG, client, MetricsSink.none()));

            if (sections.contains("1")) {
                invokeOverhead(client, handler);
            }
            if (sections.contains("2")) {
                if (!sections.contains("1")) {
                    warmUp(client);
                }
                customCode(client, service.endpoint());
            }
            if (sections.contains("3")) {
                coldStart(client, service.endpoint());
            }
            if (sections.contains("4")) {
                throughput(client, handler);
            }
        }
    }

    // 1. ---------------------------------------------------------------------------------------------
    private void invokeOverhead(LambdaClient client, StepHandler handler) throws Exception {
        byte[] step = "{\"action\":\"invoke\",\"functionName\":\"bench-echo\",\"payload\":{\"host\":\"web-1\"},\"logType\":\"None\"}"
                .getBytes(StandardCharsets.UTF_8);
        SdkBytes payload = SdkBytes.fromUtf8String("{\"host\":\"web-1\"}");
        HandlerInitProbe.BenchContext context = new HandlerInitProbe.BenchContext();
        // 8000 pairs: C2 compiles the step's longer path later than the bare invoke's; after 1500 pairs the ratio
        // is still falling (1.14x, then 1.12x after 5000, 1.09x after 8000).
        for (int i = 0; i < 8000; i++) {
            bareInvoke(client, payload);
            handle(handler, step, context);
        }
        int count = n(3000);
        long[] bare = new long[count];
        long[] stepped = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            bareInvoke(client, payload);
            long t1 = System.nanoTime();
            handle(handler, step, context);
            long t2 = System.nanoTime();
            bare[i] = t1 - t0;
            stepped[i] = t2 - t1;
        }
        System.out.printf(Locale.ROOT, "%n1. invoke-step overhead, warm Python echo function (%d interleaved pairs)%n", count);
        row("bare SDK invoke (LambdaClient.invoke)", bare);
        row("invoke step through the handler", stepped);
        ratio(stepped, bare, "1.10x");
    }

    /**
     * What section 1 does first, for a run of section 2 alone: the HTTP path every step shares (the SDK's
     * client, signing, the service's server) run until the JIT has compiled it, so that the custom-code
     * figures measure the steps, not the JVM's first minutes, whichever sections run.
     */
    private static void warmUp(LambdaClient client) {
        SdkBytes payload = SdkBytes.fromUtf8String("{\"host\":\"web-1\"}");
        for (int i = 0; i < 3000; i++) {
            bareInvoke(client, payload);
        }
    }

    private static void bareInvoke(LambdaClient client, SdkBytes payload) {
        client.invoke(r -> r.functionName("bench-echo").logType("None").payload(payload)).payload().asUtf8String();
    }

    private static void handle(StepHandler handler, byte[] event, HandlerInitProbe.BenchContext context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        handler.handleRequest(new ByteArrayInputStream(event), out, context);
    }

    // 2. ---------------------------------------------------------------------------------------------
    private void customCode(LambdaClient client, URI endpoint) throws Exception {
        PhaseTimes phases = new PhaseTimes();
        StepRunner runner = runner(client, phases);
        // The same steps on a service that starts a fresh process for every environment, for comparison.
        try (LocalLambdaService coldService = LocalLambdaService.start(LocalLambdaConfig.defaults().withSpareRuntimes(false));
             LambdaClient coldClient = LambdaClients.create(LambdaClientConfig.local(coldService.endpoint(), "us-east-1"))) {
            customCode(client, runner, phases, runner(coldClient, new PhaseTimes()));
        }
    }

    private StepRunner runner(LambdaClient client, PhaseTimes phases) {
        return new StepRunner(new SdkLambdaGateway(client), CONFIG, phases, mapper, Clock.systemUTC(), new Random());
    }

    private void customCode(LambdaClient client, StepRunner runner, PhaseTimes phases, StepRunner coldRunner)
            throws Exception {
        int count = n(20);
        System.out.printf(Locale.ROOT, "%n2. custom-code step, create -> Active -> invoke -> delete (%d steps each, "
                + "each interleaved with a bare start)%n", count);
        for (String runtime : List.of("python3.12", "nodejs22.x", "ruby3.3")) {
            StepRequest request = customStep(runtime, false);
            for (int i = 0; i < 5; i++) {
                runner.run(request, deadline()); // the interpreter's files into the page cache, the step's code paths warm
            }
            phases.clear();
            long[] python = new long[count];
            long[] own = new long[count];
            long[] whole = new long[count];
            List<String> ownStart = ownInterpreterStart(runtime);
            long[] withoutSpares = new long[count];
            coldRunner.run(request, deadline());
            for (int i = 0; i < count; i++) {
                // Each start is timed on a quiet machine: the spare runtime that replaces the one a step
                // took starts in the background, and must not slow the baseline down.
                awaitQuietChildren();
                python[i] = timed(() -> new ProcessBuilder("/usr/bin/python3", "-c", "pass").start().waitFor());
                whole[i] = timed(() -> runner.run(request, deadline()));
                awaitQuietChildren();
                own[i] = timed(() -> new ProcessBuilder(ownStart).start().waitFor());
                awaitQuietChildren();
                withoutSpares[i] = timed(() -> coldRunner.run(request, deadline()));
            }
            System.out.printf(Locale.ROOT, "  %s%n", runtime);
            row("  bare /usr/bin/python3 -c pass", python);
            row("  (bare " + String.join(" ", ownStart) + ")", own);
            for (StepListener.Phase phase : StepListener.Phase.values()) {
                row("  " + phase.name().toLowerCase(Locale.ROOT).replace('_', ' '), phases.get(phase));
            }
            row("  whole step", whole);
            row("  (whole step, no spare runtimes)", withoutSpares);
            ratio(whole, python, "4x");
        }

        StepRequest reused = customStep("python3.12", true);
        runner.run(reused, deadline());
        SdkBytes payload = SdkBytes.fromUtf8String("{\"host\":\"web-1\"}");
        String name = client.listFunctions().functions().stream().map(f -> f.functionName())
                .filter(f -> f.contains("-reuse-")).findFirst().orElseThrow();
        for (int i = 0; i < 500; i++) {
            runner.run(reused, deadline());
            client.invoke(r -> r.functionName(name).logType("None").payload(payload));
        }
        int warm = n(2000);
        long[] bare = new long[warm];
        long[] step = new long[warm];
        for (int i = 0; i < warm; i++) {
            long t0 = System.nanoTime();
            client.invoke(r -> r.functionName(name).logType("None").payload(payload)).payload().asUtf8String();
            long t1 = System.nanoTime();
            runner.run(reused, deadline());
            long t2 = System.nanoTime();
            bare[i] = t1 - t0;
            step[i] = t2 - t1;
        }
        System.out.printf(Locale.ROOT, "  reused Python function (\"reuse\": true), %d interleaved pairs%n", warm);
        row("  bare warm SDK invoke of the same function", bare);
        row("  reused custom-code step", step);
        ratio(step, bare, "1.5x");
        client.deleteFunction(r -> r.functionName(name));
    }

    /** Something timed, in nanoseconds. */
    private interface Timed {
        void run() throws Exception;
    }

    private static long timed(Timed work) throws Exception {
        long start = System.nanoTime();
        work.run();
        return System.nanoTime() - start;
    }

    /**
     * Waits until this JVM's child processes (function runtimes, spare runtimes) have used no CPU
     * for 20 ms: the kernel accounts CPU in 10 ms ticks, so a process at work shows in that window.
     */
    private static void awaitQuietChildren() throws InterruptedException {
        long before = childCpuNanos();
        for (int i = 0; i < 100; i++) {
            Thread.sleep(20);
            long now = childCpuNanos();
            if (now == before) {
                return;
            }
            before = now;
        }
    }

    private static long childCpuNanos() {
        return ProcessHandle.current().descendants()
                .mapToLong(process -> process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    /** A bare start of the interpreter the local service runs a runtime with, for reference. */
    private static List<String> ownInterpreterStart(String runtime) {
        String interpreter = io.lambdasteprunner.local.Interpreters.detect().executable(runtime).orElseThrow().toString();
        if (runtime.startsWith("nodejs") || runtime.startsWith("ruby")) {
            return List.of(interpreter, "-e", "0");
        }
        return List.of(interpreter, "-c", "pass");
    }

    private StepRequest customStep(String runtime, boolean reuse) throws IOException {
        var json = mapper.createObjectNode();
        json.put("action", "customCode");
        json.put("runtime", runtime);
        json.put("code", CODE.get(runtime));
        json.put("logType", "None");
        json.putObject("payload").put("host", "web-1");
        if (reuse) {
            json.put("reuse", true);
        }
        return new StepRequestParser().parse(json);
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(60), Clock.systemUTC());
    }

    /** Phase durations of the steps run since the last {@link #clear()}. */
    private static final class PhaseTimes implements StepListener {
        private final Map<Phase, List<Long>> times = new ConcurrentHashMap<>();

        @Override
        public void phase(String action, String functionName, Phase phase, Duration took, boolean succeeded) {
            times.computeIfAbsent(phase, p -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(took.toNanos());
        }

        void clear() {
            times.clear();
        }

        long[] get(Phase phase) {
            return times.getOrDefault(phase, List.of()).stream().mapToLong(Long::longValue).toArray();
        }
    }

    // 3. ---------------------------------------------------------------------------------------------
    private void coldStart(LambdaClient client, URI endpoint) throws Exception {
        client.createFunction(r -> r.functionName("restart-web-service").runtime("python3.12").role(ROLE)
                .handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(new ZipPackager().zip("lambda_function.py", ECHO)))));
        client.waiter().waitUntilFunctionActiveV2(r -> r.functionName("restart-web-service"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of("step-runner", "target", "lambda-step-runner.jar").toString();
        String probeClasspath = System.getProperty("bench.testClasses", "cli/target/test-classes") + File.pathSeparator + jar;
        String jvmOptions = System.getenv().getOrDefault("BENCH_JAVA_TOOL_OPTIONS", "");
        List<String> flags = new ArrayList<>(LAMBDA_JVM_FLAGS);
        if (!jvmOptions.isBlank()) {
            flags.addAll(List.of(jvmOptions.trim().split("\\s+")));
        }
        List<String> bareCommand = new ArrayList<>(List.of(java));
        bareCommand.addAll(flags);
        bareCommand.addAll(List.of("-cp", probeClasspath, BareSdkInvoke.class.getName(), endpoint.toString(),
                "restart-web-service"));
        List<String> runCommand = new ArrayList<>(List.of(java));
        runCommand.addAll(flags);
        // The command line is the cli module's jar; the Lambda artifact has no Main.
        String cliJar = Path.of("cli", "target", "lambda-step-runner-cli.jar").toString();
        runCommand.addAll(List.of("-jar", cliJar, "run", "events/invoke.json", "--endpoint", endpoint.toString()));
        List<String> javaVersion = new ArrayList<>(List.of(java));
        javaVersion.addAll(flags);
        javaVersion.add("-version");
        List<String> probeCommand = new ArrayList<>(List.of(java));
        probeCommand.addAll(flags);
        probeCommand.addAll(List.of("-cp", probeClasspath, HandlerInitProbe.class.getName(), "events/invoke.json"));

        int count = n(10);
        long[] bareJvm = new long[count];
        long[] bare = new long[count];
        long[] run = new long[count];
        double[] init = new double[count];
        double[] first = new double[count];
        double[] second = new double[count];
        double[] rss = new double[count];
        for (int i = -1; i < count; i++) {
            long t0 = System.nanoTime();
            exec(javaVersion, endpoint);
            long t1 = System.nanoTime();
            exec(bareCommand, endpoint);
            long t2 = System.nanoTime();
            exec(runCommand, endpoint);
            long t3 = System.nanoTime();
            String[] probe = exec(probeCommand, endpoint).trim().split("\\s+");
            if (i < 0) {
                continue; // the first round fills the page cache
            }
            bareJvm[i] = t1 - t0;
            bare[i] = t2 - t1;
            run[i] = t3 - t2;
            init[i] = Double.parseDouble(probe[1]);
            first[i] = Double.parseDouble(probe[3]);
            second[i] = Double.parseDouble(probe[5]);
            rss[i] = Double.parseDouble(probe[7]);
        }
        System.out.printf(Locale.ROOT, "%n3. cold start, JVM flags %s (%d processes of each, interleaved)%n",
                String.join(" ", flags), count);
        row("JVM start and exit (java -version)", bareJvm);
        row("JVM + one bare SDK invoke (baseline)", bare);
        row("java -jar ... run events/invoke.json", run);
        ratio(run, bare, "1.2x");
        System.out.printf(Locale.ROOT, "  handler in a fresh JVM: constructor p50 %.1f ms, first request p50 %.1f ms, "
                + "second request p50 %.1f ms, peak RSS %.0f MB%n", median(init), median(first), median(second),
                median(rss));
    }

    private static String exec(List<String> command, URI endpoint) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("AWS_ENDPOINT_URL_LAMBDA", endpoint.toString());
        builder.environment().put("AWS_REGION", "us-east-1");
        builder.environment().put("DEFAULT_EXECUTION_ROLE_ARN", ROLE);
        builder.environment().put("POWERTOOLS_METRICS_DISABLED", "true");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + status + ": " + out);
        }
        return out;
    }

    // 4. ---------------------------------------------------------------------------------------------
    private void throughput(LambdaClient client, StepHandler handler) throws Exception {
        byte[] step = "{\"action\":\"invoke\",\"functionName\":\"bench-echo\",\"payload\":{\"host\":\"web-1\"},\"logType\":\"None\"}"
                .getBytes(StandardCharsets.UTF_8);
        SdkBytes payload = SdkBytes.fromUtf8String("{\"host\":\"web-1\"}");
        System.out.printf(Locale.ROOT, "%n4. throughput of invoke steps on the warm echo function, with memory use%n");
        for (int concurrency : new int[] {1, 4, 16}) {
            int perThread = Math.max(20, n(2400) / concurrency);
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            double[] rates = new double[2];
            for (int round = 0; round < 3; round++) { // round 0 warms the function's environments
                boolean bareRound = round == 1;
                long start = System.nanoTime();
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < concurrency; t++) {
                    futures.add(pool.submit(() -> {
                        HandlerInitProbe.BenchContext context = new HandlerInitProbe.BenchContext();
                        for (int i = 0; i < perThread; i++) {
                            if (bareRound) {
                                bareInvoke(client, payload);
                            } else {
                                handle(handler, step, context);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
                if (round > 0) {
                    rates[round - 1] = concurrency * perThread / ((System.nanoTime() - start) / 1e9);
                }
            }
            pool.shutdown();
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf(Locale.ROOT, "  concurrency %2d: bare SDK invokes %6.0f /s, invoke steps %6.0f /s (%.2f of bare); "
                            + "JVM RSS %s MB (peak %s MB), heap after GC %.0f MB, function processes %d%n",
                    concurrency, rates[0], rates[1], rates[1] / rates[0], status("VmRSS"), status("VmHWM"),
                    heap / 1048576.0, ProcessHandle.current().children().count());
        }
    }

    private static String status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return String.valueOf(Long.parseLong(line.replaceAll("\\D", "")) / 1024);
            }
        }
        return "?";
    }

    // --------------------------------------------------------------------------------------------------
    private static void row(String label, long[] nanos) {
        if (nanos.length == 0) {
            System.out.printf(Locale.ROOT, "  %-44s -%n", label);
            return;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "  %-44s p50 %8.3f ms  p99 %8.3f ms%n", label, percentile(sorted, 50) / 1e6,
                percentile(sorted, 99) / 1e6);
    }

    private static void ratio(long[] measured, long[] baseline, String target) {
        long[] m = measured.clone();
        long[] b = baseline.clone();
        Arrays.sort(m);
        Arrays.sort(b);
        double p50 = (double) percentile(m, 50) / percentile(b, 50);
        double p99 = (double) percentile(m, 99) / percentile(b, 99);
        System.out.printf(Locale.ROOT, "  ratio p50 %.2fx  p99 %.2fx   (target p50 <= %s: %s)%n", p50, p99, target,
                p50 <= Double.parseDouble(target.replace("x", "")) ? "met" : "NOT met");
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

}
