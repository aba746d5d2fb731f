package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.facts.LambdaRuntimes.Family;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our Runtime API against the official runtime interface clients (Java RIC from Maven Central,
 * Node's aws-lambda-ric, Python's awslambdaric): the same functions give the same results as under
 * the built-in bootstraps. The clients are installed by scripts/setup-tools.sh.
 */
class OfficialClientsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTHON = """
            def lambda_handler(event, context):
                if "fail" in event:
                    raise ValueError("boom")
                print("log from python")
                return {"event": event, "name": context.function_name, "memory": str(context.memory_limit_in_mb)}
            """;
    private static final String NODE = """
            exports.handler = async (event, context) => {
              if (event.fail) throw new TypeError('boom');
              console.log('log from node');
              return { event, name: context.functionName, memory: String(context.memoryLimitInMB) };
            };
            """;

    private static LocalLambdaService builtIn;
    private static LocalLambdaService official;
    private static LambdaClient builtInLambda;
    private static LambdaClient officialLambda;

    @BeforeAll
    static void start() {
        Path root = Path.of("").toAbsolutePath();
        Path python = root.resolve(".venv/bin/python");
        Path nodeRic = root.resolve("tools/node_modules/.bin/aws-lambda-ric");
        Path javaRic = Path.of(System.getProperty("java.ric.dir", "target/java-ric"));
        for (Path required : List.of(python, nodeRic, javaRic)) {
            assertTrue(Files.exists(required), required + " is missing: run scripts/setup-tools.sh (the test command does)");
        }
        LocalLambdaConfig defaults = LocalLambdaConfig.defaults();
        builtIn = LocalLambdaService.start(defaults);
        official = LocalLambdaService.start(defaults.withInterpreters(defaults.interpreters()
                .withClient(Family.PYTHON, List.of(python.toString(), "-m", "awslambdaric"))
                .withClient(Family.NODEJS, List.of(nodeRic.toString()))
                .withClient(Family.JAVA, Interpreters.javaClient(javaRic + "/*"))));
        builtInLambda = LocalLambda.client(builtIn);
        officialLambda = LocalLambda.client(official);
    }

    @AfterAll
    static void stop() {
        builtInLambda.close();
        officialLambda.close();
        builtIn.close();
        official.close();
    }

    @Test
    void pythonUnderAwslambdaricMatchesTheBuiltInBootstrap() throws Exception {
        for (LambdaClient lambda : List.of(builtInLambda, officialLambda)) {
            LocalLambda.create(lambda, "ric-python", "python3.12", "lambda_function.py",
                    "lambda_function.lambda_handler", PYTHON, 5);
        }
        assertSameResults("ric-python", "ValueError", "log from python");
    }

    @Test
    void nodeUnderAwsLambdaRicMatchesTheBuiltInBootstrap() throws Exception {
        for (LambdaClient lambda : List.of(builtInLambda, officialLambda)) {
            LocalLambda.create(lambda, "ric-node", "nodejs22.x", "index.js", "index.handler", NODE, 5);
        }
        assertSameResults("ric-node", "TypeError", "log from node");
    }

    /** A java21 function of the test fixture EchoHandler's class, with {@code handler}, once it is Active. */
    private static void createJavaFunction(String name, String handler) throws IOException {
        createJavaFunction(name, handler, Map.of());
    }

    private static void createJavaFunction(String name, String handler, Map<String, String> environment)
            throws IOException {
        String classFile = "io/lambdasteprunner/local/fixtures/EchoHandler.class";
        Path classes = Path.of(System.getProperty("test.classes.dir", "target/test-classes"));
        SdkBytes code = LocalLambda.zipFiles(Map.of(classFile, readAllBytes(classes.resolve(classFile))));
        officialLambda.createFunction(r -> r.functionName(name).runtime("java21").role(LocalLambda.ROLE)
                .handler(handler).timeout(20).memorySize(512).code(c -> c.zipFile(code))
                .environment(e -> e.variables(environment)));
        officialLambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    /**
     * The java17 and later runtimes stop the JIT at tier 1 unless JAVA_TOOL_OPTIONS chooses otherwise, which AWS
     * documents as the way to run C2 (docs.aws.amazon.com/lambda/latest/dg/java-customization.html).
     */
    @Test
    void javaStopsTheJitAtTierOneUnlessJavaToolOptionsSaysOtherwise() throws Exception {
        createJavaFunction("ric-java-tier1", "io.lambdasteprunner.local.fixtures.EchoHandler::handleRequest");
        createJavaFunction("ric-java-tier4", "io.lambdasteprunner.local.fixtures.EchoHandler::handleRequest",
                Map.of("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=4"));

        for (var expected : Map.of("ric-java-tier1", "1", "ric-java-tier4", "4").entrySet()) {
            InvokeResponse response = officialLambda.invoke(r -> r.functionName(expected.getKey())
                    .payload(SdkBytes.fromUtf8String("{}")));
            JsonNode result = JSON.readTree(response.payload().asUtf8String());
            assertEquals(expected.getValue(), result.path("tieredStopAtLevel").asText(), result.toString());
        }
    }

    @Test
    void javaRunsUnderTheOfficialJavaRuntimeInterfaceClient() throws Exception {
        createJavaFunction("ric-java", "io.lambdasteprunner.local.fixtures.EchoHandler::handleRequest");

        InvokeResponse ok = officialLambda.invoke(r -> r.functionName("ric-java").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"n\":1}")));
        InvokeResponse failed = officialLambda.invoke(r -> r.functionName("ric-java")
                .payload(SdkBytes.fromUtf8String("{\"fail\":true}")));

        assertNull(ok.functionError(), ok.payload().asUtf8String());
        JsonNode body = JSON.readTree(ok.payload().asUtf8String());
        assertEquals("{\"n\":1}", body.get("event").toString());
        assertEquals("ric-java", body.get("name").asText());
        assertEquals("512", body.get("memory").asText());
        assertTrue(LocalLambda.decodeLog(ok.logResult()).contains("log from java"));
        assertEquals("Unhandled", failed.functionError());
        JsonNode error = JSON.readTree(failed.payload().asUtf8String());
        assertEquals("java.lang.IllegalStateException", error.get("errorType").asText());
        assertEquals("boom", error.get("errorMessage").asText());
    }

    /**
     * The clients' init errors reach the service as on AWS, so the caller sees the client's error
     * type and message, not the runtime's exit. Python's awslambdaric posts its init error with
     * http.client, which takes only {@code host:port}: the address the sandbox gives it has that form,
     * its token in the host name. Expected shapes: AWS's Python runtime ("Unable to import module",
     * "Syntax error in module", an exception raised at import under its own type, as LocalStack's
     * recorded {@code test_lambda_runtime_error} shows) and Node's {@code Runtime.HandlerNotFound}.
     */
    @Test
    void initErrorsUnderTheOfficialClients() throws Exception {
        LocalLambda.create(officialLambda, "ric-node-broken", "nodejs22.x", "index.js", "index.missing", NODE, 5);
        LocalLambda.create(officialLambda, "ric-python-missing", "python3.12", "lambda_function.py",
                "lambda_function.lambda_handler", "import no_such_module\n" + PYTHON, 5);
        LocalLambda.create(officialLambda, "ric-python-syntax", "python3.12", "lambda_function.py",
                "lambda_function.lambda_handler", "def lambda_handler(event, context)\n    return 1\n", 5);
        LocalLambda.create(officialLambda, "ric-python-raises", "python3.12", "lambda_function.py",
                "lambda_function.lambda_handler", "raise Exception('Runtime startup fails')\n", 5);
        LocalLambda.create(officialLambda, "ric-python-no-handler", "python3.12", "lambda_function.py",
                "lambda_function.missing", PYTHON, 5);

        JsonNode node = initError("ric-node-broken");
        JsonNode missing = initError("ric-python-missing");
        JsonNode syntax = initError("ric-python-syntax");
        JsonNode raises = initError("ric-python-raises");
        JsonNode noHandler = initError("ric-python-no-handler");

        assertEquals("Runtime.HandlerNotFound", node.get("errorType").asText(), node.toString());
        assertEquals("Runtime.ImportModuleError", missing.get("errorType").asText(), missing.toString());
        assertEquals("Unable to import module 'lambda_function': No module named 'no_such_module'",
                missing.get("errorMessage").asText());
        assertEquals("Runtime.UserCodeSyntaxError", syntax.get("errorType").asText(), syntax.toString());
        assertTrue(syntax.get("errorMessage").asText().startsWith("Syntax error in module 'lambda_function'"),
                syntax.toString());
        assertEquals("Exception", raises.get("errorType").asText(), raises.toString());
        assertEquals("Runtime startup fails", raises.get("errorMessage").asText());
        assertEquals("Runtime.HandlerNotFound", noHandler.get("errorType").asText(), noHandler.toString());
    }

    /** The Java client's init error (a handler class that is not there) reaches the caller too. */
    @Test
    void javaInitErrorUnderTheOfficialClient() throws Exception {
        createJavaFunction("ric-java-broken", "io.lambdasteprunner.local.fixtures.NoSuchHandler::handleRequest");

        JsonNode error = initError("ric-java-broken");

        assertEquals("java.lang.ClassNotFoundException", error.get("errorType").asText(), error.toString());
        assertTrue(error.get("errorMessage").asText().contains("NoSuchHandler"), error.toString());
    }

    private static JsonNode initError(String function) throws IOException {
        InvokeResponse response = officialLambda.invoke(r -> r.functionName(function));
        assertEquals("Unhandled", response.functionError(), response.payload().asUtf8String());
        return JSON.readTree(response.payload().asUtf8String());
    }

    private static byte[] readAllBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertSameResults(String name, String errorType, String logLine) throws IOException {
        InvokeResponse expected = builtInLambda.invoke(r -> r.functionName(name).logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"n\":[1,2]}")));
        InvokeResponse actual = officialLambda.invoke(r -> r.functionName(name).logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"n\":[1,2]}")));
        assertNull(actual.functionError(), actual.payload().asUtf8String());
        assertEquals(JSON.readTree(expected.payload().asUtf8String()), JSON.readTree(actual.payload().asUtf8String()));
        assertTrue(LocalLambda.decodeLog(actual.logResult()).contains(logLine), LocalLambda.decodeLog(actual.logResult()));

        InvokeResponse expectedError = builtInLambda.invoke(r -> r.functionName(name)
                .payload(SdkBytes.fromUtf8String("{\"fail\":1}")));
        InvokeResponse actualError = officialLambda.invoke(r -> r.functionName(name)
                .payload(SdkBytes.fromUtf8String("{\"fail\":1}")));
        assertEquals("Unhandled", actualError.functionError());
        JsonNode want = JSON.readTree(expectedError.payload().asUtf8String());
        JsonNode got = JSON.readTree(actualError.payload().asUtf8String());
        assertEquals(errorType, got.get("errorType").asText());
        assertEquals(want.get("errorType"), got.get("errorType"));
        assertEquals(want.get("errorMessage"), got.get("errorMessage"));
    }
}
