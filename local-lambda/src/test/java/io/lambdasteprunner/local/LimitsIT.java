package io.lambdasteprunner.local;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service's limits, so that it is safe to leave running: a bound on runtime processes, on request
 * threads and read time, refused or replaced code removed from disk, big output drained and kept to
 * the invocation that wrote it.
 */
class LimitsIT {
    private static final String SLEEPER = "import time\ndef lambda_handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return 'ok'\n";

    private static LocalLambdaService start(LocalLambdaConfig config) {
        return LocalLambdaService.start(config);
    }

    @Nested
    class Environments {
        @Test
        void shouldThrottleBeyondTheBoundAndCloseIdleEnvironmentsToMakeRoom() throws Exception {
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults().withMaxEnvironments(2).withSpareRuntimes(false));
                 LambdaClient lambda = LocalLambda.client(service)) {
                for (String name : List.of("cap-1", "cap-2", "cap-3")) {
                    LocalLambda.create(lambda, name, "python3.12", "lambda_function.py", "lambda_function.lambda_handler",
                            SLEEPER, 20);
                }
                // Three functions, two places: idle environments make room for the next function's.
                for (String name : List.of("cap-1", "cap-2", "cap-3", "cap-1")) {
                    assertNull(lambda.invoke(r -> r.functionName(name)).functionError(), name);
                }

                List<CompletableFuture<InvokeResponse>> busy = new ArrayList<>();
                var callers = java.util.concurrent.Executors.newFixedThreadPool(2);
                for (String name : List.of("cap-1", "cap-2")) {
                    busy.add(CompletableFuture.supplyAsync(() -> lambda.invoke(r -> r.functionName(name)
                            .payload(SdkBytes.fromUtf8String("{\"sleep\":5}"))), callers));
                }
                Thread.sleep(2000);
                TooManyRequestsException throttled;
                try (LambdaClient once = LambdaClient.builder().endpointOverride(service.endpoint())
                        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                        .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test")))
                        .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1)))
                        .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                        .build()) {
                    throttled = assertThrows(TooManyRequestsException.class, () -> once.invoke(r -> r.functionName("cap-3")));
                }

                assertEquals(429, throttled.statusCode());
                assertTrue(throttled.awsErrorDetails().errorMessage().contains("at most 2 execution environments"),
                        throttled.awsErrorDetails().errorMessage());
                for (CompletableFuture<InvokeResponse> call : busy) {
                    assertNull(call.get(30, TimeUnit.SECONDS).functionError());
                }
                callers.shutdown();
                assertNull(lambda.invoke(r -> r.functionName("cap-3")).functionError(), "room again");
            }
        }

        @Test
        void shouldStartAtMostTheBoundOfProcessesHoweverManyFunctionsAreCreated() throws Exception {
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults().withMaxEnvironments(4));
                 LambdaClient lambda = LocalLambda.client(service)) {
                for (int i = 0; i < 12; i++) {
                    String name = "many-" + i;
                    lambda.createFunction(r -> r.functionName(name).runtime("python3.12").role(LocalLambda.ROLE)
                            .handler("lambda_function.lambda_handler")
                            .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", SLEEPER)))));
                }
                for (int i = 0; i < 12; i++) {
                    String name = "many-" + i;
                    lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
                }

                long runtimes = ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("bwrap")
                        || p.info().command().orElse("").contains("python")).count();
                assertTrue(runtimes <= 4 + service.spareRuntimeProcesses().size(), runtimes + " processes");
                assertNull(lambda.invoke(r -> r.functionName("many-0")).functionError());
            }
        }
    }

    @Nested
    class Events {
        /**
         * Asynchronous invokes wait in a bounded queue per function, run by a few workers, not a thread
         * each: beyond the queue's bound Invoke answers 429 saying so, and the service's stop drops the
         * waiting events instead of waiting for them.
         */
        @Test
        void shouldQueueABoundedNumberOfEventsAndStopWithoutWaitingForThem() throws Exception {
            LocalLambdaService service = start(LocalLambdaConfig.defaults().withSpareRuntimes(false));
            try (LambdaClient lambda = LocalLambda.client(service)) {
                LocalLambda.create(lambda, "events-slow", "python3.12", "lambda_function.py",
                        "lambda_function.lambda_handler", SLEEPER, 30);
                int accepted = 0;
                TooManyRequestsException refused = null;
                for (int i = 0; i < EventQueues.MAX_QUEUED + EventQueues.MAX_WORKERS + 20 && refused == null; i++) {
                    try {
                        assertEquals(202, lambda.invoke(r -> r.functionName("events-slow")
                                .invocationType("Event").payload(SdkBytes.fromUtf8String("{\"sleep\":20}"))).statusCode());
                        accepted++;
                    } catch (TooManyRequestsException e) {
                        refused = e;
                    }
                }

                assertTrue(refused != null, "a full queue refuses the next event");
                assertTrue(accepted >= EventQueues.MAX_QUEUED && accepted <= EventQueues.MAX_QUEUED + EventQueues.MAX_WORKERS,
                        accepted + " events accepted");
                assertTrue(refused.awsErrorDetails().errorMessage().contains("queues at most 1000 asynchronous events"),
                        refused.awsErrorDetails().errorMessage());
                assertEquals(204, lambda.invoke(r -> r.functionName("events-slow").invocationType("DryRun")).statusCode(),
                        "the function itself still answers");
            } finally {
                long began = System.nanoTime();
                service.close();
                long stopMillis = (System.nanoTime() - began) / 1_000_000;
                assertTrue(stopMillis < 15_000, "the stop took " + stopMillis + " ms with 1000 events waiting");
            }
        }
    }

    @Nested
    class Code {
        @Test
        void shouldLeaveNothingOnDiskWhenAZipBombIsRefused() throws Exception {
            Path workDir = Files.createTempDirectory("limits-");
            try (LocalLambdaService service = start(withWorkDir(workDir));
                 LambdaClient lambda = LocalLambda.client(service)) {
                SdkBytes bomb = zeros(270_000_000);

                InvalidParameterValueException refused = assertThrows(InvalidParameterValueException.class,
                        () -> lambda.createFunction(r -> r.functionName("bomb").runtime("python3.12").role(LocalLambda.ROLE)
                                .handler("lambda_function.lambda_handler").code(c -> c.zipFile(bomb))));

                assertTrue(refused.getMessage().contains("Unzipped size must be smaller than 262144000 bytes"));
                assertEquals(List.of(), list(workDir.resolve("functions")), "unpacked bytes removed");
            } finally {
                FunctionRegistry.deleteQuietly(workDir);
            }
        }

        @Test
        void shouldRemoveReplacedCodeThatNoVersionRuns() throws Exception {
            Path workDir = Files.createTempDirectory("limits-");
            try (LocalLambdaService service = start(withWorkDir(workDir));
                 LambdaClient lambda = LocalLambda.client(service)) {
                LocalLambda.createPython(lambda, "updated", "def lambda_handler(e, c):\n    return 1\n");
                List<Path> before = list(workDir.resolve("functions"));

                lambda.updateFunctionCode(r -> r.functionName("updated")
                        .zipFile(LocalLambda.zip(Map.of("lambda_function.py", "def lambda_handler(e, c):\n    return 2\n"))));

                // The replaced code goes once the update has finished (InProgress until then): wait for it.
                List<Path> after = list(workDir.resolve("functions"));
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
                while (after.size() > 1 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    after = list(workDir.resolve("functions"));
                }
                assertEquals(1, before.size());
                assertEquals(1, after.size(), after.toString());
                assertFalse(after.equals(before), "the old code is gone, the new one is there");
            } finally {
                FunctionRegistry.deleteQuietly(workDir);
            }
        }

        private static LocalLambdaConfig withWorkDir(Path workDir) {
            LocalLambdaConfig d = LocalLambdaConfig.defaults();
            return new LocalLambdaConfig(d.port(), d.region(), d.accountId(), workDir, d.interpreters(),
                    d.maxEnvironmentsPerFunction(), d.initTimeout(), d.functionEnvironment(), d.echoFunctionLogs(),
                    d.faults(), d.spareRuntimes(), d.maxEnvironments(), d.isolate());
        }

        private static SdkBytes zeros(long size) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                zip.putNextEntry(new ZipEntry("lambda_function.py"));
                byte[] chunk = new byte[1 << 20];
                for (long written = 0; written < size; written += chunk.length) {
                    zip.write(chunk);
                }
                zip.closeEntry();
            }
            return SdkBytes.fromByteArray(bytes.toByteArray());
        }
    }

    @Nested
    class Output {
        @Test
        void shouldKeepAFunctionsBigOutputToTheInvocationThatWroteIt() throws Exception {
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults());
                 LambdaClient lambda = LocalLambda.client(service)) {
                LocalLambda.createPython(lambda, "chatty", """
                        import sys
                        def lambda_handler(event, context):
                            if event.get("flood"):
                                chunk = "flood " * 10000 + "\\n"
                                for _ in range(100 * 1024 * 1024 // len(chunk)):
                                    sys.stdout.write(chunk)
                            print("invocation", event.get("n"))
                            return "ok"
                        """);

                InvokeResponse flooded = lambda.invoke(r -> r.functionName("chatty").logType(LogType.TAIL)
                        .payload(SdkBytes.fromUtf8String("{\"flood\":true,\"n\":0}")));
                InvokeResponse next = lambda.invoke(r -> r.functionName("chatty").logType(LogType.TAIL)
                        .payload(SdkBytes.fromUtf8String("{\"n\":1}")));

                assertNull(flooded.functionError(), flooded.payload().asUtf8String());
                assertTrue(LocalLambda.decodeLog(flooded.logResult()).contains("invocation 0"));
                String nextLog = LocalLambda.decodeLog(next.logResult());
                assertTrue(nextLog.startsWith("START RequestId: "), nextLog.substring(0, Math.min(200, nextLog.length())));
                assertTrue(nextLog.contains("invocation 1"));
                assertFalse(nextLog.contains("flood"), "none of the previous invocation's output");
            }
        }
    }

    @Nested
    class Requests {
        @Test
        void shouldHoldBoundedThreadsForHalfSentRequestsAndCloseThemAfterTheReadTime() throws Exception {
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults());
                 LambdaClient lambda = LocalLambda.client(service)) {
                List<Socket> halfSent = new ArrayList<>();
                try {
                    for (int i = 0; i < 600; i++) {
                        Socket socket = new Socket("127.0.0.1", service.endpoint().getPort());
                        OutputStream out = socket.getOutputStream();
                        out.write("POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        halfSent.add(socket);
                    }
                    Thread.sleep(2000);

                    long threads = Thread.getAllStackTraces().keySet().stream()
                            .filter(thread -> thread.getName().startsWith("local-lambda-http-")).count();
                    assertTrue(threads <= LocalLambdaService.MAX_REQUEST_THREADS, threads + " request threads");

                    // Within the read time (and a tick of the server's timer), the server closes them.
                    long deadline = System.nanoTime() + Duration.ofSeconds(LocalLambdaService.MAX_REQUEST_SECONDS + 20).toNanos();
                    for (Socket socket : halfSent) {
                        socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                        assertClosedUnanswered(socket);
                    }
                } finally {
                    for (Socket socket : halfSent) {
                        socket.close();
                    }
                }
                assertEquals(200, lambda.listFunctions().sdkHttpResponse().statusCode(), "serving again");
            }
        }
    }

    @Nested
    class HalfSentRequests {
        private static final String SIGNED = "Authorization: AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/lambda/"
                + "aws4_request, SignedHeaders=host, Signature=" + "0123456789abcdef".repeat(4) + "\r\n";

        @Test
        void shouldServeOtherCallersWhileHalfSentHeadersWait() throws Exception {
            // Given more half-sent requests than the service has request threads and queue together
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults());
                 LambdaClient lambda = LocalLambda.client(service)) {
                List<Socket> halfSent = send(service, 1500, "GET /2015-03-31/functions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wai");
                try {
                    Thread.sleep(1000);

                    // When an SDK calls, then it is answered (their headers wait on virtual threads)
                    assertEquals(200, lambda.listFunctions().sdkHttpResponse().statusCode());
                } finally {
                    closeAll(halfSent);
                }
            }
        }

        @Test
        void shouldAnswerTooManyRequestsWhenEveryRequestThreadWaitsForABody() throws Exception {
            // Given signed requests whose bodies never come, more than request threads and queue together
            try (LocalLambdaService service = start(LocalLambdaConfig.defaults());
                 LambdaClient lambda = LocalLambda.client(service)) {
                int held = LocalLambdaService.MAX_REQUEST_THREADS + LocalLambdaService.MAX_QUEUED_REQUESTS + 50;
                List<Socket> halfSent = send(service, held, "POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + SIGNED + "Content-Length: 100\r\n\r\n{\"FunctionName\":");
                try {
                    Thread.sleep(3000);

                    // When an SDK calls, then it is told why, with a code it retries on (nothing ran)
                    TooManyRequestsException refused = assertThrows(TooManyRequestsException.class, lambda::listFunctions);
                    assertTrue(refused.getMessage().contains("is serving " + LocalLambdaService.MAX_REQUEST_THREADS
                            + " requests"), refused.getMessage());
                } finally {
                    closeAll(halfSent);
                }
                assertEquals(200, lambda.listFunctions().sdkHttpResponse().statusCode(), "serving again");
            }
        }

        private static List<Socket> send(LocalLambdaService service, int count, String start) throws IOException {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket("127.0.0.1", service.endpoint().getPort());
                socket.getOutputStream().write(start.getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(socket);
            }
            return sockets;
        }

        private static void closeAll(List<Socket> sockets) throws IOException {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** The server closed the connection without a response: end of stream, or a reset (data was unread). */
    private static void assertClosedUnanswered(Socket socket) throws IOException {
        try {
            assertEquals(-1, socket.getInputStream().read());
        } catch (java.net.SocketException e) {
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }
}
