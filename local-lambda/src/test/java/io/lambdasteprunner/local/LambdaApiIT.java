package io.lambdasteprunner.local;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.State;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.lambdasteprunner.local.LocalLambda.ROLE;
import static io.lambdasteprunner.local.LocalLambda.createPython;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lambda API's operations and errors, through the real AWS SDK for Java v2. */
class LambdaApiIT {
    private static final String ECHO = """
            def lambda_handler(event, context):
                print("echoing", context.aws_request_id)
                return {"event": event, "function": context.function_name}
            """;

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();
    private static LambdaClient lambda;

    @BeforeAll
    static void client() {
        lambda = LOCAL.lambda();
    }

    @Test
    void shouldReportPendingOnCreateThenActiveWithLambdasDefaults() {
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName("api-defaults")
                .runtime("python3.12").role(ROLE).handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", ECHO)))));

        assertEquals(State.PENDING, created.state());
        assertEquals("Creating", created.stateReasonCodeAsString());
        assertEquals("The function is being created.", created.stateReason());
        assertEquals(128, created.memorySize());
        assertEquals(3, created.timeout());
        assertEquals("$LATEST", created.version());
        assertEquals("arn:aws:lambda:us-east-1:000000000000:function:api-defaults", created.functionArn());
        assertEquals(List.of("x86_64"), created.architecturesAsStrings());
        assertEquals("/aws/lambda/api-defaults", created.loggingConfig().logGroup());

        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("api-defaults"));
        GetFunctionResponse got = lambda.getFunction(r -> r.functionName("api-defaults"));
        assertEquals(State.ACTIVE, got.configuration().state());
        assertEquals("Successful", got.configuration().lastUpdateStatusAsString());
        assertEquals(created.codeSha256(), got.configuration().codeSha256());
    }

    @Test
    void shouldInvokeWithPayloadAndReturnTheLogTail() {
        createPython(lambda, "api-echo", ECHO);

        InvokeResponse response = lambda.invoke(r -> r.functionName("api-echo").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"hello\":\"world\"}")));

        assertEquals(200, response.statusCode());
        assertNull(response.functionError());
        assertEquals("$LATEST", response.executedVersion());
        assertEquals("{\"event\": {\"hello\": \"world\"}, \"function\": \"api-echo\"}", response.payload().asUtf8String());
        String log = LocalLambda.decodeLog(response.logResult());
        assertTrue(log.startsWith("START RequestId: "), log);
        assertTrue(log.contains(" Version: $LATEST\n"), log);
        assertTrue(log.contains("echoing "), log);
        assertTrue(log.matches("(?s).*END RequestId: [0-9a-f-]{36}\nREPORT RequestId: [0-9a-f-]{36}\tDuration: \\d+\\.\\d\\d ms"
                + "\tBilled Duration: \\d+ ms\tMemory Size: 128 MB\tMax Memory Used: \\d+ MB\t.*\n"), log);
    }

    @Test
    void shouldKeepTheLogTailToTheLast4KB() {
        createPython(lambda, "api-chatty", """
                def lambda_handler(event, context):
                    for i in range(500):
                        print("line", i, "x" * 40)
                    return "done"
                """);

        InvokeResponse response = lambda.invoke(r -> r.functionName("api-chatty").logType(LogType.TAIL));

        byte[] tail = Base64.getDecoder().decode(response.logResult());
        assertEquals(4096, tail.length);
        assertTrue(LocalLambda.decodeLog(response.logResult()).contains("REPORT RequestId"));
    }

    @Test
    void shouldNotReturnALogWhenLogTypeIsNone() {
        createPython(lambda, "api-nolog", ECHO);

        InvokeResponse response = lambda.invoke(r -> r.functionName("api-nolog"));

        assertNull(response.logResult());
    }

    @Test
    void shouldAcceptNamesPartialArnsAndFullArns() {
        createPython(lambda, "api-names", ECHO);

        for (String name : List.of("api-names", "000000000000:function:api-names",
                "arn:aws:lambda:us-east-1:000000000000:function:api-names",
                "arn:aws:lambda:us-east-1:000000000000:function:api-names:$LATEST")) {
            assertEquals(200, lambda.invoke(r -> r.functionName(name)).statusCode(), name);
        }
    }

    @Test
    void shouldAnswerEventWith202AndDryRunWith204() {
        createPython(lambda, "api-types", ECHO);

        assertEquals(202, lambda.invoke(r -> r.functionName("api-types").invocationType(InvocationType.EVENT)).statusCode());
        InvokeResponse dryRun = lambda.invoke(r -> r.functionName("api-types").invocationType(InvocationType.DRY_RUN));
        assertEquals(204, dryRun.statusCode());
    }

    @Test
    void shouldPassTheClientContextToTheFunction() {
        createPython(lambda, "api-context", """
                def lambda_handler(event, context):
                    return {"custom": context.client_context.custom}
                """);
        String clientContext = Base64.getEncoder().encodeToString("{\"custom\":{\"depth\":2}}".getBytes());

        InvokeResponse response = lambda.invoke(r -> r.functionName("api-context").clientContext(clientContext));

        assertEquals("{\"custom\": {\"depth\": 2}}", response.payload().asUtf8String());
    }

    @Test
    void shouldMeasureTheClientContextBase64EncodedAsAwsDocumentsIt() {
        createPython(lambda, "api-context-size", "def lambda_handler(event, context):\n    return 1\n");
        // JSON of 2,687 bytes is 3,584 base64 characters: one over "up to 3,583 bytes of base64-encoded data"
        String json = "{\"custom\":{\"k\":\"" + "x".repeat(2687 - 19) + "\"}}";
        String over = Base64.getEncoder().encodeToString(json.getBytes());
        String fits = Base64.getEncoder().encodeToString(json.substring(0, json.length() - 5).concat("\"}}").getBytes());

        assertEquals(3584, over.length());
        assertThrows(InvalidParameterValueException.class,
                () -> lambda.invoke(r -> r.functionName("api-context-size").clientContext(over)));
        assertTrue(fits.length() <= 3583);
        assertEquals(200, lambda.invoke(r -> r.functionName("api-context-size").clientContext(fits)).statusCode());
    }

    @Test
    void shouldRunPublishedVersionsAndAliasesByQualifier() {
        createPython(lambda, "api-versions", "def lambda_handler(event, context):\n    return 'v1'\n");
        String version = lambda.publishVersion(r -> r.functionName("api-versions")).version();
        lambda.createAlias(r -> r.functionName("api-versions").name("live").functionVersion(version));
        lambda.updateFunctionCode(r -> r.functionName("api-versions")
                .zipFile(LocalLambda.zip(Map.of("lambda_function.py", "def lambda_handler(event, context):\n    return 'v2'\n"))));

        InvokeResponse latest = lambda.invoke(r -> r.functionName("api-versions"));
        InvokeResponse byVersion = lambda.invoke(r -> r.functionName("api-versions").qualifier("1"));
        InvokeResponse byAlias = lambda.invoke(r -> r.functionName("api-versions:live"));

        assertEquals("1", version);
        assertEquals("\"v2\"", latest.payload().asUtf8String());
        assertEquals("\"v1\"", byVersion.payload().asUtf8String());
        assertEquals("1", byVersion.executedVersion());
        assertEquals("\"v1\"", byAlias.payload().asUtf8String());
        assertEquals("1", byAlias.executedVersion());
        assertEquals("1", lambda.getAlias(r -> r.functionName("api-versions").name("live")).functionVersion());
        ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class,
                () -> lambda.invoke(r -> r.functionName("api-versions").qualifier("7")));
        assertEquals("Function not found: arn:aws:lambda:us-east-1:000000000000:function:api-versions:7",
                missing.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldTagListAndUntag() {
        String arn = createPython(lambda, "api-tags", ECHO).functionArn();

        lambda.tagResource(r -> r.resource(arn).tags(Map.of("team", "sre", "managed-by", "lambda-step-runner")));
        lambda.untagResource(r -> r.resource(arn).tagKeys("team"));

        assertEquals(Map.of("managed-by", "lambda-step-runner"), lambda.listTags(r -> r.resource(arn)).tags());
        assertEquals(Map.of("managed-by", "lambda-step-runner"), lambda.getFunction(r -> r.functionName("api-tags")).tags());
    }

    @Test
    void shouldListFunctionsWithPaging() {
        createPython(lambda, "api-list-a", ECHO);
        createPython(lambda, "api-list-b", ECHO);

        List<String> names = lambda.listFunctionsPaginator(r -> r.maxItems(1)).functions().stream()
                .map(f -> f.functionName()).toList();

        assertTrue(names.containsAll(List.of("api-list-a", "api-list-b")), names.toString());
    }

    @Test
    void shouldDeleteAFunctionAndReapItsProcesses() throws Exception {
        // The runtime runs in a PID namespace of its own: it names its environment, not its pid.
        createPython(lambda, "api-delete", "import os\ndef lambda_handler(event, context):\n    return "
                + Sandboxes.PYTHON_ENVIRONMENT + "\n");
        String environment = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lambda.invoke(r -> r.functionName("api-delete")).payload().asUtf8String()).asText();
        assertTrue(Sandboxes.environmentAlive(environment));

        lambda.deleteFunction(r -> r.functionName("api-delete"));

        assertTrue(Sandboxes.environmentGone(environment), "runtime process still alive");
        assertThrows(ResourceNotFoundException.class, () -> lambda.invoke(r -> r.functionName("api-delete")));
        assertThrows(ResourceNotFoundException.class, () -> lambda.deleteFunction(r -> r.functionName("api-delete")));
    }

    @Test
    void shouldAnswerUnknownFunctionsInAwsWords() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class,
                () -> lambda.invoke(r -> r.functionName("api-nope")));

        assertEquals(404, e.statusCode());
        assertEquals("ResourceNotFoundException", e.awsErrorDetails().errorCode());
        assertEquals("Function not found: arn:aws:lambda:us-east-1:000000000000:function:api-nope:$LATEST",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldRefuseUnknownAndDeprecatedRuntimesAsLambdaDoes() {
        InvalidParameterValueException unknown = assertThrows(InvalidParameterValueException.class,
                () -> createRaw("api-bad-runtime", "Python3.12"));
        InvalidParameterValueException deprecated = assertThrows(InvalidParameterValueException.class,
                () -> createRaw("api-old-runtime", "python3.7"));

        assertTrue(unknown.awsErrorDetails().errorMessage().startsWith(
                "Value Python3.12 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["),
                unknown.awsErrorDetails().errorMessage());
        assertTrue(unknown.awsErrorDetails().errorMessage().endsWith("] or be a valid ARN"));
        assertEquals("The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda "
                + "functions. We recommend you use a supported runtime while creating or updating functions.",
                deprecated.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldEnforceLambdasLimitsOnCreate() {
        LambdaException longName = assertThrows(LambdaException.class, () -> createRaw("f".repeat(65), "python3.12"));
        LambdaException timeout = assertThrows(LambdaException.class, () -> lambda.createFunction(r -> r
                .functionName("api-timeout").runtime("python3.12").role(ROLE).handler("lambda_function.h").timeout(901)
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", ECHO))))));
        LambdaException memory = assertThrows(LambdaException.class, () -> lambda.createFunction(r -> r
                .functionName("api-memory").runtime("python3.12").role(ROLE).handler("lambda_function.h").memorySize(64)
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", ECHO))))));

        // AWS answers a too-long plain name on create with InvalidParameterValueException (recorded).
        assertEquals("InvalidParameterValueException", longName.awsErrorDetails().errorCode());
        assertTrue(longName.awsErrorDetails().errorMessage().endsWith("Member must have length less than or equal to 64"));
        assertEquals("ValidationException", timeout.awsErrorDetails().errorCode());
        assertTrue(timeout.awsErrorDetails().errorMessage().contains("Value '901' at 'timeout'"));
        assertEquals("ValidationException", memory.awsErrorDetails().errorCode());
        assertTrue(memory.awsErrorDetails().errorMessage().contains("greater than or equal to 128"));
    }

    @Test
    void shouldRefuseASecondFunctionOfTheSameName() {
        createPython(lambda, "api-twice", ECHO);

        ResourceConflictException e = assertThrows(ResourceConflictException.class, () -> createRaw("api-twice", "python3.12"));

        assertEquals(409, e.statusCode());
        assertEquals("Function already exist: api-twice", e.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldRefuseInvokesWhileTheFunctionIsPending() {
        lambda.createFunction(r -> r.functionName("api-slow-init").runtime("python3.12").role(ROLE)
                .handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py",
                        "import time\ntime.sleep(1.5)\ndef lambda_handler(event, context):\n    return 1\n")))));

        ResourceConflictException e = assertThrows(ResourceConflictException.class,
                () -> lambda.invoke(r -> r.functionName("api-slow-init")));

        assertEquals("The operation cannot be performed at this time. The function is currently in the following "
                + "state: Pending", e.awsErrorDetails().errorMessage());
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("api-slow-init"));
        assertEquals("1", lambda.invoke(r -> r.functionName("api-slow-init")).payload().asUtf8String());
    }

    @Test
    void shouldRefusePayloadsOverTheSynchronousLimit() {
        createPython(lambda, "api-big-request", ECHO);
        String big = "\"" + "x".repeat(6 * 1024 * 1024) + "\"";

        // AWS sends RequestEntityTooLargeException, which the model does not know: the SDK's generic exception.
        LambdaException e = assertThrows(LambdaException.class,
                () -> lambda.invoke(r -> r.functionName("api-big-request").payload(SdkBytes.fromUtf8String(big))));

        assertEquals(413, e.statusCode());
        assertEquals("RequestEntityTooLargeException", e.awsErrorDetails().errorCode());
        assertEquals("Request must be smaller than 6291456 bytes for the InvokeFunction operation",
                e.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldRefuseAPayloadThatIsNotJson() {
        createPython(lambda, "api-not-json", ECHO);

        LambdaException e = assertThrows(LambdaException.class,
                () -> lambda.invoke(r -> r.functionName("api-not-json").payload(SdkBytes.fromUtf8String("{oops"))));

        assertEquals("InvalidRequestContentException", e.awsErrorDetails().errorCode());
        assertEquals(400, e.statusCode());
    }

    @Test
    void shouldNameAnOperationItDoesNotImplementInsteadOfHangingOrFailing() {
        LambdaException e = assertThrows(LambdaException.class, () -> lambda.createEventSourceMapping(
                r -> r.functionName("x").eventSourceArn("arn:aws:sqs:us-east-1:000000000000:queue")));

        assertEquals(501, e.statusCode());
        assertEquals("NotImplementedException", e.awsErrorDetails().errorCode());
        assertTrue(e.awsErrorDetails().errorMessage().contains("CreateEventSourceMapping"), e.awsErrorDetails().errorMessage());
        // Reading what it never configures is no error: there are none, as AWS answers for an account without any.
        assertTrue(lambda.listEventSourceMappings(r -> r.functionName("x")).eventSourceMappings().isEmpty());
    }

    /**
     * Code from S3 and container images are not run here: refused with the code and status AWS gives an
     * S3 object it cannot get (InvalidParameterValueException, 400), naming what to send instead. So is a
     * runtime this machine cannot run (dotnet).
     */
    @Test
    void shouldNameCodeSourcesAndRuntimesItDoesNotRun() {
        InvalidParameterValueException s3 = assertThrows(InvalidParameterValueException.class, () -> lambda
                .createFunction(r -> r.functionName("api-s3").runtime("python3.12").role(ROLE)
                        .handler("index.handler").code(c -> c.s3Bucket("code-bucket").s3Key("code/function.zip"))));
        createRaw("api-s3-update", "python3.12");
        InvalidParameterValueException s3Update = assertThrows(InvalidParameterValueException.class, () -> lambda
                .updateFunctionCode(r -> r.functionName("api-s3-update").s3Bucket("code-bucket").s3Key("code/function.zip")));
        InvalidParameterValueException image = assertThrows(InvalidParameterValueException.class, () -> lambda
                .createFunction(r -> r.functionName("api-image").packageType("Image").role(ROLE)
                        .code(c -> c.imageUri("000000000000.dkr.ecr.us-east-1.amazonaws.com/fn:latest"))));
        InvalidParameterValueException dotnet = assertThrows(InvalidParameterValueException.class,
                () -> createRaw("api-dotnet", "dotnet8"));

        assertEquals(400, s3.statusCode());
        assertEquals("The local Lambda service does not fetch code from S3 (S3Bucket, S3Key): give the .zip package "
                + "as ZipFile.", s3.awsErrorDetails().errorMessage());
        assertEquals(s3.awsErrorDetails().errorMessage(), s3Update.awsErrorDetails().errorMessage());
        assertEquals("The local Lambda service runs .zip packages only (PackageType Zip, Code.ZipFile): it does not "
                + "run container images (PackageType Image, ImageUri).", image.awsErrorDetails().errorMessage());
        assertTrue(dotnet.awsErrorDetails().errorMessage().startsWith(
                "The local Lambda service cannot run dotnet8 functions on this machine"), dotnet.awsErrorDetails().errorMessage());
    }

    @Test
    void shouldKeepTheLoggingConfigOnTheFunctionAndItsVersions() {
        lambda.createFunction(r -> r.functionName("api-logging").runtime("python3.12").role(ROLE)
                .handler("lambda_function.lambda_handler").loggingConfig(c -> c.logFormat("JSON").applicationLogLevel("DEBUG"))
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", ECHO)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("api-logging"));

        var published = lambda.publishVersion(r -> r.functionName("api-logging"));
        var latest = lambda.getFunctionConfiguration(r -> r.functionName("api-logging")).loggingConfig();

        assertEquals("JSON", latest.logFormatAsString());
        assertEquals("DEBUG", latest.applicationLogLevelAsString());
        assertEquals("INFO", latest.systemLogLevelAsString());
        assertEquals("/aws/lambda/api-logging", latest.logGroup());
        assertEquals(latest, published.loggingConfig());
    }

    private static void createRaw(String name, String runtime) {
        lambda.createFunction(r -> r.functionName(name).runtime(runtime).role(ROLE)
                .handler("lambda_function.lambda_handler")
                .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", ECHO)))));
    }
}
