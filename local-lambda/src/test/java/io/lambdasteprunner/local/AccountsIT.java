package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local service plays several accounts and regions, and STS, as a runbook team running many
 * accounts sees them through the real AWS SDK: the account is the caller's access key's (twelve
 * digits: that account; AssumeRole's keys: the role's; any other: 000000000000), the region the one
 * the caller signed for. Each account and region has its own functions, and ARNs say whose they are.
 */
class AccountsIT {

    private static final String PLAIN_KEY = "test";
    private static final String ACCOUNT_A = "111122223333";
    private static final String ACCOUNT_B = "444455556666";
    private static final String ROLE_IN_C = "arn:aws:iam::222233334444:role/runbooks/step-target";
    private static final String HANDLER = """
            import os
            def lambda_handler(event, context):
                return {"invokedArn": context.invoked_function_arn, "region": os.environ["AWS_REGION"],
                        "defaultRegion": os.environ["AWS_DEFAULT_REGION"], "key": os.environ["AWS_ACCESS_KEY_ID"],
                        "secret": os.environ["AWS_SECRET_ACCESS_KEY"], "token": os.environ["AWS_SESSION_TOKEN"],
                        "stsEndpoint": os.environ.get("AWS_ENDPOINT_URL_STS")}
            """;

    private static LocalLambdaService service;
    private static final List<AutoCloseable> clients = new ArrayList<>();
    /** Functions made by a test, deleted after it with the client that made them. */
    private final List<Runnable> cleanups = new ArrayList<>();

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults().withSpareRuntimes(false));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        service.close();
    }

    @AfterEach
    void deleteFunctions() {
        cleanups.forEach(Runnable::run);
        service.trustRoles(RoleTrust.ANYONE);
    }

    private static LambdaClient lambda(AwsCredentialsProvider credentials, String region) {
        LambdaClient client = LambdaClient.builder().endpointOverride(service.endpoint()).region(Region.of(region))
                .credentialsProvider(credentials).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        clients.add(client);
        return client;
    }

    private static LambdaClient lambda(String accessKeyId, String region) {
        return lambda(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, "secret")), region);
    }

    private static StsClient sts(AwsCredentials credentials) {
        StsClient client = StsClient.builder().endpointOverride(service.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        clients.add(client);
        return client;
    }

    private GetFunctionConfigurationResponse create(LambdaClient lambda, String name) {
        var created = lambda.createFunction(request -> request.functionName(name).runtime(Runtime.PYTHON3_12)
                .role(LocalLambda.ROLE).handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", HANDLER)))));
        cleanups.add(() -> lambda.deleteFunction(r -> r.functionName(name)));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return lambda.getFunctionConfiguration(r -> r.functionName(created.functionName()));
    }

    private static JsonNode invoke(LambdaClient lambda, String reference) throws Exception {
        var response = lambda.invoke(r -> r.functionName(reference).payload(SdkBytes.fromUtf8String("{}")));
        assertEquals(null, response.functionError(), response.payload().asUtf8String());
        return new ObjectMapper().readTree(response.payload().asUtf8String());
    }

    private static List<String> names(LambdaClient lambda) {
        return lambda.listFunctions().functions().stream().map(FunctionConfiguration::functionName).toList();
    }

    @Nested
    class Accounts {

        @Test
        void eachAccountSeesOnlyItsOwnFunctions() {
            // Given two accounts, each with a function of the same name and one of its own
            LambdaClient a = lambda(ACCOUNT_A, "us-east-1");
            LambdaClient b = lambda(ACCOUNT_B, "us-east-1");
            create(a, "acct-shared");
            create(b, "acct-shared");
            create(a, "acct-only-a");

            // When B looks for A's function
            ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class,
                    () -> b.getFunction(r -> r.functionName("acct-only-a")));

            // Then it is not there, in B's words, and each lists its own
            assertEquals("Function not found: arn:aws:lambda:us-east-1:" + ACCOUNT_B + ":function:acct-only-a",
                    missing.awsErrorDetails().errorMessage());
            assertEquals(List.of("acct-only-a", "acct-shared"), names(a));
            assertEquals(List.of("acct-shared"), names(b));
            assertEquals(List.of("acct-only-a", "acct-shared"), service.functionNames(ACCOUNT_A, "us-east-1"));
            assertFalse(service.functionNames().contains("acct-shared"), "the default account has none of them");
        }

        @Test
        void arnsNameTheCallersAccountAndRegion() {
            // Given account A in eu-west-1
            LambdaClient a = lambda(ACCOUNT_A, "eu-west-1");
            String arn = "arn:aws:lambda:eu-west-1:" + ACCOUNT_A + ":function:acct-arns";

            // When it creates, publishes, aliases and grants
            GetFunctionConfigurationResponse created = create(a, "acct-arns");
            var version = a.publishVersion(r -> r.functionName("acct-arns"));
            var alias = a.createAlias(r -> r.functionName("acct-arns").name("live").functionVersion(version.version()));
            var statement = a.addPermission(r -> r.functionName("acct-arns").qualifier("live").statementId("events")
                    .action("lambda:InvokeFunction").principal("events.amazonaws.com"));

            // Then every ARN is A's in eu-west-1
            assertEquals(arn, created.functionArn());
            assertEquals(arn + ":1", version.functionArn());
            assertEquals(arn + ":live", alias.aliasArn());
            assertTrue(statement.statement().contains("\"Resource\":\"" + arn + ":live\""), statement.statement());
            assertEquals(arn, a.listFunctions().functions().get(0).functionArn());
            assertEquals(arn + ":$LATEST", a.listVersionsByFunction(r -> r.functionName("acct-arns"))
                    .versions().get(0).functionArn());
        }

        @Test
        void aFullArnOfAnotherAccountIsRefusedAsAwsRefusesIt() {
            LambdaClient a = lambda(ACCOUNT_A, "us-east-1");
            LambdaClient b = lambda(ACCOUNT_B, "us-east-1");
            String arnInA = create(a, "acct-cross").functionArn();

            LambdaException get = assertThrows(LambdaException.class, () -> b.getFunction(r -> r.functionName(arnInA)));
            LambdaException invoke = assertThrows(LambdaException.class, () -> b.invoke(r -> r.functionName(arnInA)));
            LambdaException create = assertThrows(LambdaException.class, () -> create(b, arnInA));

            for (LambdaException refused : List.of(get, invoke, create)) {
                assertEquals(403, refused.statusCode());
                assertEquals("AccessDeniedException", refused.awsErrorDetails().errorCode());
                assertTrue(refused.awsErrorDetails().errorMessage().contains("AWS_ACCESS_KEY_ID=" + ACCOUNT_A),
                        refused.awsErrorDetails().errorMessage());
            }
        }

        @Test
        void anyOtherKeyIsTheDefaultAccount() {
            LambdaClient plain = lambda(PLAIN_KEY, "us-east-1");

            GetFunctionConfigurationResponse created = create(plain, "acct-default");

            assertEquals("arn:aws:lambda:us-east-1:000000000000:function:acct-default", created.functionArn());
            assertTrue(service.functionNames("000000000000", "us-east-1").contains("acct-default"));
        }
    }

    @Nested
    class Regions {

        @Test
        void eachRegionHasItsOwnFunctions() {
            LambdaClient east = lambda(ACCOUNT_A, "us-east-1");
            LambdaClient frankfurt = lambda(ACCOUNT_A, "eu-central-1");
            create(frankfurt, "region-only-frankfurt");

            ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class,
                    () -> east.invoke(r -> r.functionName("region-only-frankfurt")));

            assertEquals("Function not found: arn:aws:lambda:us-east-1:" + ACCOUNT_A
                    + ":function:region-only-frankfurt:$LATEST", missing.awsErrorDetails().errorMessage());
            assertEquals(List.of("region-only-frankfurt"), names(frankfurt));
            assertFalse(names(east).contains("region-only-frankfurt"));
        }

        @Test
        void aFullArnOfAnotherRegionIsNotReachable() {
            LambdaClient east = lambda(ACCOUNT_A, "us-east-1");
            LambdaClient frankfurt = lambda(ACCOUNT_A, "eu-central-1");
            String arn = create(frankfurt, "region-cross").functionArn();

            ResourceNotFoundException get = assertThrows(ResourceNotFoundException.class,
                    () -> east.getFunction(r -> r.functionName(arn)));
            ResourceNotFoundException invoke = assertThrows(ResourceNotFoundException.class,
                    () -> east.invoke(r -> r.functionName(arn)));

            for (ResourceNotFoundException refused : List.of(get, invoke)) {
                assertEquals(404, refused.statusCode());
                assertEquals("Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
                        refused.awsErrorDetails().errorMessage());
            }
        }

        @Test
        void aRegionThatIsNoRegionIsRefused() {
            LambdaClient nowhere = lambda(ACCOUNT_A, "local");

            LambdaException refused = assertThrows(LambdaException.class, nowhere::listFunctions);

            assertEquals(403, refused.statusCode());
            assertEquals("InvalidSignatureException", refused.awsErrorDetails().errorCode());
            assertTrue(refused.awsErrorDetails().errorMessage().startsWith(
                    "Credential should be scoped to a valid region, not 'local'."), refused.awsErrorDetails().errorMessage());
        }
    }

    @Nested
    class RunningFunctions {

        @Test
        void aFunctionRunsInItsAccountAndRegion() throws Exception {
            // Given a function of account A in eu-central-1
            LambdaClient a = lambda(ACCOUNT_A, "eu-central-1");
            String arn = create(a, "run-scoped").functionArn();
            a.publishVersion(r -> r.functionName("run-scoped"));
            a.createAlias(r -> r.functionName("run-scoped").name("live").functionVersion("1"));

            // When it is invoked by name and through its alias
            JsonNode byName = invoke(a, "run-scoped");
            JsonNode byAlias = invoke(a, "run-scoped:live");

            // Then its context and environment say where it lives, and its own calls come back here as A
            assertEquals(arn, byName.get("invokedArn").asText());
            assertEquals(arn + ":live", byAlias.get("invokedArn").asText());
            assertEquals("eu-central-1", byName.get("region").asText());
            assertEquals("eu-central-1", byName.get("defaultRegion").asText());
            GetCallerIdentityResponse itself = sts(AwsSessionCredentials.create(byName.get("key").asText(),
                    byName.get("secret").asText(), byName.get("token").asText())).getCallerIdentity();
            assertEquals(ACCOUNT_A, itself.account());
            assertEquals("arn:aws:sts::" + ACCOUNT_A + ":assumed-role/lambda-test/run-scoped", itself.arn());
            assertEquals(service.endpoint().toString(), byName.get("stsEndpoint").asText());
            assertTrue(service.functionLogByArn(arn).contains("START RequestId:"), "the log is found by ARN");
        }
    }

    @Nested
    class AssumeRole {

        @Test
        void theSdkTakesTheCredentialsAndCallsSignedWithThemActInTheRolesAccount() {
            // Given credentials of the default account, and STS on the service's endpoint
            StsClient sts = sts(AwsBasicCredentials.create(PLAIN_KEY, "secret"));

            // When the caller assumes a role of account 222233334444
            AssumeRoleResponse assumed = sts.assumeRole(r -> r.roleArn(ROLE_IN_C).roleSessionName("runbook-1")
                    .externalId("ticket-42").durationSeconds(900));
            var credentials = assumed.credentials();
            LambdaClient asRole = lambda(StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken())), "us-east-1");
            GetFunctionConfigurationResponse created = create(asRole, "role-made");

            // Then the SDK parsed STS's answer, and what the role made is the role's account's
            assertTrue(credentials.accessKeyId().matches("ASIA[A-Z2-7]{16}"), credentials.accessKeyId());
            assertFalse(credentials.secretAccessKey().isEmpty());
            assertFalse(credentials.sessionToken().isEmpty());
            Duration left = Duration.between(Instant.now(), credentials.expiration());
            assertTrue(left.compareTo(Duration.ofMinutes(14)) > 0 && left.compareTo(Duration.ofMinutes(16)) < 0,
                    "DurationSeconds 900 gives 15 minutes, left " + left);
            assertEquals("arn:aws:sts::222233334444:assumed-role/step-target/runbook-1", assumed.assumedRoleUser().arn());
            assertTrue(assumed.assumedRoleUser().assumedRoleId().matches("AROA[A-Z2-7]{17}:runbook-1"));
            assertEquals("arn:aws:lambda:us-east-1:222233334444:function:role-made", created.functionArn());
            assertEquals(List.of("role-made"), service.functionNames("222233334444", "us-east-1"));
            assertFalse(service.functionNames().contains("role-made"));

            GetCallerIdentityResponse identity = sts(AwsSessionCredentials.create(credentials.accessKeyId(),
                    credentials.secretAccessKey(), credentials.sessionToken())).getCallerIdentity();
            assertEquals("222233334444", identity.account());
            assertEquals(assumed.assumedRoleUser().arn(), identity.arn());
        }

        @Test
        void theSdksAssumeRoleCredentialsProviderWorksAsTheRunnerUsesIt() {
            StsClient sts = sts(AwsBasicCredentials.create(ACCOUNT_A, "secret"));
            StsAssumeRoleCredentialsProvider provider = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                    .refreshRequest(r -> r.roleArn(ROLE_IN_C).roleSessionName("lambda-step-runner").externalId("x-1"))
                    .build();
            clients.add(provider);
            LambdaClient asRole = lambda(provider, "eu-west-1");

            GetFunctionConfigurationResponse created = create(asRole, "provider-made");

            assertEquals("arn:aws:lambda:eu-west-1:222233334444:function:provider-made", created.functionArn());
        }

        @Test
        void unknownSessionKeysAreTheDefaultAccount() {
            LambdaClient unknown = lambda(StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    "ASIAUNKNOWNUNKNOWN77", "secret", "token")), "us-east-1");

            GetFunctionConfigurationResponse created = create(unknown, "unknown-session");

            assertEquals("arn:aws:lambda:us-east-1:000000000000:function:unknown-session", created.functionArn());
        }

        @Test
        void aTwelveDigitKeyIsThatAccountForStsToo() {
            GetCallerIdentityResponse identity = sts(AwsBasicCredentials.create(ACCOUNT_B, "secret")).getCallerIdentity();

            assertEquals(ACCOUNT_B, identity.account());
            assertEquals("arn:aws:iam::" + ACCOUNT_B + ":root", identity.arn());
        }

        @Test
        void stsValidationErrorsReachTheSdkAsStsExceptionsWithAwsCodes() {
            StsClient sts = sts(AwsBasicCredentials.create(PLAIN_KEY, "secret"));

            StsException badSession = assertThrows(StsException.class, () -> sts.assumeRole(r -> r.roleArn(ROLE_IN_C)
                    .roleSessionName("Session1:2")));
            StsException badArn = assertThrows(StsException.class, () -> sts.assumeRole(r -> r
                    .roleArn("nothing-valid-in-here").roleSessionName("s1")));
            StsException shortDuration = assertThrows(StsException.class, () -> sts.assumeRole(r -> r
                    .roleArn(ROLE_IN_C).roleSessionName("s1").durationSeconds(899)));
            StsException badExternalId = assertThrows(StsException.class, () -> sts.assumeRole(r -> r
                    .roleArn(ROLE_IN_C).roleSessionName("s1").externalId("has space")));

            assertEquals(400, badSession.statusCode());
            assertEquals("ValidationError", badSession.awsErrorDetails().errorCode());
            assertEquals("1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy "
                    + "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
                    badSession.awsErrorDetails().errorMessage());
            assertEquals("ValidationError", badArn.awsErrorDetails().errorCode());
            assertEquals("nothing-valid-in-here is invalid", badArn.awsErrorDetails().errorMessage());
            assertEquals("ValidationError", shortDuration.awsErrorDetails().errorCode());
            assertTrue(shortDuration.awsErrorDetails().errorMessage().contains("greater than or equal to 900"));
            assertEquals("ValidationError", badExternalId.awsErrorDetails().errorCode());
            assertTrue(badExternalId.awsErrorDetails().errorMessage().contains("at 'externalId'"));
        }

        @Test
        void aTrustPolicyPlayedByTheServiceDeniesAsStsDenies() {
            // Given a role that needs an external id, and one that trusts no one
            String needsId = "arn:aws:iam::555566667777:role/needs-id";
            String nobody = "arn:aws:iam::555566667777:role/trusts-nobody";
            service.trustRoles(new RoleTrust(Map.of(needsId, "ticket-42"), Set.of(nobody)));
            StsClient sts = sts(AwsBasicCredentials.create(ACCOUNT_A, "secret"));

            // When they are assumed
            StsException wrongId = assertThrows(StsException.class, () -> sts.assumeRole(r -> r.roleArn(needsId)
                    .roleSessionName("s1").externalId("ticket-41")));
            StsException refused = assertThrows(StsException.class, () -> sts.assumeRole(r -> r.roleArn(nobody)
                    .roleSessionName("s1")));
            AssumeRoleResponse rightId = sts.assumeRole(r -> r.roleArn(needsId).roleSessionName("s1")
                    .externalId("ticket-42"));

            // Then STS's AccessDenied, naming the caller and the role
            assertEquals(403, wrongId.statusCode());
            assertEquals("AccessDenied", wrongId.awsErrorDetails().errorCode());
            assertEquals("User: arn:aws:iam::" + ACCOUNT_A + ":root is not authorized to perform: sts:AssumeRole on "
                    + "resource: " + nobody, refused.awsErrorDetails().errorMessage());
            assertEquals("arn:aws:sts::555566667777:assumed-role/needs-id/s1", rightId.assumedRoleUser().arn());
        }

        @Test
        void aFormPostToTheRootIsStsWhateverTheSignature() throws Exception {
            // An STS request signed as if for Lambda still reaches STS: the form's Action says what it is.
            HttpResponse<String> answer = signed("POST", "/", Map.of("Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8"), "Action=GetCallerIdentity&Version=2011-06-15",
                    ACCOUNT_B, "lambda");

            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("text/xml"));
            assertTrue(answer.body().contains("<Account>" + ACCOUNT_B + "</Account>"), answer.body());
        }
    }

    /** A raw request signed with SigV4 for {@code service}, as an SDK would sign it, with a deadline. */
    private static HttpResponse<String> signed(String method, String path, Map<String, String> headers, String body,
                                               String accessKeyId, String signingService) throws Exception {
        URI uri = URI.create(service.endpoint() + path);
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        headers.forEach(unsigned::putHeader);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKeyId, "secret"))
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, signingService)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
        signed.request().headers().forEach((name, values) -> {
            if (!Set.of("host", "content-length").contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
