package io.lambdasteprunner.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRequest;
import io.lambdasteprunner.step.TargetAccount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDK side of another account: the real SDK clients, StsAssumeRoleCredentialsProvider and its errors,
 * against a loopback server that answers STS's AssumeRole (query protocol) and Lambda's Invoke as AWS words them.
 */
class TargetGatewaysTest {

    private static final String ROLE = "arn:aws:iam::222222222222:role/runbook-steps";
    private static final String RUNNER_KEY = "AKIDRUNNER";
    private static final String ASSUMED_KEY = "ASIAASSUMED";

    private HttpServer server;
    private URI endpoint;
    private final List<String> stsBodies = new CopyOnWriteArrayList<>();
    /** The access key id each Lambda call was signed with. */
    private final List<String> lambdaSigners = new CopyOnWriteArrayList<>();
    private volatile Function<String, Answer> sts = body -> new Answer(200, assumed());
    private LambdaClient runnersClient;
    private TargetConnections connections;
    private TargetGateways gateways;

    private record Answer(int status, String body) {
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        var runnerCredentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(RUNNER_KEY, "secret"));
        runnersClient = LambdaClients.create(endpoint, "eu-west-1", runnerCredentials);
        connections = new TargetConnections("eu-west-1", runnersClient,
                (region, ignored) -> LambdaClients.create(endpoint, region.id(), runnerCredentials),
                () -> StsClients.create(endpoint, "eu-west-1", runnerCredentials));
        gateways = new TargetGateways(new SdkLambdaGateway(runnersClient), connections);
    }

    @AfterEach
    void stop() {
        connections.close();
        runnersClient.close();
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Answer answer;
            if (body.contains("Action=AssumeRole")) {
                stsBodies.add(URLDecoder.decode(body, StandardCharsets.UTF_8));
                answer = sts.apply(body);
                exchange.getResponseHeaders().add("Content-Type", "text/xml");
            } else {
                lambdaSigners.add(authorization.replaceAll(".*Credential=([^/]+)/.*", "$1"));
                answer = new Answer(200, "{}");
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static String assumed() {
        return """
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleResult>
                    <Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>s</SecretAccessKey>
                      <SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
                    <AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/runbook-steps/x</Arn>
                      <AssumedRoleId>AROAEXAMPLE:x</AssumedRoleId></AssumedRoleUser>
                  </AssumeRoleResult>
                  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
                </AssumeRoleResponse>""".formatted(ASSUMED_KEY);
    }

    private static String error(String code, String message) {
        return """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
                  <RequestId>1</RequestId>
                </ErrorResponse>""".formatted(code, message);
    }

    private static void invoke(LambdaGateway gateway) {
        gateway.invoke(new LambdaGateway.Invocation("f", null, "{}", StepRequest.InvocationType.REQUEST_RESPONSE,
                null, StepRequest.LogType.NONE));
    }

    @Nested
    class AssumedRoles {

        @Test
        void signsTheStepsLambdaCallsWithTheSessionsCredentials() {
            TargetAccount target = new TargetAccount(null, ROLE, "rundeck-ops");

            invoke(gateways.in(target, "exec-42"));
            invoke(gateways.in(target, "exec-42"));
            gateways.in(target, "exec-42").listFunctions();

            // Invoke and the control plane alike (each with its own retry policy).
            assertEquals(List.of(ASSUMED_KEY, ASSUMED_KEY, ASSUMED_KEY), lambdaSigners);
            assertEquals(1, stsBodies.size(), "the session's credentials are cached");
            assertTrue(stsBodies.getFirst().contains("RoleArn=" + ROLE), stsBodies.getFirst());
            assertTrue(stsBodies.getFirst().contains("ExternalId=rundeck-ops"), stsBodies.getFirst());
            assertTrue(stsBodies.getFirst().contains("RoleSessionName=lambda-step-runner@exec-42"), stsBodies.getFirst());
        }

        @Test
        void theRunnersOwnTargetAsksNoStsAndSignsAsTheRunner() {
            invoke(gateways.in(TargetAccount.RUNNERS_OWN, "exec-42"));
            invoke(gateways.in(new TargetAccount("us-west-2", null, null), "exec-42"));

            assertEquals(List.of(RUNNER_KEY, RUNNER_KEY), lambdaSigners);
            assertEquals(List.of(), stsBodies);
        }
    }

    @Nested
    class StsRefusals {

        @Test
        void aDeniedAssumeRoleIsAssumeRoleDeniedWithStsReason() {
            sts = body -> new Answer(403, error("AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/runner/x "
                    + "is not authorized to perform: sts:AssumeRole on resource: " + ROLE));

            StepFailure failure = assertThrows(StepFailure.class,
                    () -> gateways.in(new TargetAccount(null, ROLE, "wrong-id"), "exec-1"));

            assertEquals(StepError.ASSUME_ROLE_DENIED, failure.error());
            assertTrue(failure.getMessage().contains("AccessDenied: User: arn:aws:sts::111111111111"), failure.getMessage());
            assertEquals(List.of(), lambdaSigners);
        }

        @Test
        void aValidationErrorIsAssumeRoleDeniedToo() {
            sts = body -> new Answer(400, error("ValidationError", "1 validation error detected"));

            StepFailure failure = assertThrows(StepFailure.class,
                    () -> gateways.in(new TargetAccount(null, ROLE, null), "exec-1"));

            assertEquals(StepError.ASSUME_ROLE_DENIED, failure.error());
            assertTrue(failure.getMessage().contains("ValidationError"), failure.getMessage());
        }

        @Test
        void stsFailingIsStsUnavailable() {
            sts = body -> new Answer(500, error("InternalFailure", "try later"));

            StepFailure failure = assertThrows(StepFailure.class,
                    () -> gateways.in(new TargetAccount(null, ROLE, null), "exec-1"));

            assertEquals(StepError.STS_UNAVAILABLE, failure.error());
            assertEquals(List.of(), lambdaSigners);
        }

        @Test
        void stsUnreachableIsStsUnavailable() throws IOException {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = socket.getLocalPort();
            }
            var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(RUNNER_KEY, "secret"));
            try (TargetConnections unreachable = new TargetConnections("eu-west-1", runnersClient,
                    (region, ignored) -> LambdaClients.create(endpoint, region.id(), credentials),
                    () -> StsClients.create(URI.create("http://127.0.0.1:" + closedPort), "eu-west-1", credentials))) {
                StepFailure failure = assertThrows(StepFailure.class, () -> new TargetGateways(
                        new SdkLambdaGateway(runnersClient),
                        unreachable).in(new TargetAccount(null, ROLE, null), "exec-1"));

                assertEquals(StepError.STS_UNAVAILABLE, failure.error());
                assertTrue(failure.getMessage().contains("could not be reached"), failure.getMessage());
            }
        }
    }
}
