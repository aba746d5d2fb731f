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
}
