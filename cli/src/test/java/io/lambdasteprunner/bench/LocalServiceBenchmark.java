package io.lambdasteprunner.bench;

import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Benchmark of the local Lambda service (not a test): every figure is printed beside a baseline
 * measured in the same run, as a ratio.
 *
 * <ul>
 *   <li>warm invoke of a Python echo function vs a bare HTTP round trip to the same server;</li>
 *   <li>create → Active → first invoke → delete of a Python function vs a bare start of Debian's
 *       {@code python3 -c pass};</li>
 *   <li>invokes per second at concurrency 4.</li>
 * </ul>
 * Both sides use the same plain HTTP client (keep-alive {@link HttpURLConnection}), so the ratio
 * is the service's own cost. Run with {@code scripts/bench.sh}.
 */
public final class LocalServiceBenchmark {
    private static final String ROLE = "arn:aws:iam::000000000000:role/bench";
    private static final String ECHO = "def lambda_handler(event, context):\n    return event\n";

    public static void main(String[] args) throws Exception {
        int warmIterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int lifecycles = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults())) {
            URI endpoint = service.endpoint();
            create(endpoint, "bench-echo");
            waitActive(endpoint, "bench-echo");

            // Warm both paths before measuring (JIT, connections, the function's environment).
            for (int i = 0; i < 500; i++) {
                bareRoundTrip(endpoint);
                invoke(endpoint, "bench-echo");
            }
            long[] bare = new long[warmIterations];
            long[] warm = new long[warmIterations];
            for (int i = 0; i < warmIterations; i++) {
                // Interleaved, so both see the same machine state.
                long t0 = System.nanoTime();
                bareRoundTrip(endpoint);
                long t1 = System.nanoTime();
                invoke(endpoint, "bench-echo");
                long t2 = System.nanoTime();
                bare[i] = t1 - t0;
                warm[i] = t2 - t1;
            }
            Arrays.sort(bare);
            Arrays.sort(warm);
            double bareP50 = ms(percentile(bare, 50));
            double warmP50 = ms(percentile(warm, 50));
            System.out.printf(Locale.ROOT, "%nwarm invoke, Python echo (%d invokes)%n", warmIterations);
            System.out.printf(Locale.ROOT, "  bare HTTP round trip   p50 %.3f ms  p99 %.3f ms%n", bareP50, ms(percentile(bare, 99)));
            System.out.printf(Locale.ROOT, "  warm invoke            p50 %.3f ms  p99 %.3f ms%n", warmP50, ms(percentile(warm, 99)));
            System.out.printf(Locale.ROOT, "  ratio p50 %.2fx  p99 %.2fx   (target p50 <= 3x)%n", warmP50 / bareP50,
                    ms(percentile(warm, 99)) / ms(percentile(bare, 99)));

            long[] pythonStart = new long[lifecycles];
            long[] lifecycle = new long[lifecycles];
            long[] createToActive = new long[lifecycles];
            long[] firstInvoke = new long[lifecycles];
            for (int i = 0; i < lifecycles; i++) {
                long t0 = System.nanoTime();
                Process python = new ProcessBuilder("/usr/bin/python3", "-c", "pass").start();
                python.waitFor();
                long t1 = System.nanoTime();
                String name = "bench-life-" + i;
                create(endpoint, name);
                waitActive(endpoint, name);
                long t2 = System.nanoTime();
                invoke(endpoint, name);
                long t3 = System.nanoTime();
                delete(endpoint, name);
                long t4 = System.nanoTime();
                pythonStart[i] = t1 - t0;
                createToActive[i] = t2 - t1;
                firstInvoke[i] = t3 - t2;
                lifecycle[i] = t4 - t1;
            }
            for (long[] series : List.of(pythonStart, lifecycle, createToActive, firstInvoke)) {
                Arrays.sort(series);
            }
            double pythonP50 = ms(percentile(pythonStart, 50));
            double lifeP50 = ms(percentile(lifecycle, 50));
            System.out.printf(Locale.ROOT, "%ncreate -> Active -> first invoke -> delete, Python (%d functions)%n", lifecycles);
            System.out.printf(Locale.ROOT, "  bare /usr/bin/python3 -c pass  p50 %.2f ms%n", pythonP50);
            System.out.printf(Locale.ROOT, "  create -> Active               p50 %.2f ms%n", ms(percentile(createToActive, 50)));
            System.out.printf(Locale.ROOT, "  first invoke                   p50 %.2f ms%n", ms(percentile(firstInvoke, 50)));
            System.out.printf(Locale.ROOT, "  whole create-invoke-delete     p50 %.2f ms  p99 %.2f ms%n", lifeP50,
                    ms(percentile(lifecycle, 99)));
            System.out.printf(Locale.ROOT, "  ratio p50 %.2fx   (target <= 4x)%n", lifeP50 / pythonP50);

            int concurrency = 4;
            int perThread = Math.max(250, warmIterations / 4);
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            double[] rates = new double[2];
            for (int round = 0; round < 2; round++) {
                boolean bareRound = round == 0;
                long start = System.nanoTime();
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < concurrency; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            if (bareRound) {
                                bareRoundTrip(endpoint);
                            } else {
                                invoke(endpoint, "bench-echo");
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
                rates[round] = concurrency * perThread / ((System.nanoTime() - start) / 1e9);
            }
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            System.out.printf(Locale.ROOT, "%nthroughput at concurrency %d (%d requests each)%n", concurrency, perThread);
            System.out.printf(Locale.ROOT, "  bare HTTP round trips  %.0f /s%n", rates[0]);
            System.out.printf(Locale.ROOT, "  warm invokes           %.0f /s   (%.2f of bare)%n", rates[1], rates[1] / rates[0]);
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static void bareRoundTrip(URI endpoint) {
        call("GET", endpoint.resolve("/2016-08-19/account-settings/"), null, 200);
    }

    private static void invoke(URI endpoint, String name) {
        call("POST", endpoint.resolve("/2015-03-31/functions/" + name + "/invocations"), "{\"ping\":1}", 200);
    }

    private static void create(URI endpoint, String name) {
        String zip = Base64.getEncoder().encodeToString(zip(ECHO));
        call("POST", endpoint.resolve("/2015-03-31/functions"), "{\"FunctionName\":\"" + name
                + "\",\"Runtime\":\"python3.12\",\"Role\":\"" + ROLE
                + "\",\"Handler\":\"lambda_function.lambda_handler\",\"Code\":{\"ZipFile\":\"" + zip + "\"}}", 201);
    }

    private static void waitActive(URI endpoint, String name) throws InterruptedException {
        // SDK waiters poll every few seconds; a tight poll measures the service, not the waiter.
        while (!call("GET", endpoint.resolve("/2015-03-31/functions/" + name + "/configuration"), null, 200)
                .contains("\"State\":\"Active\"")) {
            Thread.sleep(0, 200_000);
        }
    }

    private static void delete(URI endpoint, String name) {
        call("DELETE", endpoint.resolve("/2015-03-31/functions/" + name), null, 204);
    }

    private static byte[] zip(String code) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("lambda_function.py"));
            zip.write(code.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The service lets in only SigV4-signed requests and does not check the signature itself (any key
     * is accepted): both sides of each ratio send this header, so signing costs neither side.
     */
    private static final String AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=bench/20261129/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);

    private static String call(String method, URI uri, String body, int expectedStatus) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setRequestMethod(method);
            connection.setRequestProperty("Authorization", AUTHORIZATION);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = connection.getResponseCode();
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String response = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (status != expectedStatus) {
                throw new IllegalStateException(method + " " + uri + " answered " + status + ": " + response);
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
