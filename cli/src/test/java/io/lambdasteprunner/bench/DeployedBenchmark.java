package io.lambdasteprunner.bench;

import io.lambdasteprunner.cli.LocalDeployment;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The deployed shape, as a {@code serve} user gets it: the step runner deployed in the local service
 * as {@code lambda-step-runner} (java21 under the official Java runtime interface client, alias
 * {@code live}), called through the AWS SDK like Step Functions would call it.
 *
 * <ul>
 *   <li>an invoke step (the runner invokes a warm Python echo function) against a bare invoke of the same
 *       echo function (target ≤ 2.5×: two hops make 2× the floor), from the Java SDK and from boto3. The
 *       Java client is the runner's own ({@link LambdaClients}): the SDK's URL-connection client as it comes
 *       would add the JDK's 1 ms check of a kept-alive connection to every bare invoke, a baseline that
 *       flatters the ratio;</li>
 *   <li>a Python custom-code step (create, invoke, delete) against {@code /usr/bin/python3 -c pass}
 *       (target ≤ 4×);</li>
 *   <li>the throughput of 20 concurrent invokes of a warm function (the echo function, and the runner).</li>
 * </ul>
 *
 * The step figures are the steady state, after 3000 warm-up steps whose ratio is printed in blocks: how a fresh
 * runner gets there is part of the result.
 *
 * Usage: {@code DeployedBenchmark [rounds=40]}; run by {@code scripts/bench.sh deployed}.
 */
public final class DeployedBenchmark {
    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    /** Warm-up blocks of bare/step pairs: 3000 steps in all, the last blocks at the steady state. */
    private static final int[] WARM_UP_BLOCKS = {100, 150, 250, 500, 500, 500, 500, 500};
    private static final String ECHO = "def lambda_handler(event, context):\n    return {'ok': True, 'host': event.get('host')}\n";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        Path jar = LocalDeployment.runnerJar();
        String ric = LocalDeployment.javaRicClassPath(System.getenv(), jar);
        LocalLambdaConfig config = LocalDeployment.withJavaRuntime(LocalLambdaConfig.defaults(), ric);
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"));
        try (LocalLambdaService service = LocalLambdaService.start(config);
             LambdaClient lambda = client(service)) {
            System.out.println("execution environments isolated (bubblewrap): " + service.isolated());
            LocalDeployment.deploy(service, jar, ROLE, LocalDeployment.localEnvironment(System.getenv(), ROLE));
            SdkBytes echo = zip(ECHO);
            lambda.createFunction(r -> r.functionName("bench-echo").runtime("python3.12").role(ROLE)
                    .handler("lambda_function.lambda_handler").code(c -> c.zipFile(echo)));
            lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("bench-echo"));

            String invokeStep = """
                    {"action":"invoke","functionName":"bench-echo","payload":{"host":"web-1"},"logType":"None"}""";
            String customStep = """
                    {"action":"customCode","runtime":"python3.12","handler":"lambda_handler","logType":"None",
                     "code":"def lambda_handler(event, context):\\n    return {'ok': True, 'host': event['host']}\\n",
                     "payload":{"host":"web-1"}}""";
            // The runner's custom-code path and a spare Python runtime first: compiling it later deoptimises code the
            // invoke step shares with it.
            for (int i = 0; i < 5; i++) {
                invoke(lambda, "lambda-step-runner:live", customStep);
            }
            // Warm up, timed in blocks: a fresh runner JVM compiles its code at tier 1 over its first few hundred
            // steps, and this JVM (the service's) compiles its request path with C2 after a few thousand requests,
            // so the ratio falls for the first ~2500 steps. The curve is printed; the figures below are the steady state.
            System.out.println();
            System.out.println("invoke step while the runner and the service warm up (Java SDK caller, median of each block)");
            int served = 0;
            for (int block : WARM_UP_BLOCKS) {
                double[] bare = new double[block];
                double[] step = new double[block];
                for (int i = 0; i < block; i++) {
                    bare[i] = timed(() -> invoke(lambda, "bench-echo", "{\"host\":\"web-1\"}"));
                    step[i] = timed(() -> invoke(lambda, "lambda-step-runner:live", invokeStep));
                }
                served += block;
                System.out.printf(Locale.ROOT, "  steps %5d-%-5d  bare %.2f ms  step %.2f ms  ratio %.2fx%n",
                        served - block + 1, served, p(bare, 50), p(step, 50), p(step, 50) / p(bare, 50));
            }
            double[] bare = new double[rounds * 5];
            double[] step = new double[rounds * 5];
            for (int i = 0; i < bare.length; i++) { // interleaved, so load hits both alike
                bare[i] = timed(() -> invoke(lambda, "bench-echo", "{\"host\":\"web-1\"}"));
                step[i] = timed(() -> invoke(lambda, "lambda-step-runner:live", invokeStep));
            }
            System.out.println();
            System.out.println("invoke step through the deployed runner, steady state (" + bare.length + " each)");
            System.out.printf(Locale.ROOT, "  bare SDK invoke of the echo function  p50 %.2f ms  p99 %.2f ms%n", p(bare, 50), p(bare, 99));
            System.out.printf(Locale.ROOT, "  invoke step (runner -> echo)          p50 %.2f ms  p99 %.2f ms%n", p(step, 50), p(step, 99));
            System.out.printf(Locale.ROOT, "  ratio p50 %.2fx   (target <= 2.5x)%n", p(step, 50) / p(bare, 50));
            double[] boto3 = fromBoto3(service, bare.length);
            if (boto3 != null) {
                System.out.println("the same from boto3 (" + bare.length + " interleaved pairs after as many to warm up)");
                System.out.printf(Locale.ROOT, "  bare boto3 invoke of the echo function  p50 %.2f ms%n", boto3[0]);
                System.out.printf(Locale.ROOT, "  invoke step (runner -> echo)            p50 %.2f ms%n", boto3[1]);
                System.out.printf(Locale.ROOT, "  ratio p50 %.2fx   (target <= 2.5x)%n", boto3[1] / boto3[0]);
            }

            double[] python = new double[rounds];
            double[] custom = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                python[i] = timed(DeployedBenchmark::pythonStart);
                custom[i] = timed(() -> invoke(lambda, "lambda-step-runner:live", customStep));
            }
            System.out.println();
            System.out.println("Python custom-code step through the deployed runner (" + rounds + " each)");
            System.out.printf(Locale.ROOT, "  /usr/bin/python3 -c pass              p50 %.2f ms%n", p(python, 50));
            System.out.printf(Locale.ROOT, "  custom-code step (create, invoke, delete)  p50 %.2f ms  p99 %.2f ms%n",
                    p(custom, 50), p(custom, 99));
            System.out.printf(Locale.ROOT, "  ratio p50 %.2fx   (target <= 4x)%n", p(custom, 50) / p(python, 50));

            System.out.println();
            System.out.println("20 concurrent invokes of a warm function (" + rounds * 10 + " invokes each)");
            System.out.printf(Locale.ROOT, "  echo function (python3.12)   %.0f invokes/s%n",
                    throughput(lambda, "bench-echo", "{\"host\":\"web-1\"}", rounds * 10));
            System.out.printf(Locale.ROOT, "  invoke step (runner -> echo) %.0f steps/s%n",
                    throughput(lambda, "lambda-step-runner:live", invokeStep, rounds * 10));
        }
    }

    private static LambdaClient client(LocalLambdaService service) {
        return LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
    }

    /** The same pairs from boto3, in the venv the test command sets up: "bare step" medians in ms. */
    private static double[] fromBoto3(LocalLambdaService service, int pairs) throws IOException, InterruptedException {
        Path python = Path.of(".venv/bin/python");
        if (!Files.isExecutable(python)) {
            return null;
        }
        Process process = new ProcessBuilder(python.toString(), "tools/bench/boto3_invoke_step.py",
                service.endpoint().toString(), "bench-echo", Integer.toString(pairs))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("boto3 benchmark failed: " + out);
        }
        String[] medians = out.split(" ");
        return new double[] {Double.parseDouble(medians[0]), Double.parseDouble(medians[1])};
    }

    private static void invoke(LambdaClient lambda, String function, String payload) {
        InvokeResponse response = lambda.invoke(r -> r.functionName(function).payload(SdkBytes.fromUtf8String(payload)));
        String body = response.payload().asUtf8String();
        if (response.functionError() != null || body.contains("\"errorType\"")) {
            throw new IllegalStateException(function + " failed: " + body);
        }
    }

    private static void pythonStart() {
        try {
            Process process = new ProcessBuilder("/usr/bin/python3", "-c", "pass").start();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("python3 -c pass failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Invokes per second at concurrency 20, after a round that warms 20 environments (not timed). */
    private static double throughput(LambdaClient lambda, String function, String payload, int total) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(20);
        try {
            List<Future<?>> warmUp = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                warmUp.add(callers.submit(() -> invoke(lambda, function, payload)));
            }
            for (Future<?> call : warmUp) {
                call.get(5, TimeUnit.MINUTES);
            }
            long began = System.nanoTime();
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                calls.add(callers.submit(() -> invoke(lambda, function, payload)));
            }
            for (Future<?> call : calls) {
                call.get(5, TimeUnit.MINUTES);
            }
            return total / ((System.nanoTime() - began) / 1e9);
        } finally {
            callers.shutdownNow();
        }
    }

    private static double timed(Runnable action) {
        long began = System.nanoTime();
        action.run();
        return (System.nanoTime() - began) / 1e6;
    }

    private static double p(double[] values, int percentile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static SdkBytes zip(String code) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("lambda_function.py"));
            zip.write(code.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return SdkBytes.fromByteArray(bytes.toByteArray());
    }

    private DeployedBenchmark() {
    }
}
