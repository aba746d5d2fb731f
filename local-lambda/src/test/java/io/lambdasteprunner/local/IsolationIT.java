package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Execution environments are isolated as Lambda's sandboxes are (bubblewrap, installed by
 * scripts/setup-tools.sh): one function cannot see another's processes, environment, /tmp or code,
 * cannot write to its own code, cannot reach another's Runtime API, and whatever it starts dies with
 * its environment.
 */
class IsolationIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reports what a function can see and do from inside its sandbox. */
    private static final String PROBE = """
            import json, os, socket, subprocess, urllib.request
            def lambda_handler(event, context):
                action = event.get("action")
                if action == "write-tmp":
                    open("/tmp/secret.txt", "w").write(event["text"])
                    return "written"
                if action == "look":
                    environs = []
                    for pid in os.listdir("/proc"):
                        if pid.isdigit():
                            try:
                                environs.append(open(f"/proc/{pid}/environ", "rb").read().decode("latin-1"))
                            except OSError:
                                pass
                    try:
                        open("/var/task/intruder.txt", "w").write("x")
                        wrote_task = True
                    except OSError:
                        wrote_task = False
                    return {"pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
                            "environs": environs, "tmp": os.listdir("/tmp"),
                            "otherCodeVisible": os.path.exists(event.get("otherCode", "/nonexistent")),
                            "wroteTask": wrote_task, "taskRoot": os.environ["LAMBDA_TASK_ROOT"],
                            "cwd": os.getcwd()}
                if action == "runtime-api":
                    # Knowing the port (listening sockets are visible: the network is shared) is not enough,
                    # nor is a token of its own: a's address names a's token, which only a's sandbox resolves.
                    port = int(event["address"].rsplit(":", 1)[1])
                    own_host = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[0]
                    results = {"resolvesOthersName": True}
                    try:
                        socket.getaddrinfo(event["address"].split(":")[0], port)
                    except OSError:
                        results["resolvesOthersName"] = False
                    path = "/2018-06-01/runtime/invocation/next"
                    for name, (url, host) in {
                            "noToken": (f"http://127.0.0.1:{port}{path}", None),
                            "wrongToken": (f"http://127.0.0.1:{port}/0123456789abcdef0123456789abcdef{path}", None),
                            "ownToken": (f"http://127.0.0.1:{port}{path}", f"{own_host}:{port}")}.items():
                        request = urllib.request.Request(url, headers={"Host": host} if host else {})
                        try:
                            results[name] = urllib.request.urlopen(request, timeout=5).status
                        except urllib.error.HTTPError as e:
                            results[name] = e.code
                    return results
                if action == "fill-tmp":
                    written = 0
                    try:
                        with open("/tmp/fill.bin", "wb") as f:
                            chunk = b"x" * (1 << 20)
                            while written < event.get("mb", 600) * (1 << 20):
                                f.write(chunk)
                                f.flush()
                                written += len(chunk)
                        error = None
                    except OSError as e:
                        error = e.errno
                    os.remove("/tmp/fill.bin")
                    return {"writtenMb": written >> 20, "errno": error}
                if action == "address":
                    return os.environ["AWS_LAMBDA_RUNTIME_API"]
                if action == "hold":
                    import time
                    time.sleep(event["seconds"])
                    return "held"
                if action == "fork":
                    # A double-forked child in a session of its own: it leaves the runtime's process tree.
                    subprocess.Popen(["/usr/bin/setsid", "/bin/sh", "-c", "sleep 300 & exit 0"])
                    if event.get("hang"):
                        import time
                        time.sleep(30)
                    return %s
                return None
            """.formatted(Sandboxes.PYTHON_ENVIRONMENT);

    private static LocalLambdaService service;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        assertTrue(service.isolated(), "bubblewrap is installed (scripts/setup-tools.sh) and works here");
        lambda = LocalLambda.client(service);
        for (String name : new String[] {"iso-a", "iso-b"}) {
            lambda.createFunction(r -> r.functionName(name).runtime("python3.12").role(LocalLambda.ROLE)
                    .handler("lambda_function.lambda_handler").timeout(20)
                    .environment(e -> e.variables(Map.of("SECRET_OF", name + "-secret-value")))
                    .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", PROBE)))));
            lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        }
    }

    @AfterAll
    static void stop() {
        lambda.close();
        service.close();
    }

    /** The pid of the idle spare runtime, once one is there (ten seconds at most). */
    private static long awaitSpare() throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> spares = service.spareRuntimeProcesses();
            if (!spares.isEmpty()) {
                return spares.get(0).pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no spare runtime started");
    }

    private static JsonNode invoke(LambdaClient client, String name, String event) throws Exception {
        InvokeResponse response = client.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String(event)));
        assertNull(response.functionError(), response.payload().asUtf8String());
        return JSON.readTree(response.payload().asUtf8String());
    }

    @Nested
    class Processes {
        @Test
        void shouldSeeOnlyItsOwnProcessesAndNoOtherFunctionsEnvironment() throws Exception {
            invoke(lambda, "iso-a", "{}"); // both environments run

            JsonNode seen = invoke(lambda, "iso-b", "{\"action\":\"look\"}");

            assertTrue(seen.get("pids").size() <= 3, "its init, its runtime (and a child): " + seen.get("pids"));
            assertFalse(seen.get("environs").toString().contains("iso-a-secret-value"), seen.get("environs").toString());
            assertFalse(seen.get("environs").toString().contains(LocalLambda.ROLE), "nor the service's");
        }
    }

    @Nested
    class TmpAndCode {
        @Test
        void shouldKeepEachFunctionsTmpToItself() throws Exception {
            invoke(lambda, "iso-a", "{\"action\":\"write-tmp\",\"text\":\"only for a\"}");

            JsonNode seenByB = invoke(lambda, "iso-b", "{\"action\":\"look\"}");
            JsonNode seenByA = invoke(lambda, "iso-a", "{\"action\":\"look\"}");

            assertFalse(seenByB.get("tmp").toString().contains("secret.txt"), seenByB.get("tmp").toString());
            assertTrue(seenByA.get("tmp").toString().contains("secret.txt"), "a keeps its own /tmp between invokes");
        }

        /** Lambda's /tmp holds EphemeralStorage.Size (512 MB by default); past it, writes fail with ENOSPC. */
        @Test
        void shouldBoundTmpToTheEphemeralStorageSize() throws Exception {
            JsonNode filled = invoke(lambda, "iso-a", "{\"action\":\"fill-tmp\"}");

            assertEquals(28, filled.get("errno").asInt(), "ENOSPC: " + filled);
            assertTrue(filled.get("writtenMb").asInt() <= 512, filled.toString());
            assertTrue(filled.get("writtenMb").asInt() >= 500, "the whole 512 MB is there: " + filled);
        }

        /**
         * EphemeralStorage.Size is the size of /tmp: 1024 MB holds 700 MB where the default 512 MB does
         * not. The larger function starts a runtime of its own: the idle spare (whose /tmp is 512 MB) stays.
         */
        @Test
        void shouldSizeTmpToTheFunctionsEphemeralStorage() throws Exception {
            invoke(lambda, "iso-a", "{}");
            long spare = awaitSpare();
            lambda.createFunction(r -> r.functionName("iso-big-tmp").runtime("python3.12").role(LocalLambda.ROLE)
                    .handler("lambda_function.lambda_handler").timeout(60).ephemeralStorage(e -> e.size(1024))
                    .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", PROBE)))));
            try {
                lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("iso-big-tmp"));

                JsonNode big = invoke(lambda, "iso-big-tmp", "{\"action\":\"fill-tmp\",\"mb\":700}");
                JsonNode small = invoke(lambda, "iso-a", "{\"action\":\"fill-tmp\",\"mb\":700}");

                assertTrue(big.get("errno").isNull(), "1024 MB of /tmp holds 700 MB: " + big);
                assertEquals(700, big.get("writtenMb").asInt(), big.toString());
                assertEquals(28, small.get("errno").asInt(), "512 MB of /tmp does not (ENOSPC): " + small);
                assertEquals(1024, lambda.getFunctionConfiguration(r -> r.functionName("iso-big-tmp"))
                        .ephemeralStorage().size());
                assertTrue(service.spareRuntimeProcesses().stream().anyMatch(p -> p.pid() == spare),
                        "the 512 MB spare was not taken by the 1024 MB function");
            } finally {
                lambda.deleteFunction(r -> r.functionName("iso-big-tmp"));
            }
        }

        @Test
        void shouldShowItsCodeReadOnlyAtVarTaskAndNoOtherFunctionsCode() throws Exception {
            String otherCode = lambda.getFunction(r -> r.functionName("iso-a")).code().location().replace("file://", "");
            assertTrue(java.nio.file.Files.isDirectory(Path.of(otherCode)), "the service keeps a's code there");

            JsonNode seen = invoke(lambda, "iso-b", "{\"action\":\"look\",\"otherCode\":\"" + otherCode + "\"}");

            assertEquals("/var/task", seen.get("taskRoot").asText());
            assertEquals("/var/task", seen.get("cwd").asText());
            assertFalse(seen.get("wroteTask").asBoolean(), "its code is read-only");
            assertFalse(seen.get("otherCodeVisible").asBoolean(), "a's code is not there for b");
            assertFalse(java.nio.file.Files.exists(Path.of(otherCode, "intruder.txt")));
        }
    }

    @Nested
    class RuntimeApi {
        @Test
        void shouldRefuseAnotherProcessThatKnowsOnlyThePort() throws Exception {
            String address = invoke(lambda, "iso-a", "{\"action\":\"address\"}").asText();
            // The token is the host name, which only a's sandbox resolves (its own /etc/hosts).
            assertTrue(address.matches("lambda-runtime-[0-9a-f]{32}:\\d+"), address);

            // b calls a's Runtime API while a waits for its next event; a's next invoke serves those requests.
            java.util.concurrent.CompletableFuture<JsonNode> attack = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return invoke(lambda, "iso-b", "{\"action\":\"runtime-api\",\"address\":\"" + address + "\"}");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, java.util.concurrent.Executors.newSingleThreadExecutor());
            for (int i = 0; i < 100 && !attack.isDone(); i++) {
                assertEquals(address, invoke(lambda, "iso-a", "{\"action\":\"address\"}").asText(),
                        "a still gets its own events");
                Thread.sleep(100);
            }

            JsonNode refused = attack.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(403, refused.get("noToken").asInt(), refused.toString());
            assertEquals(403, refused.get("wrongToken").asInt(), refused.toString());
            assertEquals(403, refused.get("ownToken").asInt(), refused.toString());
            assertFalse(refused.get("resolvesOthersName").asBoolean(), "b's sandbox does not resolve a's host name");
        }

        @Test
        void shouldHoldNeitherAStrangersBytesNorManyOfItsConnections() throws Exception {
            // Given a function in the middle of an invoke: its Runtime API reads whatever arrives
            String name = "iso-busy";
            LocalLambda.create(lambda, name, "python3.12", "lambda_function.py", "lambda_function.lambda_handler", PROBE, 30);
            int port = Integer.parseInt(invoke(lambda, name, "{\"action\":\"address\"}").asText().split(":")[1]);
            var busy = java.util.concurrent.CompletableFuture.supplyAsync(() -> lambda.invoke(r -> r.functionName(name)
                    .payload(SdkBytes.fromUtf8String("{\"action\":\"hold\",\"seconds\":10}"))));
            Thread.sleep(1000);

            // When a stranger (any process: the network is shared) sends it 100 MB without the token
            try (Socket big = new Socket("127.0.0.1", port)) {
                big.setSoTimeout(30_000);
                OutputStream out = big.getOutputStream();
                out.write(("POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                        + (100 << 20) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] megabyte = new byte[1 << 20];
                for (int i = 0; i < 100; i++) {
                    out.write(megabyte);
                }
                // Then it is read to its end and dropped (the service used to keep 70 MB of it, then hang up)
                assertEquals("HTTP/1.1 403", new String(big.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1));
            }

            // When it opens 20 connections, then sends endless headers on one more
            List<Socket> strangers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket socket = new Socket("127.0.0.1", port);
                    socket.getOutputStream().write("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    strangers.add(socket);
                }
                Socket endless = new Socket("127.0.0.1", port);
                strangers.add(endless);
                byte[] header = "X-Filler: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n".getBytes(StandardCharsets.ISO_8859_1);
                try {
                    for (int i = 0; i < 2000; i++) { // 100 KB of headers
                        endless.getOutputStream().write(header);
                    }
                } catch (java.io.IOException closed) {
                    // Closed while still sending: as expected.
                }

                // Then only a few stay open (the newest), the endless one is closed, and the runtime's own connection is kept
                Thread.sleep(500);
                int open = 0;
                for (Socket socket : strangers) {
                    socket.setSoTimeout(1000);
                    if (stillOpen(socket)) {
                        open++;
                    }
                }
                assertTrue(open < RuntimeApiServer.MAX_CONNECTIONS, open + " of 21 strangers' connections open");
                assertFalse(stillOpen(endless), "endless headers are closed");
                InvokeResponse held = busy.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertNull(held.functionError(), held.payload().asUtf8String());
                assertEquals("\"held\"", held.payload().asUtf8String());
            } finally {
                for (Socket socket : strangers) {
                    socket.close();
                }
            }
        }

        /** Whether the server keeps the connection open: no end of stream, no reset, within the socket's timeout. */
        private static boolean stillOpen(Socket socket) throws java.io.IOException {
            try {
                return socket.getInputStream().read() >= 0;
            } catch (java.net.SocketTimeoutException e) {
                return true;
            } catch (java.net.SocketException e) {
                return false;
            }
        }
    }

    @Nested
    class Children {
        @Test
        void shouldKillADoubleForkedChildWhenTheInvokeTimesOutAndKeepTheEnvironment() throws Exception {
            String name = "iso-fork-timeout";
            create(lambda, name, 1);
            String environment = invoke(lambda, name, "{\"action\":\"fork\"}").asText();
            String namespace = environment.split("@")[0];
            List<Long> before = Sandboxes.processesIn(namespace);
            assertTrue(Sandboxes.environmentAlive(environment), "the child sleeps on while its environment lives");

            InvokeResponse timedOut = lambda.invoke(r -> r.functionName(name)
                    .payload(SdkBytes.fromUtf8String("{\"action\":\"fork\",\"hang\":true}")));

            assertEquals("Unhandled", timedOut.functionError());
            assertTrue(timedOut.payload().asUtf8String().contains("Sandbox.Timedout"));
            // As on AWS, the environment lives on with a new runtime; every process the invocations
            // started is gone, double-forked children too: only the namespace's init and supervisor stay.
            assertTrue(invoke(lambda, name, "{\"action\":\"address\"}").isTextual(), "answered again");
            assertTrue(Sandboxes.environmentAlive(environment), "the same environment");
            List<Long> after = Sandboxes.processesIn(namespace);
            assertEquals(before.subList(0, 2), after.subList(0, 2), "the sandbox's init and supervisor stay");
            for (long pid : before.subList(2, before.size())) {
                assertTrue(Sandboxes.processGone(pid), "process " + pid + " of the timed-out runtime is gone");
            }
            assertEquals(3, after.size(), "init, supervisor and the new runtime, nothing else: " + after);
        }

        @Test
        void shouldKillADoubleForkedChildWhenTheFunctionIsDeleted() throws Exception {
            String name = "iso-fork-delete";
            create(lambda, name, 3);
            String environment = invoke(lambda, name, "{\"action\":\"fork\"}").asText();
            assertTrue(Sandboxes.environmentAlive(environment));

            lambda.deleteFunction(r -> r.functionName(name));

            assertTrue(Sandboxes.environmentGone(environment));
        }

        @Test
        void shouldKillADoubleForkedChildWhenTheServiceStops() throws Exception {
            String environment;
            try (LocalLambdaService own = LocalLambdaService.start(LocalLambdaConfig.defaults());
                 LambdaClient client = LocalLambda.client(own)) {
                create(client, "iso-fork-stop", 3);
                environment = invoke(client, "iso-fork-stop", "{\"action\":\"fork\"}").asText();
                assertTrue(Sandboxes.environmentAlive(environment));
            }

            assertFalse(Sandboxes.environmentAlive(environment));
        }

        private static void create(LambdaClient client, String name, int timeout) {
            LocalLambda.create(client, name, "python3.12", "lambda_function.py", "lambda_function.lambda_handler",
                    PROBE, timeout);
        }
    }

    /** Without bubblewrap (or with isolation off): a private TMPDIR, and the process tree killed. */
    @Nested
    class WithoutBubblewrap {
        @Test
        void shouldGiveEachEnvironmentItsOwnTmpdirAndKillWhatItStarted() throws Exception {
            try (LocalLambdaService plain = LocalLambdaService.start(LocalLambdaConfig.defaults().withIsolation(false));
                 LambdaClient client = LocalLambda.client(plain)) {
                assertFalse(plain.isolated());
                LocalLambda.create(client, "plain", "python3.12", "lambda_function.py", "lambda_function.lambda_handler", """
                        import os, subprocess, tempfile
                        def lambda_handler(event, context):
                            child = subprocess.Popen(["/usr/bin/setsid", "/bin/sh", "-c", "sleep 300 & echo $!"],
                                                     stdout=subprocess.PIPE)
                            return {"tmp": tempfile.gettempdir(), "grandchild": int(child.stdout.readline())}
                        """, 3);

                JsonNode first = invoke(client, "plain", "{}");
                long grandchild = first.get("grandchild").asLong();
                assertTrue(first.get("tmp").asText().contains("/environments/env-"), first.toString());
                assertTrue(java.nio.file.Files.isDirectory(Path.of(first.get("tmp").asText())));
                assertTrue(Sandboxes.running(grandchild));

                client.deleteFunction(r -> r.functionName("plain"));

                assertTrue(Sandboxes.processGone(grandchild), "found by its environment's TMPDIR and killed");
                Path tmp = Path.of(first.get("tmp").asText());
                for (int i = 0; i < 500 && java.nio.file.Files.exists(tmp); i++) {
                    Thread.sleep(20);
                }
                assertFalse(java.nio.file.Files.exists(tmp), "its TMPDIR removed");
            }
        }

        @Test
        void shouldKeepTheTmpdirAcrossATimeoutAndKillWhatTheInvocationStarted() throws Exception {
            try (LocalLambdaService plain = LocalLambdaService.start(LocalLambdaConfig.defaults().withIsolation(false));
                 LambdaClient client = LocalLambda.client(plain)) {
                LocalLambda.create(client, "plain-timeout", "python3.12", "lambda_function.py", "lambda_function.lambda_handler", """
                        import os, subprocess, tempfile, time
                        STARTED = os.getpid()
                        def lambda_handler(event, context):
                            path = os.path.join(tempfile.gettempdir(), "kept")
                            if event.get("write"):
                                open(path, "w").write("kept")
                                child = subprocess.Popen(["/usr/bin/setsid", "/bin/sh", "-c", "sleep 300 & echo $!"],
                                                         stdout=subprocess.PIPE)
                                child.stdout.readline()
                                time.sleep(5)
                            return {"tmp": tempfile.gettempdir(), "pid": STARTED,
                                    "kept": open(path).read() if os.path.exists(path) else None}
                        """, 1);
                JsonNode first = invoke(client, "plain-timeout", "{}");

                InvokeResponse timedOut = client.invoke(r -> r.functionName("plain-timeout")
                        .payload(SdkBytes.fromUtf8String("{\"write\":true}")));
                JsonNode after = invoke(client, "plain-timeout", "{}");

                assertTrue(timedOut.payload().asUtf8String().contains("Sandbox.Timedout"));
                assertEquals(first.get("tmp"), after.get("tmp"), "the same environment's TMPDIR");
                assertEquals("kept", after.get("kept").asText(), after.toString());
                assertFalse(first.get("pid").equals(after.get("pid")), "a new runtime, initialised again");
                assertFalse(Sandboxes.running(first.get("pid").asLong()), "the timed-out runtime is gone");
                assertTrue(stragglersOf(first.get("tmp").asText()).isEmpty(),
                        "no process of the timed-out invocation carries the TMPDIR but the new runtime");
            }
        }

        /** Processes other than the runtime that carry TMPDIR={@code tmp}: what a timed-out invocation left. */
        private static List<Long> stragglersOf(String tmp) throws Exception {
            byte[] marker = ("TMPDIR=" + tmp).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Thread.sleep(200);
            List<Long> found = new java.util.ArrayList<>();
            try (var processes = java.nio.file.Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path proc : processes) {
                    try {
                        String environ = new String(java.nio.file.Files.readAllBytes(proc.resolve("environ")),
                                java.nio.charset.StandardCharsets.UTF_8);
                        String cmdline = new String(java.nio.file.Files.readAllBytes(proc.resolve("cmdline")),
                                java.nio.charset.StandardCharsets.UTF_8);
                        if (java.util.Arrays.asList(environ.split("\0")).contains(new String(marker,
                                java.nio.charset.StandardCharsets.UTF_8)) && cmdline.contains("sleep")) {
                            found.add(Long.parseLong(proc.getFileName().toString()));
                        }
                    } catch (java.io.IOException e) {
                        // gone or not ours
                    }
                }
            }
            return found;
        }
    }
}
