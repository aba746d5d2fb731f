package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Execution environments: warm reuse, concurrency, timeouts, crashes, init errors, limits, reaping. */
class ExecutionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();
    private static LambdaClient lambda;

    @BeforeAll
    static void client() {
        lambda = LOCAL.lambda();
    }

    @Test
    void shouldReuseAWarmEnvironmentBetweenInvokes() {
        LocalLambda.createPython(lambda, "ex-warm", "import uuid\nID = str(uuid.uuid4())\ndef lambda_handler(e, c):\n    return ID\n");

        InvokeResponse first = lambda.invoke(r -> r.functionName("ex-warm").logType(LogType.TAIL));
        InvokeResponse second = lambda.invoke(r -> r.functionName("ex-warm").logType(LogType.TAIL));

        assertEquals(first.payload().asUtf8String(), second.payload().asUtf8String());
        assertTrue(LocalLambda.decodeLog(first.logResult()).contains("Init Duration: "));
        assertFalse(LocalLambda.decodeLog(second.logResult()).contains("Init Duration: "));
    }

    @Test
    void shouldServeConcurrentInvokesWithMoreEnvironments() throws Exception {
        // Each invoke reports its environment (pids are alike in PID namespaces) and when its handler ran;
        // 5 s of sleep leaves room for slow starts.
        LocalLambda.create(lambda, "ex-concurrent", "python3.12", "lambda_function.py", "lambda_function.lambda_handler",
                "import time, uuid\nID = str(uuid.uuid4())\ndef lambda_handler(e, c):\n"
                        + "    began = time.time()\n    time.sleep(5)\n    return [ID, began, time.time()]\n", 60);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<String>> calls = IntStream.range(0, 4).mapToObj(i -> CompletableFuture.supplyAsync(
                    () -> lambda.invoke(r -> r.functionName("ex-concurrent")).payload().asUtf8String(), pool)).toList();
            Set<String> pids = new HashSet<>();
            double lastStart = 0;
            double firstEnd = Double.MAX_VALUE;
            for (CompletableFuture<String> call : calls) {
                com.fasterxml.jackson.databind.JsonNode ran = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(call.get(5, java.util.concurrent.TimeUnit.MINUTES));
                pids.add(ran.get(0).asText());
                lastStart = Math.max(lastStart, ran.get(1).asDouble());
                firstEnd = Math.min(firstEnd, ran.get(2).asDouble());
            }

            assertEquals(4, pids.size(), "each concurrent invoke gets its own environment: " + pids);
            // Ran at the same time: all four handlers were running at one moment, however slow the machine.
            assertTrue(lastStart < firstEnd, "the last handler began at " + lastStart + ", after the first ended at "
                    + firstEnd);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void shouldKillAFunctionThatTimesOutAndInitItAgainInTheSameEnvironment() throws Exception {
        LocalLambda.create(lambda, "ex-timeout", "python3.12", "lambda_function.py", "lambda_function.lambda_handler",
                "import os, time\ndef lambda_handler(e, c):\n    if e.get('sleep'):\n        time.sleep(5)\n    return "
                        + Sandboxes.PYTHON_ENVIRONMENT + " + '/' + str(os.getpid())\n", 1);
        String[] before = JSON.readTree(lambda.invoke(r -> r.functionName("ex-timeout")).payload().asUtf8String())
                .asText().split("/");

        InvokeResponse timedOut = lambda.invoke(r -> r.functionName("ex-timeout").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"sleep\":true}")));
        InvokeResponse after = lambda.invoke(r -> r.functionName("ex-timeout").logType(LogType.TAIL));

        assertEquals("Unhandled", timedOut.functionError());
        var error = JSON.readTree(timedOut.payload().asUtf8String());
        assertEquals("Sandbox.Timedout", error.get("errorType").asText());
        assertTrue(error.get("errorMessage").asText().matches("RequestId: [0-9a-f-]{36} Error: Task timed out after 1\\.00 seconds"));
        assertTrue(LocalLambda.decodeLog(timedOut.logResult()).contains("Task timed out after 1.00 seconds"));
        assertNull(after.functionError());
        String[] again = JSON.readTree(after.payload().asUtf8String()).asText().split("/");
        // As on AWS: the same environment, a new runtime whose init ran within this invoke.
        assertEquals(before[0], again[0], "the same environment");
        assertFalse(before[1].equals(again[1]), "a new runtime process");
        assertFalse(LocalLambda.decodeLog(after.logResult()).contains("Init Duration: "), "no Init Duration on a re-init");
    }

    @Test
    void shouldReportARuntimeThatExitsAsRuntimeExitError() throws Exception {
        LocalLambda.createPython(lambda, "ex-crash", "import os\ndef lambda_handler(e, c):\n    os._exit(3)\n");

        InvokeResponse crashed = lambda.invoke(r -> r.functionName("ex-crash"));
        InvokeResponse again = lambda.invoke(r -> r.functionName("ex-crash"));

        assertEquals("Unhandled", crashed.functionError());
        var error = JSON.readTree(crashed.payload().asUtf8String());
        assertEquals("Runtime.ExitError", error.get("errorType").asText());
        assertTrue(error.get("errorMessage").asText().endsWith("Error: Runtime exited with error: exit status 3"),
                error.toString());
        assertEquals("Unhandled", again.functionError(), "a new environment is started and fails the same way");
    }

    /**
     * A runtime that exits, as AWS answers it (LocalStack's recorded {@code test_lambda_handler_exit} and
     * {@code test_lambda_runtime_exit}: {@code sys.exit(0)} in the handler or at import gives
     * "RequestId: ... Error: Runtime exited without providing a reason"), and as AWS logs it: the error
     * and its type before END, {@code Status: error} and the error type on REPORT.
     */
    @Test
    void shouldAnswerAndLogRuntimeExitsAsLambdaDoes() throws Exception {
        LocalLambda.createPython(lambda, "ex-exit-1", "import sys\ndef lambda_handler(e, c):\n    sys.exit(1)\n");
        LocalLambda.createPython(lambda, "ex-exit-0", "import sys\ndef lambda_handler(e, c):\n    sys.exit(0)\n");
        LocalLambda.createPython(lambda, "ex-exit-init", "import sys\nsys.exit(0)\n");
        LocalLambda.createPython(lambda, "ex-kill", "import os, signal\ndef lambda_handler(e, c):\n    os.kill(os.getpid(), signal.SIGKILL)\n");
        LocalLambda.create(lambda, "ex-node-exit", "nodejs22.x", "index.js", "index.handler",
                "exports.handler = async () => { process.exit(2); };\n", 3);

        InvokeResponse exit1 = lambda.invoke(r -> r.functionName("ex-exit-1").logType(LogType.TAIL));
        InvokeResponse exit0 = lambda.invoke(r -> r.functionName("ex-exit-0"));
        InvokeResponse exitInit = lambda.invoke(r -> r.functionName("ex-exit-init").logType(LogType.TAIL));
        InvokeResponse killed = lambda.invoke(r -> r.functionName("ex-kill"));
        InvokeResponse nodeExit = lambda.invoke(r -> r.functionName("ex-node-exit"));

        String id = exit1.responseMetadata().requestId();
        assertExitError(exit1, "RequestId: " + id + " Error: Runtime exited with error: exit status 1");
        assertExitError(exit0, "RequestId: " + exit0.responseMetadata().requestId()
                + " Error: Runtime exited without providing a reason");
        assertExitError(exitInit, "RequestId: " + exitInit.responseMetadata().requestId()
                + " Error: Runtime exited without providing a reason");
        assertExitError(killed, "RequestId: " + killed.responseMetadata().requestId()
                + " Error: Runtime exited with error: signal: killed");
        assertExitError(nodeExit, "RequestId: " + nodeExit.responseMetadata().requestId()
                + " Error: Runtime exited with error: exit status 2");
        String log = LocalLambda.decodeLog(exit1.logResult());
        assertTrue(log.contains("RequestId: " + id + " Error: Runtime exited with error: exit status 1\nRuntime.ExitError\nEND RequestId: "
                + id + "\n"), log);
        assertTrue(log.contains("\tStatus: error\tError Type: Runtime.ExitError"), log);
        String initLog = LocalLambda.decodeLog(exitInit.logResult());
        assertTrue(initLog.contains("INIT_REPORT Init Duration: "), initLog);
        assertTrue(initLog.contains("\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n"), initLog);
    }

    private static void assertExitError(InvokeResponse response, String message) throws Exception {
        assertEquals("Unhandled", response.functionError());
        var error = JSON.readTree(response.payload().asUtf8String());
        assertEquals("Runtime.ExitError", error.get("errorType").asText(), error.toString());
        assertEquals(message, error.get("errorMessage").asText());
    }

    @Test
    void shouldReportAnOversizedResponse() throws Exception {
        LocalLambda.createPython(lambda, "ex-big-response", "def lambda_handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n");

        InvokeResponse response = lambda.invoke(r -> r.functionName("ex-big-response"));

        assertEquals("Unhandled", response.functionError());
        var error = JSON.readTree(response.payload().asUtf8String());
        assertEquals("Function.ResponseSizeTooLarge", error.get("errorType").asText());
    }

    @Test
    void shouldReportImportErrorsOnInvoke() throws Exception {
        LocalLambda.createPython(lambda, "ex-import", "import no_such_module\ndef lambda_handler(e, c):\n    return 1\n");
        LocalLambda.createPython(lambda, "ex-no-handler", "def other(e, c):\n    return 1\n");

        InvokeResponse failed = lambda.invoke(r -> r.functionName("ex-import").logType(LogType.TAIL));
        var importError = JSON.readTree(failed.payload().asUtf8String());
        var missingHandler = JSON.readTree(lambda.invoke(r -> r.functionName("ex-no-handler")).payload().asUtf8String());

        assertEquals("Runtime.ImportModuleError", importError.get("errorType").asText());
        assertEquals("Unable to import module 'lambda_function': No module named 'no_such_module'",
                importError.get("errorMessage").asText());
        assertEquals("Runtime.HandlerNotFound", missingHandler.get("errorType").asText());
        LocalLambda.create(lambda, "ex-ruby-import", "ruby3.2", "lambda_function.rb", "lambda_function.handler",
                "require 'no_such_gem'\ndef handler(event:, context:)\n  1\nend\n", 3);
        var rubyError = JSON.readTree(lambda.invoke(r -> r.functionName("ex-ruby-import")).payload().asUtf8String());
        assertEquals("Init<LoadError>", rubyError.get("errorType").asText(), "as AWS's Ruby runtime: " + rubyError);
        // As AWS logs a failed init: INIT_REPORT, then the REPORT line with the error type.
        String log = LocalLambda.decodeLog(failed.logResult());
        assertTrue(log.contains("\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n"), log);
        assertTrue(log.contains("\tStatus: error\tError Type: Runtime.ImportModuleError\t\n"), log);
    }

    @Test
    void shouldLeaveNoProcessBehindWhenTheServiceStops() throws Exception {
        LocalLambdaService own = LocalLambdaService.start(LocalLambdaConfig.defaults());
        try (LambdaClient client = LocalLambda.client(own)) {
            LocalLambda.createPython(client, "ex-reap", "import os\ndef lambda_handler(e, c):\n    return "
                    + Sandboxes.PYTHON_ENVIRONMENT + "\n");
            String namespace = JSON.readTree(client.invoke(r -> r.functionName("ex-reap")).payload().asUtf8String()).asText();
            assertTrue(Sandboxes.environmentAlive(namespace));

            own.close();

            assertFalse(Sandboxes.environmentAlive(namespace), "runtime process reaped");
        }
    }

    @Test
    void shouldStartTheVersionCreateFunctionPublishedWhileTheFunctionIsPending() throws Exception {
        // Given a function created with Publish: true, whose module records when it was imported
        String code = "import time\nIMPORTED = time.time()\ndef lambda_handler(e, c):\n    return IMPORTED\n";
        String version = lambda.createFunction(r -> r.functionName("ex-published").runtime("python3.12")
                .handler("lambda_function.lambda_handler").role(LocalLambda.ROLE).publish(true)
                .code(c -> c.zipFile(LocalLambda.zip(java.util.Map.of("lambda_function.py", code))))).version();
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("ex-published"));

        // When the published version (what callers invoke, by number or alias) is invoked once Active
        double invokedAt = System.currentTimeMillis() / 1000.0;
        double imported = Double.parseDouble(lambda.invoke(r -> r.functionName("ex-published").qualifier(version))
                .payload().asUtf8String());

        // Then its environment had started while the function was Pending, not at this invoke
        assertEquals("1", version);
        assertTrue(imported < invokedAt, "imported at " + imported + ", invoked at " + invokedAt);
    }
}
