package io.lambdasteprunner.local.conformance;

import io.lambdasteprunner.local.LocalLambdaExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ThrottleReason;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionConfigurationResponse;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance checks that take several steps, each with the AWS source of what it expects. The
 * one-request checks are data: {@code conformance/cases.json}, run by {@link ConformanceIT}.
 */
class ConformanceScenariosIT {

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();
    private static LambdaClient lambda;

    @BeforeAll
    static void client() {
        lambda = LOCAL.lambda();
    }

    private static CreateFunctionResponse create(String name, String code) throws InterruptedException {
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName(name).runtime("python3.12")
                .role(ConformanceIT.ROLE).handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(Packages.zip(Map.of("lambda_function.py",
                        code.getBytes(StandardCharsets.UTF_8)))))));
        Packages.awaitSettled(lambda, name);
        return created;
    }

    private static void describe(String name, String description) throws InterruptedException {
        lambda.updateFunctionConfiguration(r -> r.functionName(name).description(description));
        Packages.awaitSettled(lambda, name);
    }

    private static CreateFunctionResponse createFrom(String name, String dir, Map<String, String> variables)
            throws InterruptedException {
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName(name).runtime("python3.12")
                .role(ConformanceIT.ROLE).handler("handler.handler").timeout(30)
                .environment(e -> e.variables(variables))
                .code(c -> c.zipFile(SdkBytes.fromByteArray(Packages.functionZip(dir)))));
        Packages.awaitSettled(lambda, name);
        return created;
    }

    /** A client of another account: locally, an access key id of twelve digits is that account. */
    private static LambdaClient clientOf(String accountId, boolean retries) {
        return LambdaClient.builder().endpointOverride(LOCAL.service().endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accountId, "x")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(retries ? AwsRetryStrategy.defaultRetryStrategy()
                        : AwsRetryStrategy.doNotRetry())).build();
    }

    private static String json(software.amazon.awssdk.services.lambda.model.InvokeResponse response) {
        return response.payload().asUtf8String();
    }

    /**
     * A loopback port a function tells when it runs ({@code notify_port} in its event), as LocalStack's
     * functions notify an SQS queue: the scenario knows an invocation is running, not only that it ended.
     */
    private static final class Notifications implements AutoCloseable {
        private final java.net.ServerSocket server;

        Notifications() throws java.io.IOException {
            server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            server.setSoTimeout(60_000);
        }

        int port() {
            return server.getLocalPort();
        }

        /** The next function's line: its request prefix and request id. */
        String next() throws java.io.IOException {
            try (java.net.Socket socket = server.accept()) {
                socket.setSoTimeout(30_000);
                return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8)).readLine();
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    /** Waits until the function's log holds {@code count} lines that match {@code line}, and answers them. */
    private static java.util.List<String> awaitLogLines(String name, String line, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(line);
        java.util.List<String> found = java.util.List.of();
        while (System.nanoTime() < deadline) {
            found = LOCAL.service().functionLog(name).lines().filter(l -> pattern.matcher(l).find()).toList();
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the log of " + name + " has " + found.size() + " lines like " + line + ", not "
                + count + ": " + LOCAL.service().functionLog(name));
    }

    /** Source: localstack/localstack test_lambda_api.snapshot.json, TestLambdaVersions::test_version_lifecycle. */
    @Nested
    class Versions {

        @Test
        void publishingAnUnchangedLatestTwiceReturnsTheSameVersionUntilSomethingChanges() throws Exception {
            create("sc-publish", Packages.ECHO_CODE);

            String first = lambda.publishVersion(r -> r.functionName("sc-publish").description("one")).version();
            var again = lambda.publishVersion(r -> r.functionName("sc-publish").description("ignored"));
            describe("sc-publish", "changed");
            String next = lambda.publishVersion(r -> r.functionName("sc-publish")).version();

            assertEquals("1", first);
            assertEquals("1", again.version());
            assertEquals("one", again.description());
            assertEquals("2", next);
        }

        /** Source: test_ops_with_arn_qualifier_mismatch[delete_function] -> match_exception. */
        @Test
        void deletingLatestIsRefusedAndTheFunctionStays() throws Exception {
            create("sc-keep", Packages.ECHO_CODE);

            InvalidParameterValueException refused = assertThrows(InvalidParameterValueException.class,
                    () -> lambda.deleteFunction(r -> r.functionName("sc-keep").qualifier("$LATEST")));

            assertEquals("$LATEST version cannot be deleted without deleting the function.",
                    refused.awsErrorDetails().errorMessage());
            assertEquals(200, lambda.invoke(r -> r.functionName("sc-keep")).statusCode());
        }

        /** Source: test_lambda_code_location_zipfile: create-response and get-function-response differ in RevisionId. */
        @Test
        void theRevisionIdChangesWhenTheFunctionBecomesActive() throws Exception {
            CreateFunctionResponse created = create("sc-revision", Packages.ECHO_CODE);

            String active = lambda.getFunction(r -> r.functionName("sc-revision")).configuration().revisionId();

            assertNotEquals(created.revisionId(), active);
        }

        /**
         * Source: TestLambdaRevisions::test_function_revisions_version_and_alias (get_function_latest_rev3:
         * publishing renews $LATEST's RevisionId; the version keeps the one PublishVersion answered).
         */
        @Test
        void publishingRenewsTheRevisionIdOfLatest() throws Exception {
            create("sc-publish-revision", Packages.ECHO_CODE);
            String before = lambda.getFunction(r -> r.functionName("sc-publish-revision")).configuration().revisionId();

            var published = lambda.publishVersion(r -> r.functionName("sc-publish-revision").revisionId(before));

            String after = lambda.getFunction(r -> r.functionName("sc-publish-revision")).configuration().revisionId();
            String version = lambda.getFunction(r -> r.functionName("sc-publish-revision").qualifier("1"))
                    .configuration().revisionId();
            assertNotEquals(before, after);
            assertEquals(published.revisionId(), version);
        }

        /**
         * Source: TestLambdaVersions::test_publish_with_update (get_function_version_result: Pending while
         * the update runs), and the published_version_active waiter that follows it in AWS's tests.
         */
        @Test
        void aVersionPublishedByAnUpdateIsPendingUntilTheUpdateEnds() throws Exception {
            create("sc-publish-update", Packages.ECHO_CODE);

            var updated = lambda.updateFunctionCode(r -> r.functionName("sc-publish-update").publish(true)
                    .zipFile(SdkBytes.fromByteArray(Packages.zip(Map.of("lambda_function.py",
                            "def lambda_handler(event, context):\n    return 2\n".getBytes(StandardCharsets.UTF_8))))));
            Packages.awaitSettled(lambda, "sc-publish-update");
            var version = lambda.getFunction(r -> r.functionName("sc-publish-update").qualifier("1")).configuration();

            assertEquals("Pending", updated.stateAsString());
            assertEquals(null, updated.lastUpdateStatus());
            assertEquals("Active", version.stateAsString());
            assertEquals(LastUpdateStatus.SUCCESSFUL, version.lastUpdateStatus());
        }
    }

    /**
     * Source: TestLambdaPermissions::test_lambda_permission_fn_versioning (recorded 2025): before an alias
     * has a policy, AddPermission takes the alias's RevisionId; a wrong one is 412 naming GetPolicy.
     */
    @Nested
    class PolicyRevisions {

        @Test
        void aFirstPermissionOnAnAliasTakesTheAliasRevisionId() throws Exception {
            create("sc-policy-alias", Packages.ECHO_CODE);
            lambda.publishVersion(r -> r.functionName("sc-policy-alias"));
            String aliasRevision = lambda.createAlias(r -> r.functionName("sc-policy-alias").name("live")
                    .functionVersion("1")).revisionId();

            var stale = assertThrows(software.amazon.awssdk.services.lambda.model.PreconditionFailedException.class,
                    () -> lambda.addPermission(r -> r.functionName("sc-policy-alias").qualifier("live")
                            .statementId("s3").action("lambda:InvokeFunction").principal("s3.amazonaws.com")
                            .revisionId("wrong")));
            lambda.addPermission(r -> r.functionName("sc-policy-alias:live").qualifier("live").statementId("s3")
                    .action("lambda:InvokeFunction").principal("s3.amazonaws.com").revisionId(aliasRevision));

            assertEquals("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to "
                    + "retrieve the latest Revision Id", stale.awsErrorDetails().errorMessage());
            assertTrue(lambda.getPolicy(r -> r.functionName("sc-policy-alias").qualifier("live")).policy()
                    .contains("\"s3\""));
        }
    }

    /** Source: test_lambda_api.snapshot.json, test_function_lifecycle and test_lambda_concurrent_config_updates. */
    @Nested
    class Updates {

        @Test
        void anUpdateIsInProgressUntilItsCodeIsReadyAndASecondUpdateMeanwhileIsAConflict() throws Exception {
            // The module sleeps at import: the new environment takes a second to initialise.
            create("sc-update", "import time\ntime.sleep(1)\n" + Packages.ECHO_CODE);

            UpdateFunctionConfigurationResponse first = lambda.updateFunctionConfiguration(r -> r
                    .functionName("sc-update").description("first"));
            ResourceConflictException second = assertThrows(ResourceConflictException.class,
                    () -> lambda.updateFunctionConfiguration(r -> r.functionName("sc-update").description("second")));
            Packages.awaitSettled(lambda, "sc-update");
            var settled = lambda.getFunctionConfiguration(r -> r.functionName("sc-update"));

            assertEquals(LastUpdateStatus.IN_PROGRESS, first.lastUpdateStatus());
            assertEquals(409, second.statusCode());
            assertEquals("The operation cannot be performed at this time. An update is in progress for resource: "
                    + ConformanceIT.ARN + "sc-update", second.awsErrorDetails().errorMessage());
            assertEquals(LastUpdateStatus.SUCCESSFUL, settled.lastUpdateStatus());
            assertEquals("first", settled.description());
            assertNotEquals(first.revisionId(), settled.revisionId());
        }

        /** Source: TestLambdaFunction::test_lambda_concurrent_code_updates -> update-during-in-progress-update-exc. */
        @Test
        void aSecondCodeUpdateWhileOneIsInProgressIsAConflictAndTheFirstCodeStays() throws Exception {
            String slowImport = "import time\ntime.sleep(1)\n";
            create("sc-code-update", slowImport + Packages.ECHO_CODE);
            byte[] first = Packages.zip(Map.of("lambda_function.py",
                    (slowImport + Packages.ECHO_CODE + "# version1\n").getBytes(StandardCharsets.UTF_8)));
            byte[] second = Packages.zip(Map.of("lambda_function.py",
                    (slowImport + Packages.ECHO_CODE + "# version2\n").getBytes(StandardCharsets.UTF_8)));

            lambda.updateFunctionCode(r -> r.functionName("sc-code-update").zipFile(SdkBytes.fromByteArray(first)));
            ResourceConflictException refused = assertThrows(ResourceConflictException.class, () -> lambda
                    .updateFunctionCode(r -> r.functionName("sc-code-update").zipFile(SdkBytes.fromByteArray(second))));
            Packages.awaitSettled(lambda, "sc-code-update");

            assertEquals(409, refused.statusCode());
            assertEquals("The operation cannot be performed at this time. An update is in progress for resource: "
                    + ConformanceIT.ARN + "sc-code-update", refused.awsErrorDetails().errorMessage());
            assertEquals(Packages.sha256(first),
                    lambda.getFunctionConfiguration(r -> r.functionName("sc-code-update")).codeSha256());
        }

        /** Source: TestLambdaFunction::test_redundant_updates. */
        @Test
        void aRedundantUpdateStillGoesThroughInProgress() throws Exception {
            create("sc-redundant", Packages.ECHO_CODE);
            describe("sc-redundant", "same");

            var again = lambda.updateFunctionConfiguration(r -> r.functionName("sc-redundant").description("same"));

            assertEquals(LastUpdateStatus.IN_PROGRESS, again.lastUpdateStatus());
        }
    }

    /**
     * Source: test_lambda_api.snapshot.json, TestLambdaAccountSettings::test_account_settings_total_code_size
     * (each step adds the package's size: 276 and 276 for a 276-byte zip) and
     * test_account_settings_total_code_size_config_update (a configuration update adds 0; publishing it adds
     * the package again).
     */
    @Nested
    class AccountUsage {

        private static long totalCodeSize() {
            return lambda.getAccountSettings().accountUsage().totalCodeSize();
        }

        @Test
        void totalCodeSizeCountsThePackageOfEveryVersion() throws Exception {
            long before = totalCodeSize();
            long size = create("sc-code-size", Packages.ECHO_CODE).codeSize();
            long created = totalCodeSize();

            lambda.updateFunctionCode(r -> r.functionName("sc-code-size").publish(true)
                    .zipFile(SdkBytes.fromByteArray(Packages.ECHO_ZIP)));
            long updatedAndPublished = totalCodeSize();
            Packages.awaitSettled(lambda, "sc-code-size");
            describe("sc-code-size", "configuration only");
            long configured = totalCodeSize();
            lambda.publishVersion(r -> r.functionName("sc-code-size"));
            long published = totalCodeSize();

            assertEquals(Packages.ECHO_ZIP.length, size);
            assertEquals(size, created - before);
            assertEquals(size, updatedAndPublished - created);
            assertEquals(0, configured - updatedAndPublished);
            assertEquals(size, published - configured);
        }
    }

    /** Source: https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (weighted aliases). */
    @Nested
    class Routing {

        @Test
        void anAliasWithAWeightSendsThatShareOfInvokesToTheOtherVersion() throws Exception {
            create("sc-routing", Packages.ECHO_CODE);
            lambda.publishVersion(r -> r.functionName("sc-routing"));
            describe("sc-routing", "second");
            lambda.publishVersion(r -> r.functionName("sc-routing"));
            lambda.createAlias(r -> r.functionName("sc-routing").name("canary").functionVersion("1")
                    .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 0.5))));

            int second = 0;
            for (int i = 0; i < 100; i++) {
                var response = lambda.invoke(r -> r.functionName("sc-routing").qualifier("canary"));
                String version = response.executedVersion();
                assertTrue(version.equals("1") || version.equals("2"), version);
                assertTrue(response.payload().asUtf8String().contains("\"version\": \"" + version + "\""),
                        "the function ran as the version reported: " + response.payload().asUtf8String());
                second += version.equals("2") ? 1 : 0;
            }

            // Binomial(100, 0.5): outside 20..80 with a chance below one in a billion.
            assertTrue(second >= 20 && second <= 80, "invokes routed to version 2: " + second);
        }

        @Test
        void aWeightOfZeroRoutesNothing() throws Exception {
            create("sc-zero", Packages.ECHO_CODE);
            lambda.publishVersion(r -> r.functionName("sc-zero"));
            describe("sc-zero", "second");
            lambda.publishVersion(r -> r.functionName("sc-zero"));
            lambda.createAlias(r -> r.functionName("sc-zero").name("stable").functionVersion("1")
                    .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 0.0))));

            for (int i = 0; i < 20; i++) {
                assertEquals("1", lambda.invoke(r -> r.functionName("sc-zero").qualifier("stable")).executedVersion());
            }
        }
    }

    /** Source: localstack/localstack test_lambda.snapshot.json, TestLambdaConcurrency::test_lambda_concurrency_block. */
    @Nested
    class ReservedConcurrency {

        @Test
        void anInvokeBeyondTheReservedConcurrencyIsThrottledAsAwsThrottlesIt() throws Exception {
            create("sc-reserved", """
                    import time
                    def lambda_handler(event, context):
                        time.sleep(event.get("sleep", 0))
                        return "done"
                    """);
            lambda.updateFunctionConfiguration(r -> r.functionName("sc-reserved").timeout(30));
            Packages.awaitSettled(lambda, "sc-reserved");
            lambda.putFunctionConcurrency(r -> r.functionName("sc-reserved").reservedConcurrentExecutions(1));

            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> lambda.invoke(r -> r
                    .functionName("sc-reserved").payload(SdkBytes.fromUtf8String("{\"sleep\": 4}")))
                    .payload().asUtf8String());
            Thread.sleep(1000);
            TooManyRequestsException throttled;
            // The SDK retries throttling by default; this client shows the first answer.
            try (LambdaClient once = LambdaClient.builder().endpointOverride(LOCAL.service().endpoint())
                    .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create("test", "test")))
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
                throttled = assertThrows(TooManyRequestsException.class,
                        () -> once.invoke(r -> r.functionName("sc-reserved")));
            }

            assertEquals(429, throttled.statusCode());
            assertEquals(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED, throttled.reason());
            assertEquals("Rate Exceeded.", throttled.awsErrorDetails().errorMessage());
            assertEquals("\"done\"", running.get(30, TimeUnit.SECONDS));
            assertEquals(200, lambda.invoke(r -> r.functionName("sc-reserved")).statusCode());
        }
    }

    /** Source: test_lambda_api.snapshot.json, TestLambdaTags::test_tag_lifecycle (get_fn_response_*). */
    @Nested
    class Tags {

        @Test
        void getFunctionShowsTagsOnlyWhileThereAreSome() throws Exception {
            String arn = create("sc-tags", Packages.ECHO_CODE).functionArn();

            boolean before = lambda.getFunction(r -> r.functionName("sc-tags")).hasTags();
            lambda.tagResource(r -> r.resource(arn).tags(Map.of("team", "sre")));
            var tagged = lambda.getFunction(r -> r.functionName("sc-tags"));
            lambda.untagResource(r -> r.resource(arn).tagKeys("team"));
            boolean after = lambda.getFunction(r -> r.functionName("sc-tags")).hasTags();

            assertFalse(before);
            assertEquals(Map.of("team", "sre"), tagged.tags());
            assertFalse(after);
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaBehavior::test_lambda_invoke_timed_out_environment_reuse
     * (its function: lambda_timeout_env.py): after a timeout the next invoke runs in the same environment,
     * whose /tmp kept its files, on a runtime initialised again (the module's global is back to 0).
     */
    @Nested
    class TimedOutEnvironmentReuse {
        private static final String TIMEOUT_ENV = """
                import time

                INTERNAL_NUMBER = 0


                def lambda_handler(event, context):
                    if write_content := event.get("write-file"):
                        with open("/tmp/temp-store", mode="wt") as f:
                            f.write(write_content)
                    elif event.get("read-file"):
                        with open("/tmp/temp-store", mode="rt") as f:
                            return {"content": f.read()}
                    elif new_num := event.get("set-number"):
                        global INTERNAL_NUMBER
                        INTERNAL_NUMBER = new_num
                    elif event.get("read-number"):
                        return {"number": INTERNAL_NUMBER}
                    elif sleep_time := event.get("sleep"):
                        print("starting wait")
                        time.sleep(sleep_time)
                        print("done waiting")
                """;

        @Test
        void tmpKeepsItsFilesAndTheModuleStartsAfresh() throws Exception {
            assertTimedOutEnvironmentIsReused("sc-timeout-reuse", 512);
        }

        /** A function with its own /tmp size starts on a runtime of its own, not a spare. */
        @Test
        void alsoWithItsOwnEphemeralStorage() throws Exception {
            assertTimedOutEnvironmentIsReused("sc-timeout-reuse-1g", 1024);
        }

        private void assertTimedOutEnvironmentIsReused(String name, int tmpMegabytes) throws Exception {
            create(name, TIMEOUT_ENV);
            lambda.updateFunctionConfiguration(r -> r.functionName(name).timeout(1)
                    .ephemeralStorage(e -> e.size(tmpMegabytes)));
            Packages.awaitSettled(lambda, name);

            String written = invoke(name, "{\"write-file\": \"some-content\"}").payload().asUtf8String();
            String read = invoke(name, "{\"read-file\": true}").payload().asUtf8String();
            invoke(name, "{\"set-number\": 42}");
            String number = invoke(name, "{\"read-number\": true}").payload().asUtf8String();
            var timedOut = invoke(name, "{\"sleep\": 2}");
            var readAfter = invoke(name, "{\"read-file\": true}");
            String numberAfter = invoke(name, "{\"read-number\": true}").payload().asUtf8String();

            assertEquals("null", written);
            assertEquals("{\"content\": \"some-content\"}", read);
            assertEquals("{\"number\": 42}", number);
            assertEquals("Unhandled", timedOut.functionError());
            assertTrue(timedOut.payload().asUtf8String().contains("Task timed out after 1.00 seconds"),
                    timedOut.payload().asUtf8String());
            String log = new String(java.util.Base64.getDecoder().decode(timedOut.logResult()), StandardCharsets.UTF_8);
            assertTrue(log.contains("starting wait") && !log.contains("done waiting"), log);
            assertEquals(null, readAfter.functionError(), readAfter.payload().asUtf8String());
            assertEquals("{\"content\": \"some-content\"}", readAfter.payload().asUtf8String());
            // The runtime's init ran again within this invoke: its REPORT has no Init Duration.
            String readLog = new String(java.util.Base64.getDecoder().decode(readAfter.logResult()), StandardCharsets.UTF_8);
            assertTrue(readLog.contains("REPORT RequestId: ") && !readLog.contains("Init Duration"), readLog);
            assertEquals("{\"number\": 0}", numberAfter);
        }

        private static software.amazon.awssdk.services.lambda.model.InvokeResponse invoke(String name, String event) {
            return lambda.invoke(r -> r.functionName(name).logType("Tail").payload(SdkBytes.fromUtf8String(event)));
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaMultiAccounts::* (validated against AWS: with a statement
     * granting the other account {@code lambda:*}, each call by the function's full ARN succeeds).
     */
    @Nested
    class MultiAccounts {
        private static final String OTHER = "111122223333";

        @Test
        void anotherAccountActsOnAFunctionWhosePolicyGrantsIt() throws Exception {
            String arn = create("sc-shared", Packages.ECHO_CODE).functionArn();
            lambda.addPermission(r -> r.functionName("sc-shared").statementId("xaccount").principal(OTHER)
                    .action("lambda:*"));

            try (LambdaClient other = clientOf(OTHER, true)) {
                assertEquals(arn, other.getFunction(r -> r.functionName(arn)).configuration().functionArn());
                assertEquals(arn, other.getFunctionConfiguration(r -> r.functionName(arn)).functionArn());
                assertEquals(1, other.listVersionsByFunction(r -> r.functionName(arn)).versions().size());
                other.putFunctionConcurrency(r -> r.functionName(arn).reservedConcurrentExecutions(1));
                other.deleteFunctionConcurrency(r -> r.functionName(arn));
                other.createAlias(r -> r.functionName(arn).functionVersion("$LATEST").name("shared"));
                other.getAlias(r -> r.functionName(arn).name("shared"));
                other.updateAlias(r -> r.functionName(arn).name("shared").description("described"));
                var aliases = other.listAliases(r -> r.functionName(arn)).aliases();
                other.deleteAlias(r -> r.functionName(arn).name("shared"));
                other.tagResource(r -> r.resource(arn).tags(Map.of("foo", "bar")));
                var tags = other.listTags(r -> r.resource(arn)).tags();
                other.untagResource(r -> r.resource(arn).tagKeys("lorem"));
                var invoked = other.invoke(r -> r.functionName(arn));
                String version = other.publishVersion(r -> r.functionName(arn)).version();
                other.deleteFunction(r -> r.functionName(arn));

                assertEquals(1, aliases.size());
                assertEquals("described", aliases.get(0).description());
                assertEquals(Map.of("foo", "bar"), tags);
                assertEquals(null, invoked.functionError(), json(invoked));
                // The function runs in its own account, not the caller's.
                assertTrue(json(invoked).contains("\"arn\": \"" + arn + "\""), json(invoked));
                assertEquals("1", version);
                assertThrows(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class,
                        () -> lambda.getFunction(r -> r.functionName("sc-shared")));
            }
        }

        @Test
        void withoutSuchAStatementAnotherAccountIsDenied() throws Exception {
            String arn = create("sc-private", Packages.ECHO_CODE).functionArn();
            lambda.addPermission(r -> r.functionName("sc-private").statementId("s3").principal("s3.amazonaws.com")
                    .action("lambda:InvokeFunction"));
            lambda.addPermission(r -> r.functionName("sc-private").statementId("read").principal(OTHER)
                    .action("lambda:GetFunction"));

            try (LambdaClient other = clientOf(OTHER, false)) {
                var denied = assertThrows(software.amazon.awssdk.services.lambda.model.LambdaException.class,
                        () -> other.invoke(r -> r.functionName(arn)));
                var read = other.getFunction(r -> r.functionName(arn));

                assertEquals(403, denied.statusCode());
                assertEquals("AccessDeniedException", denied.awsErrorDetails().errorCode());
                assertEquals(arn, read.configuration().functionArn());
            }
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaBaseFeatures::test_assume_role[1] and
     * test_lambda_different_iam_keys_environment: a function's credentials are a session of its role named
     * after it ({@code <name>@lambda_function} for a one-letter name), and two environments never share them.
     */
    @Nested
    class FunctionCredentials {

        @Test
        void aOneLetterFunctionsSessionIsNamedWithLambdaFunction() throws Exception {
            createFrom("q", "caller-identity", Map.of());
            try {
                String identity = json(lambda.invoke(r -> r.functionName("q")));

                assertTrue(identity.contains("\"Arn\": \"arn:aws:sts::000000000000:assumed-role/lambda-role/"
                        + "q@lambda_function\""), identity);
            } finally {
                lambda.deleteFunction(r -> r.functionName("q"));
            }
        }

        @Test
        void twoEnvironmentsOfAFunctionHaveDifferentKeys() throws Exception {
            createFrom("sc-keys", "sleep-environment", Map.of());

            var threads = java.util.concurrent.Executors.newFixedThreadPool(2);
            var invokes = java.util.stream.IntStream.range(0, 2).mapToObj(i -> CompletableFuture.supplyAsync(() ->
                    json(lambda.invoke(r -> r.functionName("sc-keys").payload(SdkBytes.fromUtf8String("{\"sleep\": 2}")))),
                    threads)).toList();
            threads.shutdown();
            var first = new com.fasterxml.jackson.databind.ObjectMapper().readTree(invokes.get(0).get(60, TimeUnit.SECONDS))
                    .path("environment");
            var second = new com.fasterxml.jackson.databind.ObjectMapper().readTree(invokes.get(1).get(60, TimeUnit.SECONDS))
                    .path("environment");

            assertNotEquals(first.path("AWS_LAMBDA_LOG_STREAM_NAME"), second.path("AWS_LAMBDA_LOG_STREAM_NAME"));
            for (String key : java.util.List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")) {
                assertFalse(first.path(key).asText().isEmpty(), key);
                assertNotEquals(first.path(key), second.path(key), key);
            }
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaVersions::test_function_update_during_invoke: an invoke
     * running when the configuration changes finishes on the old one; the next runs the new one.
     */
    @Nested
    class UpdateDuringInvoke {

        @Test
        void aRunningInvokeFinishesOnTheConfigurationItStartedWith() throws Exception {
            createFrom("sc-during", "function-variant", Map.of("FUNCTION_VARIANT", "variant-1"));

            try (Notifications running = new Notifications()) {
                CompletableFuture<software.amazon.awssdk.services.lambda.model.InvokeResponse> before =
                        CompletableFuture.supplyAsync(() -> lambda.invoke(r -> r.functionName("sc-during").payload(
                                SdkBytes.fromUtf8String("{\"request_prefix\": \"1-sleep\", \"sleep_seconds\": 4, "
                                        + "\"notify_port\": " + running.port() + "}"))));
                running.next();
                assertUpdatedWhileRunning(before);
            }
        }

        private void assertUpdatedWhileRunning(
                CompletableFuture<software.amazon.awssdk.services.lambda.model.InvokeResponse> before) throws Exception {
            lambda.updateFunctionConfiguration(r -> r.functionName("sc-during")
                    .environment(e -> e.variables(Map.of("FUNCTION_VARIANT", "variant-2"))));
            assertFalse(before.isDone(), "the first invoke still runs when the update is answered");
            Packages.awaitSettled(lambda, "sc-during");
            var after = lambda.invoke(r -> r.functionName("sc-during")
                    .payload(SdkBytes.fromUtf8String("{\"request_prefix\": \"2-post-update\"}")));
            var finished = before.get(60, TimeUnit.SECONDS);

            assertEquals(null, finished.functionError(), json(finished));
            assertEquals("$LATEST", finished.executedVersion());
            assertTrue(json(finished).contains("\"function_variant\": \"variant-1\""), json(finished));
            assertTrue(json(finished).contains("\"request_prefix\": \"1-sleep\""), json(finished));
            assertTrue(json(after).contains("\"function_variant\": \"variant-2\""), json(after));
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaVersions::test_async_invoke_queue_upon_function_update
     * (async_invoke_history_sorted): events queued behind a running one (reserved concurrency 1) before an
     * update run the updated function, as do those sent after it.
     */
    @Nested
    class AsyncQueueUponUpdate {

        @Test
        void queuedEventsRunTheFunctionAsItIsWhenTheyRun() throws Exception {
            createFrom("sc-queue", "function-variant", Map.of("FUNCTION_VARIANT", "variant-1"));
            lambda.putFunctionConcurrency(r -> r.functionName("sc-queue").reservedConcurrentExecutions(1));

            try (Notifications running = new Notifications()) {
                event("sc-queue", "{\"request_prefix\": \"01-sleep\", \"sleep_seconds\": 5, \"notify_port\": "
                        + running.port() + "}");
                running.next();
            }
            for (int i = 2; i <= 4; i++) {
                event("sc-queue", "{\"request_prefix\": \"0" + i + "-before\"}");
            }
            lambda.updateFunctionConfiguration(r -> r.functionName("sc-queue")
                    .environment(e -> e.variables(Map.of("FUNCTION_VARIANT", "variant-2"))));
            Packages.awaitSettled(lambda, "sc-queue");
            for (int i = 5; i <= 6; i++) {
                event("sc-queue", "{\"request_prefix\": \"0" + i + "-after\"}");
            }
            var history = awaitLogLines("sc-queue", "^ran ", 6).stream().map(line -> line.split(" ")[1]).sorted().toList();

            assertEquals(java.util.List.of("01-sleep--variant-1", "02-before--variant-2", "03-before--variant-2",
                    "04-before--variant-2", "05-after--variant-2", "06-after--variant-2"), history);
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency_async_queue: with
     * one reserved, an event behind a running one waits (AWS retries it), a synchronous invoke meanwhile is
     * throttled as recorded (too_many_requests_exc), and once the reservation grows both run.
     */
    @Nested
    class ReservedConcurrencyAsyncQueue {

        @Test
        void aThrottledEventWaitsAndRunsOnceThereIsRoom() throws Exception {
            createFrom("sc-async-reserved", "function-variant", Map.of());
            String arn = lambda.getFunctionConfiguration(r -> r.functionName("sc-async-reserved").qualifier("$LATEST"))
                    .functionArn();
            lambda.putFunctionConcurrency(r -> r.functionName("sc-async-reserved").reservedConcurrentExecutions(1));
            assertEquals(null, lambda.invoke(r -> r.functionName(arn)).functionError());

            String one;
            String two;
            TooManyRequestsException throttled;
            try (Notifications running = new Notifications(); LambdaClient once = clientOf("test", false)) {
                one = event(arn, "{\"request_prefix\": \"one\", \"sleep_seconds\": 4, \"notify_port\": "
                        + running.port() + "}");
                two = event(arn, "{\"request_prefix\": \"two\"}");
                assertTrue(running.next().endsWith(one));
                throttled = assertThrows(TooManyRequestsException.class, () -> once.invoke(r -> r.functionName(arn)));
            }
            lambda.putFunctionConcurrency(r -> r.functionName("sc-async-reserved").reservedConcurrentExecutions(3));
            var last = lambda.invoke(r -> r.functionName(arn)
                    .payload(SdkBytes.fromUtf8String("{\"request_prefix\": \"final\"}")));

            assertEquals(429, throttled.statusCode());
            assertEquals("Rate Exceeded.", throttled.awsErrorDetails().errorMessage());
            assertEquals(ThrottleReason.RESERVED_FUNCTION_CONCURRENT_INVOCATION_LIMIT_EXCEEDED, throttled.reason());
            assertEquals(null, last.functionError(), json(last));
            var ran = String.join("\n", awaitLogLines("sc-async-reserved", "^ran (one|two)--", 2));
            assertTrue(ran.contains(one) && ran.contains(two), ran);
        }
    }

    private static String event(String function, String payload) {
        return lambda.invoke(r -> r.functionName(function).invocationType("Event")
                .payload(SdkBytes.fromUtf8String(payload))).responseMetadata().requestId();
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaVersions::test_lambda_versions_with_code_changes: each
     * published version keeps running its own code after $LATEST's changes, and UpdateFunctionCode with
     * Publish answers the new version Pending.
     */
    @Nested
    class VersionsWithCodeChanges {

        private static byte[] version(String id) {
            return Packages.zip(Map.of("handler.py", ("""
                    def handler(event, context):
                        result = {
                            "version_id": "%s",
                            "invoked_arn": context.invoked_function_arn,
                            "version_from_ctx": context.function_version,
                        }
                        print(result)
                        return result
                    """.formatted(id)).getBytes(StandardCharsets.UTF_8)));
        }

        private static String invoke(String qualifier) {
            var response = lambda.invoke(r -> r.functionName("sc-code-versions").qualifier(qualifier));
            assertEquals(qualifier == null ? "$LATEST" : qualifier, response.executedVersion());
            return json(response);
        }

        @Test
        void eachVersionRunsItsOwnCode() throws Exception {
            String arn = ConformanceIT.ARN + "sc-code-versions";
            var created = lambda.createFunction(r -> r.functionName("sc-code-versions").runtime("python3.12")
                    .role(ConformanceIT.ROLE).handler("handler.handler").description("No version :(")
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(version("version1")))));
            Packages.awaitSettled(lambda, "sc-code-versions");
            var first = lambda.publishVersion(r -> r.functionName("sc-code-versions")
                    .description("First version description :)"));
            var updated = lambda.updateFunctionCode(r -> r.functionName("sc-code-versions")
                    .zipFile(SdkBytes.fromByteArray(version("version2"))));
            Packages.awaitSettled(lambda, "sc-code-versions");
            String latest = invoke(null);
            String v1 = invoke("1");
            var second = lambda.publishVersion(r -> r.functionName("sc-code-versions")
                    .description("Second version description :)"));
            String v2 = invoke("2");
            var third = lambda.updateFunctionCode(r -> r.functionName("sc-code-versions").publish(true)
                    .zipFile(SdkBytes.fromByteArray(version("version3"))));
            Packages.awaitSettled(lambda, "sc-code-versions");

            assertEquals("Pending", created.stateAsString());
            assertEquals("1", first.version());
            assertEquals("First version description :)", first.description());
            assertEquals(LastUpdateStatus.SUCCESSFUL, first.lastUpdateStatus());
            assertEquals(LastUpdateStatus.IN_PROGRESS, updated.lastUpdateStatus());
            assertEquals("No version :(", updated.description());
            assertEquals("{\"version_id\": \"version2\", \"invoked_arn\": \"" + arn
                    + "\", \"version_from_ctx\": \"$LATEST\"}", latest);
            assertEquals("{\"version_id\": \"version1\", \"invoked_arn\": \"" + arn
                    + ":1\", \"version_from_ctx\": \"1\"}", v1);
            assertEquals("2", second.version());
            assertEquals("{\"version_id\": \"version2\", \"invoked_arn\": \"" + arn
                    + ":2\", \"version_from_ctx\": \"2\"}", v2);
            assertEquals("3", third.version());
            assertEquals("Pending", third.stateAsString());
            assertEquals(arn + ":3", third.functionArn());
            assertTrue(invoke("3").contains("\"version_id\": \"version3\""));
            assertTrue(invoke(null).contains("\"version_id\": \"version3\""));
            assertTrue(invoke("2").contains("\"version_id\": \"version2\""));
            assertTrue(invoke("1").contains("\"version_id\": \"version1\""));
        }
    }

    /**
     * Source: test_lambda.snapshot.json, TestLambdaCleanup::test_recreate_function: a function deleted and
     * at once created again under its name answers as a new one (create_function_response_two) and runs
     * its events.
     */
    @Nested
    class RecreateFunction {

        @Test
        void aFunctionCreatedAgainAtOnceRunsItsEvents() throws Exception {
            create("sc-recreate", Packages.ECHO_CODE);
            lambda.deleteFunction(r -> r.functionName("sc-recreate"));

            var again = lambda.createFunction(r -> r.functionName("sc-recreate").runtime("python3.12")
                    .role(ConformanceIT.ROLE).handler("lambda_function.lambda_handler")
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(Packages.ECHO_ZIP))));
            Packages.awaitSettled(lambda, "sc-recreate");
            var accepted = lambda.invoke(r -> r.functionName("sc-recreate").invocationType("Event"));

            assertEquals("Pending", again.stateAsString());
            assertEquals(202, accepted.statusCode());
            String id = accepted.responseMetadata().requestId();
            awaitLogLines("sc-recreate", "^END RequestId: " + id, 1);
        }
    }
}
