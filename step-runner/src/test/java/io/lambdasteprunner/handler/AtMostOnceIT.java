package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.LambdaRetries;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.local.FaultInjection;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An invoke step runs its function at most once (issue 12): the SDK sends an Invoke again only when
 * Lambda cannot have run the function. Real SDK, real HTTP, the local Lambda service's fault
 * injection, the production retry policy; attempts are counted by an SDK interceptor, runs by the
 * {@code START} lines in the function's log.
 */
class AtMostOnceIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final String FUNCTION = "restart-web-service";
    private static final String STEP = """
            {"action": "invoke", "functionName": "restart-web-service", "payload": {"host": "web-1"}}
            """;

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicInteger invokeAttempts = new AtomicInteger();
    private LocalLambdaService service;

    @BeforeEach
    void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        resources.add(service);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    /** Counts every HTTP attempt of an Invoke, retries included. */
    private final ExecutionInterceptor countingInvokes = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if ("Invoke".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                invokeAttempts.incrementAndGet();
            }
        }
    };

    /** A step handler as the runner builds it, on a client (production's settings) that counts attempts. */
    private StepHandler handlerFor(URI endpoint, UrlConnectionHttpClient.Builder http) {
        var builder = LambdaClients.builder(LambdaClientConfig.local(endpoint, "us-east-1"), LambdaRetries.standard());
        builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .addExecutionInterceptor(countingInvokes).build());
        if (http != null) {
            builder.httpClient(http.build());
        }
        LambdaClient client = builder.build();
        resources.add(client);
        // The production wiring: Invoke on the client's own strategy (no per-request one)
        assertEquals(LambdaRetries.standard().invoke(),
                client.serviceClientConfiguration().overrideConfiguration().retryStrategy().orElseThrow());
        return new StepHandler(DependencyFactory.onGateway(new StepConfig(ROLE, List.of(), null, null),
                new SdkLambdaGateway(client)));
    }

    private StepHandler handler() {
        return handlerFor(service.endpoint(), null);
    }

    /** Deploys the function the step invokes: it logs a line and, when asked, takes its time. */
    private void deployFunction() {
        LambdaClient deployer = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        resources.add(deployer);
        String code = """
                import time
                def lambda_handler(event, context):
                    print('restarting', event['host'])
                    time.sleep(event.get('seconds', 0))
                    return {'restarted': event['host']}
                """;
        deployer.createFunction(r -> r.functionName(FUNCTION).runtime("python3.12").role(ROLE).timeout(10)
                .handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(zip(code)))));
        deployer.waiter().waitUntilFunctionActiveV2(r -> r.functionName(FUNCTION));
    }

    private static byte[] zip(String code) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
                zip.putNextEntry(new java.util.zip.ZipEntry("lambda_function.py"));
                zip.write(code.getBytes(StandardCharsets.UTF_8));
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode run(StepHandler handler, String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(60_000));
        return mapper.readTree(out.toByteArray()).get("data");
    }

    /** How many times the function started, by its log's {@code START} lines. */
    private int runs() {
        return count(Pattern.compile("^START RequestId: ", Pattern.MULTILINE), service.functionLog(FUNCTION));
    }

    private static int count(Pattern pattern, String text) {
        int count = 0;
        for (Matcher matcher = pattern.matcher(text); matcher.find(); ) {
            count++;
        }
        return count;
    }

    @Nested
    class WhenLambdaCannotHaveRunIt {

        @Test
        void shouldRetryThrottlingAndRunTheFunctionOnce() throws Exception {
            // Given a function, and a service that throttles the first two calls (seed 4100 draws 0.098, 0.465, 0.98)
            deployFunction();
            StepHandler handler = handler();
            service.injectFaults(new FaultInjection(0.5, 0, 0, 0, 0, Duration.ZERO, 4100));

            // When the invoke step runs
            JsonNode data = run(handler, STEP);

            // Then the SDK sent it again until it got through, and the function ran once
            assertEquals("web-1", data.get("invokeResponsePayload").get("restarted").asText());
            assertTrue(invokeAttempts.get() >= 2, "attempts: " + invokeAttempts.get());
            assertEquals(1, runs());
        }

        @Test
        void shouldGiveUpOnPersistentThrottlingWithoutRunningIt() {
            deployFunction();
            StepHandler handler = handler();
            service.injectFaults(new FaultInjection(1, 0, 0, 0, 0, Duration.ZERO, 1));

            StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP));

            assertEquals(StepError.THROTTLED, failure.error());
            assertTrue(failure.getMessage().endsWith("(after 5 attempts)"), failure.getMessage());
            assertEquals(5, invokeAttempts.get());
            assertEquals(0, runs());
        }

        @Test
        void shouldRetryWhenTheConnectionIsRefused() throws Exception {
            // Given a port where nothing listens yet, and a service that starts there after the first attempt
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            StepHandler handler = handlerFor(URI.create("http://127.0.0.1:" + port), null);
            CompletableFuture<LocalLambdaService> late = CompletableFuture.supplyAsync(() -> {
                while (invokeAttempts.get() == 0) {
                    Thread.onSpinWait();
                }
                return LocalLambdaService.start(LocalLambdaConfig.defaults().withPort(port));
            });

            // When the invoke step runs
            StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP));
            resources.add(late.get(30, TimeUnit.SECONDS));

            // Then a later attempt reached the service, which answered (it holds no function)
            assertEquals(StepError.FUNCTION_NOT_FOUND, failure.error(), failure.getMessage());
            assertTrue(invokeAttempts.get() >= 2, "attempts: " + invokeAttempts.get());
        }
    }

    @Nested
    class WhenTheFunctionMayHaveRun {

        @Test
        void shouldNotInvokeAgainAfterAServerErrorAndSaySo() {
            // Given a service that runs the function, then answers 500 instead of its result
            deployFunction();
            StepHandler handler = handler();
            service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ZERO, 1, 1.0));

            StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP));

            assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
            assertTrue(failure.getMessage().startsWith("invoke restart-web-service: ServiceException: "),
                    failure.getMessage());
            assertTrue(failure.getMessage().contains("the function may have run"), failure.getMessage());
            assertEquals(1, invokeAttempts.get());
            assertEquals(1, runs());
        }

        @Test
        void shouldNotInvokeAgainAfterAReadTimeout() throws Exception {
            // Given a client that waits 1 s for an answer, and a function that takes 3 s
            deployFunction();
            StepHandler handler = handlerFor(service.endpoint(),
                    UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(1)));

            StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, """
                    {"action": "invoke", "functionName": "restart-web-service", "payload": {"host": "web-1", "seconds": 3}}
                    """));

            assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
            assertTrue(failure.getMessage().contains("SocketTimeoutException"), failure.getMessage());
            assertTrue(failure.getMessage().contains("the function may have run"), failure.getMessage());
            assertEquals(1, invokeAttempts.get());
            // The run the client gave up on finishes, and no other starts
            awaitLog("END RequestId: ", Duration.ofSeconds(30));
            assertEquals(1, runs());
        }

        @Test
        void shouldNotSendAgainWhenTheConnectionDropsAfterTheRequest() throws Exception {
            // Given an endpoint that reads each request and hangs up without answering
            AtomicInteger received = new AtomicInteger();
            ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            resources.add(server);
            Thread.ofVirtual().start(() -> hangUpAfterEachRequest(server, received));
            StepHandler handler = handlerFor(URI.create("http://127.0.0.1:" + server.getLocalPort()), null);

            StepFailure failure = assertThrows(StepFailure.class, () -> run(handler, STEP));

            // Then neither the SDK nor the JDK's HTTP client sent it a second time
            assertEquals(StepError.LAMBDA_UNAVAILABLE, failure.error());
            assertTrue(failure.getMessage().contains("the function may have run"), failure.getMessage());
            assertEquals(1, invokeAttempts.get());
            assertEquals(1, received.get());
        }
    }

    private void awaitLog(String text, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!service.functionLog(FUNCTION).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "the function's log never showed '" + text + "'");
            Thread.sleep(50);
        }
    }

    /** Reads a request's head and body, counts it, and closes the connection. */
    private static void hangUpAfterEachRequest(ServerSocket server, AtomicInteger received) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                socket.setSoTimeout(10_000);
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
                in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                received.incrementAndGet();
            } catch (IOException closed) {
                // The server socket closed (test over) or the client went away.
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }

    @Test
    void shouldKeepTheFaultFreePathToOneAttemptAndOneRun() throws Exception {
        deployFunction();

        JsonNode data = run(handler(), STEP);

        assertEquals("web-1", data.get("invokeResponsePayload").get("restarted").asText());
        assertEquals(1, invokeAttempts.get());
        assertEquals(1, runs());
        assertFalse(data.get("functionWasCreated").asBoolean());
    }
}
