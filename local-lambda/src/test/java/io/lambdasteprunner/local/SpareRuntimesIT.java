package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spare runtimes: a function handed to a runtime started ahead of need behaves exactly as one whose
 * process was started for it, and a function that sets a variable read at interpreter start gets a
 * process of its own.
 */
class SpareRuntimesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Values that differ between any two environments, whoever started them. */
    private static final Set<String> PER_ENVIRONMENT = Set.of(
            "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME", "_X_AMZN_TRACE_ID", "TMPDIR",
            // Each environment's own session of the function's role.
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");

    /** A function that reports what its process looks like from inside: pid, variables, directory, stdin. */
    record Probe(String runtime, String file, String handler, String code) {
        @Override
        public String toString() {
            return runtime;
        }
    }

    static Stream<Probe> probes() {
        return Stream.of(
                new Probe("python3.12", "lambda_function.py", "lambda_function.lambda_handler", """
                        import os, sys
                        def lambda_handler(event, context):
                            return {"pid": os.getpid(), "ns": os.readlink("/proc/self/ns/pid"), "env": dict(os.environ), "cwd": os.getcwd(),
                                    "stdin": sys.stdin.read(), "path": sys.path, "argv": sys.argv,
                                    "greeting": os.environ.get("GREETING")}
                        """),
                new Probe("nodejs22.x", "index.js", "index.handler", """
                        const fs = require('fs');
                        exports.handler = async () => ({ pid: process.pid, ns: fs.readlinkSync('/proc/self/ns/pid'),
                          env: { ...process.env }, cwd: process.cwd(),
                          stdin: fs.readFileSync(0, 'utf8'), path: module.paths, argv: process.argv,
                          greeting: process.env.GREETING ?? null });
                        """),
                new Probe("ruby3.3", "lambda_function.rb", "lambda_function.handler", """
                        def handler(event:, context:)
                          { pid: Process.pid, ns: File.readlink('/proc/self/ns/pid'), env: ENV.to_h, cwd: Dir.pwd, stdin: $stdin.read, path: $LOAD_PATH,
                            argv: [$0] + ARGV, greeting: ENV['GREETING'] }
                        end
                        """));
    }

    @ParameterizedTest
    @MethodSource("probes")
    void shouldRunAFunctionOnASpareExactlyAsOnAProcessStartedForIt(Probe probe) throws Exception {
        JsonNode fresh;
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults().withSpareRuntimes(false));
             LambdaClient lambda = LocalLambda.client(service)) {
            fresh = normalised(createAndInvoke(lambda, probe, "probe", Map.of("GREETING", "hello")));
        }

        JsonNode spared;
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient lambda = LocalLambda.client(service)) {
            assertEquals(List.of(), service.spareRuntimeProcesses(), "no spare before a language is used");
            createAndInvoke(lambda, probe, "first", Map.of());
            ProcessHandle spare = awaitSpare(service);
            long sparePid = spare.pid();
            List<String> spareNamespaces = Sandboxes.namespacesUnder(spare);
            JsonNode seen = createAndInvoke(lambda, probe, "probe", Map.of("GREETING", "hello"));
            assertTrue(spareNamespaces.contains(seen.get("ns").asText()), "the second function ran on the spare");
            spared = normalised(seen);
            long nextSpare = awaitSpare(service).pid();
            assertTrue(nextSpare != sparePid, "a new spare replaces the one taken");

            service.close();
            assertFalse(ProcessHandle.of(nextSpare).map(ProcessHandle::isAlive).orElse(false),
                    "the service's close kills its spares");
        }

        assertEquals(fresh, spared);
        assertEquals("hello", spared.get("greeting").asText());
        assertEquals("", spared.get("stdin").asText(), "standard input is empty, as /dev/null is");
        assertEquals("{taskRoot}", spared.get("cwd").asText());
    }

    @Test
    void shouldStartAFreshProcessForAFunctionThatSetsAVariableReadAtInterpreterStart() throws Exception {
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient lambda = LocalLambda.client(service)) {
            Probe python = probes().findFirst().orElseThrow();
            createAndInvoke(lambda, python, "first", Map.of());
            ProcessHandle spare = awaitSpare(service);
            long sparePid = spare.pid();
            List<String> spareNamespaces = Sandboxes.namespacesUnder(spare);

            JsonNode seen = createAndInvoke(lambda, python, "with-pythonpath", Map.of("PYTHONPATH", "/opt/extra"));

            assertFalse(spareNamespaces.contains(seen.get("ns").asText()), "not the spare");
            assertTrue(seen.get("path").toString().contains("/opt/extra"), "Python read PYTHONPATH as it started: "
                    + seen.get("path"));
            assertEquals(List.of(sparePid), service.spareRuntimeProcesses().stream().map(ProcessHandle::pid).toList(),
                    "the spare is still there for the next function");
        }
    }

    @Test
    void shouldStartTheNextSpareOnceTheFunctionThatTookOneIsDeletedEvenUninvoked() throws Exception {
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient lambda = LocalLambda.client(service)) {
            Probe ruby = probes().filter(probe -> probe.runtime().startsWith("ruby")).findFirst().orElseThrow();
            createAndInvoke(lambda, ruby, "first", Map.of());
            long sparePid = awaitSpare(service).pid();

            LocalLambda.create(lambda, "never-invoked", ruby.runtime(), ruby.file(), ruby.handler(), ruby.code(), 3);
            assertEquals(List.of(), service.spareRuntimeProcesses(), "taken, and not replaced while its function may run");
            lambda.deleteFunction(r -> r.functionName("never-invoked"));

            assertTrue(Sandboxes.processGone(sparePid), "deleted with its function");
            assertTrue(awaitSpare(service).pid() != sparePid);
        }
    }

    @Test
    void shouldReportAnInitErrorFromASpareAsFromAFreshProcess() throws Exception {
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults());
             LambdaClient lambda = LocalLambda.client(service)) {
            Probe python = probes().findFirst().orElseThrow();
            createAndInvoke(lambda, python, "first", Map.of());
            awaitSpare(service);

            LocalLambda.create(lambda, "broken", "python3.12", "lambda_function.py", "lambda_function.missing",
                    "x = 1\n", 3);
            InvokeResponse response = lambda.invoke(r -> r.functionName("broken"));

            assertEquals("Unhandled", response.functionError());
            JsonNode error = JSON.readTree(response.payload().asUtf8String());
            assertEquals("Runtime.HandlerNotFound", error.get("errorType").asText());
        }
    }

    private static JsonNode createAndInvoke(LambdaClient lambda, Probe probe, String name, Map<String, String> variables)
            throws Exception {
        lambda.createFunction(r -> r.functionName(name).runtime(probe.runtime()).role(LocalLambda.ROLE)
                .handler(probe.handler()).environment(e -> e.variables(variables))
                .code(c -> c.zipFile(LocalLambda.zip(Map.of(probe.file(), probe.code())))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        InvokeResponse response = lambda.invoke(r -> r.functionName(name));
        assertNull(response.functionError(), response.payload().asUtf8String());
        return JSON.readTree(response.payload().asUtf8String());
    }

    private static ProcessHandle awaitSpare(LocalLambdaService service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> spares = service.spareRuntimeProcesses();
            if (!spares.isEmpty()) {
                assertEquals(1, spares.size(), "one spare per language in use");
                return spares.get(0);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no spare runtime started");
    }

    /**
     * The probe's report with the values that name this service (its directories, its port) replaced
     * by placeholders, and the per-environment values and the pid left out.
     */
    private static JsonNode normalised(JsonNode report) {
        JsonNode env = report.get("env");
        String taskRoot = env.get("LAMBDA_TASK_ROOT").asText();
        String runtimeDir = env.get("LAMBDA_RUNTIME_DIR").asText();
        String endpoint = env.get("AWS_ENDPOINT_URL_LAMBDA").asText();
        String workDir = runtimeDir.substring(0, runtimeDir.lastIndexOf('/'));
        String text = report.toString().replace(taskRoot, "{taskRoot}").replace(runtimeDir, "{runtimeDir}")
                .replace(workDir, "{workDir}").replace(endpoint, "{endpoint}");
        try {
            ObjectNode copy = (ObjectNode) JSON.readTree(text);
            copy.remove("pid");
            copy.remove("ns");
            ObjectNode variables = (ObjectNode) copy.get("env");
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = variables.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            for (String name : names) {
                if (PER_ENVIRONMENT.contains(name)) {
                    variables.put(name, "{per environment}");
                }
            }
            return copy;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
