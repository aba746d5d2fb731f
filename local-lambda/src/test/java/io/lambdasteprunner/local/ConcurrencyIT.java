package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes.Family;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Twenty concurrent invokes of a cold function, each on an environment of its own, all succeed: Java
 * under the official runtime interface client (whose native library once made concurrent JVMs die of
 * SIGBUS in a shared /tmp), Python, Node.js and Ruby under the built-in bootstraps.
 */
class ConcurrencyIT {
    private static final int CONCURRENT = 20;
    private static LocalLambdaService service;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() {
        Path javaRic = Path.of(System.getProperty("java.ric.dir", "target/java-ric"));
        assertTrue(Files.isDirectory(javaRic), javaRic + " is missing: mvn package copies the Java RIC there");
        LocalLambdaConfig defaults = LocalLambdaConfig.defaults();
        service = LocalLambdaService.start(defaults.withInterpreters(defaults.interpreters()
                .withClient(Family.JAVA, Interpreters.javaClient(javaRic + "/*"))));
        lambda = LocalLambda.client(service);
    }

    @AfterAll
    static void stop() {
        lambda.close();
        service.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "java21,io/lambdasteprunner/local/fixtures/EchoHandler.class,io.lambdasteprunner.local.fixtures.EchoHandler::handleRequest",
            "python3.12,lambda_function.py,lambda_function.lambda_handler",
            "nodejs22.x,index.js,index.handler",
            "ruby3.3,lambda_function.rb,lambda_function.handler"})
    void shouldServeTwentyConcurrentColdInvokes(String runtime, String file, String handler) throws Exception {
        String name = "concurrent-" + runtime.replace(".", "");
        lambda.createFunction(r -> r.functionName(name).runtime(runtime).role(LocalLambda.ROLE).handler(handler)
                .timeout(120).memorySize(256)
                .code(c -> c.zipFile(LocalLambda.zipFiles(Map.of(file, code(runtime, file))))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));

        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT);
        try {
            List<Future<InvokeResponse>> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                int n = i;
                calls.add(callers.submit(() -> lambda.invoke(r -> r.functionName(name)
                        .payload(SdkBytes.fromUtf8String("{\"n\":" + n + "}")))));
            }
            for (int i = 0; i < CONCURRENT; i++) {
                InvokeResponse response = calls.get(i).get(5, TimeUnit.MINUTES);
                assertEquals(null, response.functionError(), runtime + " #" + i + ": " + response.payload().asUtf8String());
                assertEquals(i, new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.payload().asUtf8String())
                        .at("/event/n").asInt(-1), response.payload().asUtf8String());
            }
        } finally {
            callers.shutdownNow();
        }
    }

    private static byte[] code(String runtime, String file) {
        String source = switch (runtime.replaceAll("\\d.*", "")) {
            case "java" -> null;
            case "python" -> "import time\ndef lambda_handler(event, context):\n    time.sleep(0.2)\n    return {'event': event}\n";
            case "nodejs" -> "exports.handler = async (event) => { await new Promise(r => setTimeout(r, 200)); return { event }; };\n";
            default -> "def handler(event:, context:)\n  sleep 0.2\n  { 'event' => event }\nend\n";
        };
        if (source != null) {
            return source.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        try {
            return Files.readAllBytes(Path.of(System.getProperty("test.classes.dir", "target/test-classes")).resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
