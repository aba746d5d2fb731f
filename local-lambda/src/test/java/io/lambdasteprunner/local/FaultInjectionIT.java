package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ServiceException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fault injection: off by default, switchable in-process or over HTTP, each kind as AWS shows it. */
class FaultInjectionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalLambdaService service;
    private LambdaClient lambda;

    @BeforeEach
    void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        // No SDK retries here: each injected fault must reach the test as the service answered it.
        lambda = LambdaClient.builder().endpointOverride(service.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).retryStrategy(b -> b.maxAttempts(1)))
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                .build();
        LocalLambda.createPython(lambda, "faulty", "import time\ndef lambda_handler(e, c):\n    return 'ok'\n");
    }

    @AfterEach
    void stop() {
        lambda.close();
        service.close();
    }

    @Test
    void shouldThrottleWithAwsCodeAndBody() {
        service.injectFaults(new FaultInjection(1, 0, 0, 0, 0, Duration.ZERO, 1));

        TooManyRequestsException e = assertThrows(TooManyRequestsException.class,
                () -> lambda.invoke(r -> r.functionName("faulty")));

        assertEquals(429, e.statusCode());
        assertEquals("Rate Exceeded.", e.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldAnswerServiceErrors() {
        service.injectFaults(new FaultInjection(0, 1, 0, 0, 0, Duration.ZERO, 1));

        ServiceException e = assertThrows(ServiceException.class, () -> lambda.getFunction(r -> r.functionName("faulty")));

        assertEquals(500, e.statusCode());
    }

    @Test
    void shouldAnswerAServerErrorAfterTheFunctionRan() {
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ZERO, 1, 1.0));

        ServiceException e = assertThrows(ServiceException.class, () -> lambda.invoke(r -> r.functionName("faulty")));

        assertEquals(500, e.statusCode());
        assertTrue(service.functionLog("faulty").contains("END RequestId: "), service.functionLog("faulty"));
    }

    @Test
    void shouldFailDeletesAndKeepTheFunction() {
        service.injectFaults(new FaultInjection(0, 0, 1, 0, 0, Duration.ZERO, 1));

        assertThrows(ServiceException.class, () -> lambda.deleteFunction(r -> r.functionName("faulty")));

        assertTrue(service.functionNames().contains("faulty"));
        service.injectFaults(FaultInjection.NONE);
        lambda.deleteFunction(r -> r.functionName("faulty"));
        assertTrue(service.functionNames().isEmpty());
    }

    @Test
    void shouldCrashTheRuntimeMidInvoke() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 0, 1, 0, Duration.ZERO, 1));

        InvokeResponse response = lambda.invoke(r -> r.functionName("faulty"));

        assertEquals("Unhandled", response.functionError());
        var error = JSON.readTree(response.payload().asUtf8String());
        assertEquals("Runtime.ExitError", error.get("errorType").asText());
        assertTrue(error.get("errorMessage").asText().endsWith("Runtime exited with error: signal: killed"));
    }

    @Test
    void shouldHangTheRuntimeUntilItsTimeout() throws Exception {
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 1, Duration.ZERO, 1));

        InvokeResponse response = lambda.invoke(r -> r.functionName("faulty"));

        var error = JSON.readTree(response.payload().asUtf8String());
        assertEquals("Sandbox.Timedout", error.get("errorType").asText());
        service.injectFaults(FaultInjection.NONE);
        assertEquals("\"ok\"", lambda.invoke(r -> r.functionName("faulty")).payload().asUtf8String());
    }

    @Test
    void shouldKeepNewFunctionsPendingLonger() {
        // Pending for far longer than the test can take to invoke, however busy the machine (closing ends it).
        service.injectFaults(new FaultInjection(0, 0, 0, 0, 0, Duration.ofMinutes(10), 1));
        lambda.createFunction(r -> r.functionName("slow").runtime("python3.12").role(LocalLambda.ROLE)
                .handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(LocalLambda.zip(java.util.Map.of("lambda_function.py",
                        "def lambda_handler(e, c):\n    return 1\n")))));

        LambdaException e = assertThrows(LambdaException.class, () -> lambda.invoke(r -> r.functionName("slow")));

        assertEquals("ResourceConflictException", e.awsErrorDetails().errorCode());
    }

    @Test
    void shouldBeSwitchableOverHttp() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI faults = service.endpoint().resolve("/_local/faults");

        HttpResponse<String> set = http.send(LocalLambda.signed(faults, "PUT", "{\"throttleRate\":1,\"seed\":7}").build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, set.statusCode());
        assertEquals(1.0, JSON.readTree(set.body()).get("throttleRate").asDouble());
        assertThrows(TooManyRequestsException.class, () -> lambda.invoke(r -> r.functionName("faulty")));
        HttpResponse<String> bad = http.send(LocalLambda.signed(faults, "PUT", "{\"throttleRate\":2}").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
    }

    @Test
    void shouldInjectNothingByDefault() {
        for (int i = 0; i < 20; i++) {
            assertEquals("\"ok\"", lambda.invoke(r -> r.functionName("faulty")).payload().asUtf8String());
        }
    }
}
