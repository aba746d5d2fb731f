package io.lambdasteprunner.sam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.cli.LocalDeployment;
import io.lambdasteprunner.cli.Main;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.FaultInjection;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example workflow end to end, offline: statemachine/runbook.asl.json runs as
 * {@code scripts/run-workflow.sh} runs it (aws-local-stepfunctions), whose Lambda tasks invoke the step
 * runner built by {@code sam build} and deployed in the local Lambda service as the {@code java21} function {@code lambda-step-runner}
 * (alias {@code live}, under the official Java runtime interface client). The runner creates,
 * invokes and deletes real Python and Node.js functions there, and invokes the template's example
 * target function. No generated function may be left behind.
 */
class WorkflowIT {

    /** Reports and definitions the tests write; removed after the class. */
    @TempDir
    static Path temp;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The template's RunbookTargetFunction, which run-workflow deploys from its inline code. */
    private static final String TARGET = "RunbookTargetFunction";

    private static LocalLambdaService service;
    private static LambdaClient lambda;
    private static LocalLambdaConfig config;

    @BeforeAll
    static void deploy() throws Exception {
        Path jar = SamBuild.stepRunnerArtifact().resolve("lib/lambda-step-runner.jar");
        String javaRic = Path.of(System.getProperty("java.ric.dir", "cli/target/java-ric")).toAbsolutePath() + "/*";
        config = LocalDeployment.withJavaRuntime(LocalLambdaConfig.defaults(), javaRic);
        service = LocalLambdaService.start(config);
        lambda = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), config.region()));
        LocalDeployment.deploy(service, jar, Main.LOCAL_ROLE_ARN,
                LocalDeployment.localEnvironment(Map.of("POWERTOOLS_LOG_LEVEL", "WARN"), Main.LOCAL_ROLE_ARN));
    }

    @AfterAll
    static void stop() {
        if (lambda != null) {
            lambda.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @AfterEach
    void noGeneratedFunctionIsLeft() {
        Set<String> expected = new TreeSet<>(Set.of(LocalDeployment.FUNCTION_NAME));
        if (service.functionNames().contains(TARGET)) {
            expected.add(TARGET); // deployed by the first run of the workflow
        }
        assertEquals(expected, new TreeSet<>(service.functionNames()));
    }

    /**
     * Runs the example state machine with {@code input} as {@code scripts/run-workflow.sh} does (the same
     * tools/sfn/run-workflow.mjs), on this test's service ({@code --endpoint}): the runner's ARN and the
     * template's target function come from template.yaml's DefinitionSubstitutions, as for a user.
     * The outcome as {@code {"status", "output"}} or {@code {"status", "error", "cause"}}.
     */
    private static JsonNode execute(String input) throws Exception {
        return execute(Tools.STATE_MACHINES.resolve("runbook.asl.json"), input);
    }

    private static JsonNode execute(Path definition, String input) throws Exception {
        Path reports = Files.createTempDirectory(temp, "workflow-it");
        Path inputFile = Files.writeString(reports.resolve("input.json"), input);
        Tools.Result run = Tools.run(Tools.ROOT, Map.of(
                        "AWS_REGION", config.region(),
                        "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local"), 180,
                List.of(Tools.node22().toString(), Tools.SFN.resolve("run-workflow.mjs").toString(),
                        definition.toString(), inputFile.toString(),
                        "--endpoint", service.endpoint().toString(), "--reports", reports.toString()));
        String[] lines = run.output().strip().split("\n");
        String last = lines[lines.length - 1];
        ObjectNode outcome = JSON.createObjectNode();
        if (run.status() == 0) {
            return outcome.put("status", "SUCCEEDED").set("output", JSON.readTree(last));
        }
        assertEquals(1, run.status(), run.output());
        Matcher failed = Pattern.compile("Execution failed: ([^:]+): (.*)").matcher(last);
        assertTrue(failed.matches(), run.output());
        return outcome.put("status", "FAILED").put("error", failed.group(1)).put("cause", failed.group(2));
    }

    @Test
    void shouldChainPythonInvokeAndNodeStepsThroughTheirContextVariables() throws Exception {
        JsonNode outcome = execute("""
                {"host": "web-1", "ticket": "INC-1234", "minFreePercent": 10, "diskFreePercent": 5}""");

        assertEquals("SUCCEEDED", outcome.get("status").asText(), outcome.toString());
        JsonNode output = outcome.get("output");
        assertEquals("web-1", output.get("host").asText());
        JsonNode report = output.get("report");
        assertEquals("web-1: 5% free, action restart", report.get("summary").asText(), outcome.toString());
        assertEquals("restart", report.get("action").asText());
        assertEquals("INC-1234", report.get("ticket").asText());
        assertEquals("[\"true\",\"true\"]", output.get("generatedFunctionsDeleted").toString());
    }

    @Test
    void shouldTakeTheChoiceOnInvokeFunctionErrorWhenTheTargetRaises() throws Exception {
        JsonNode outcome = execute("""
                {"host": "web-2", "ticket": "INC-1235", "minFreePercent": 10, "simulateFailure": true}""");

        assertEquals("FAILED", outcome.get("status").asText(), outcome.toString());
        assertEquals("RemediationFailed", outcome.get("error").asText(), outcome.toString());
    }

    @Test
    void shouldCatchTheStepRunnersNamedErrorAndStillDeleteTheFunction() throws Exception {
        JsonNode outcome = execute("""
                {"host": "web-3", "ticket": "INC-1236", "minFreePercent": 10, "crash": true}""");

        assertEquals("FAILED", outcome.get("status").asText(), outcome.toString());
        assertEquals("FunctionFailed", outcome.get("error").asText(), outcome.toString());
        assertTrue(outcome.get("cause").asText().contains("disk check crashed on web-3"), outcome.toString());
    }

    @ParameterizedTest(name = "{0} on the {1} integration")
    @CsvSource({"TooManyRequestsException, direct", "TooManyRequestsException, optimised",
            "ServiceException, direct", "ServiceException, optimised"})
    void shouldNameTheLambdaServicesOwnErrorsAsStepFunctionsDoSoThatCatchMatches(String exception, String integration)
            throws Exception {
        // Given a step whose only Catch is Step Functions' name for the service's error, and a service
        // that answers every call with that error (the runner is never reached)
        String task = integration.equals("direct")
                ? "\"Resource\": \"${StepRunnerFunctionArn}\", \"Parameters\": {\"action\": \"invoke\", \"functionName\": \"x\"}"
                : "\"Resource\": \"arn:aws:states:::lambda:invoke\", \"Parameters\": {\"FunctionName\": \"${StepRunnerFunctionArn}\","
                        + " \"Payload\": {\"action\": \"invoke\", \"functionName\": \"x\"}}";
        Path definition = Files.writeString(Files.createTempDirectory(temp, "workflow-it").resolve("service-error.asl.json"), """
                {"StartAt": "Step", "States": {
                  "Step": {"Type": "Task", %s,
                    "Catch": [{"ErrorEquals": ["Lambda.%s"], "ResultPath": "$.error", "Next": "Caught"}], "End": true},
                  "Caught": {"Type": "Pass", "Result": true, "ResultPath": "$.caught", "End": true}}}""".formatted(task, exception));
        boolean throttle = exception.equals("TooManyRequestsException");
        service.injectFaults(new FaultInjection(throttle ? 1 : 0, throttle ? 0 : 1, 0, 0, 0, Duration.ZERO, 1));
        JsonNode outcome;
        try {
            // When it runs
            outcome = execute(definition, "{}");
        } finally {
            service.injectFaults(FaultInjection.NONE);
        }

        // Then the error reached the state as Lambda.<exception> and the Catch took it
        assertEquals("SUCCEEDED", outcome.get("status").asText(), outcome.toString());
        assertEquals("Lambda." + exception, outcome.at("/output/error/Error").asText(), outcome.toString());
        assertTrue(outcome.at("/output/caught").asBoolean(), outcome.toString());
    }

    @Test
    void shouldNameAMissingFunctionLambdaResourceNotFoundException() throws Exception {
        Path definition = Files.writeString(Files.createTempDirectory(temp, "workflow-it").resolve("missing.asl.json"), """
                {"StartAt": "Step", "States": {
                  "Step": {"Type": "Task", "Resource": "arn:aws:lambda:%s:%s:function:no-such-function",
                    "Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "ResultPath": "$.error", "Next": "Caught"}],
                    "End": true},
                  "Caught": {"Type": "Pass", "End": true}}}""".formatted(config.region(), config.accountId()));

        JsonNode outcome = execute(definition, "{}");

        assertEquals("SUCCEEDED", outcome.get("status").asText(), outcome.toString());
        assertTrue(outcome.at("/output/error/Cause").asText().contains("no-such-function"), outcome.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"apigateway-rest.json", "apigateway-http.json"})
    void shouldAnswerTheTemplatesApiEventsFromTheDeployedFunction(String file) throws Exception {
        JsonNode response = invokeDeployed(file);

        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        JsonNode data = JSON.readTree(response.get("body").asText()).get("data");
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertEquals("web-1", data.at("/invokeResponsePayload/host").asText());
    }

    @Test
    void shouldRunTheTemplatesEventBridgeEventFromTheDeployedFunction() throws Exception {
        JsonNode data = invokeDeployed("eventbridge.json").get("data");

        assertEquals("true", data.get("functionWasCreated").asText());
        assertEquals("true", data.get("functionWasDeleted").asText());
        assertEquals("staging", data.at("/invokeResponsePayload/env").asText());
    }

    @Test
    void shouldReportANamedErrorAsTheDeployedFunctionsErrorType() throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Tools.ROOT.resolve("events/custom-code-python.json").toFile());
        request.put("runtime", "java21");

        InvokeResponse response = lambda.invoke(r -> r.functionName(LocalDeployment.FUNCTION_NAME)
                .qualifier(LocalDeployment.ALIAS).payload(SdkBytes.fromUtf8String(request.toString())));

        assertEquals("Unhandled", response.functionError());
        JsonNode error = JSON.readTree(response.payload().asUtf8String());
        assertEquals("UnsupportedRuntime", error.get("errorType").asText(), error.toString());
    }

    private static JsonNode invokeDeployed(String eventFile) throws Exception {
        byte[] event = Files.readAllBytes(Tools.ROOT.resolve("events").resolve(eventFile));
        InvokeResponse response = lambda.invoke(r -> r.functionName(LocalDeployment.FUNCTION_NAME)
                .qualifier(LocalDeployment.ALIAS).payload(SdkBytes.fromByteArray(event)));
        assertNull(response.functionError(), response.payload().asUtf8String());
        return JSON.readTree(response.payload().asUtf8String());
    }
}
