package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.local.RoleTrust;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps in another account and region, end to end on the local service, which plays accounts, regions and STS:
 * the runner assumes the target role with the SDK's STS client on the service's endpoint and its functions
 * live in the role's account and the step's region.
 */
class CrossAccountIT {

    private static final String OWN_ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private static final String TARGET_ROLE = "arn:aws:iam::222222222222:role/lambda-step-runner-target";
    private static final String TARGET_EXECUTION_ROLE = "arn:aws:iam::222222222222:role/runbook-functions";
    private static final StepConfig CONFIG = new StepConfig(OWN_ROLE, List.of(TARGET_EXECUTION_ROLE), null,
            "lambda-step-runner").withAllowedAssumeRoleArns(List.of(TARGET_ROLE));
    private static final String ARN_STEP = """
            {"action": "customCode", "runtime": "python3.12", "region": "eu-west-1",
             "assumeRoleArn": "%s", "externalId": "%s", "roleArn": "%s", %s
             "code": "def lambda_handler(event, context):\\n    return {'arn': context.invoked_function_arn}\\n"}""";

    private static LocalLambdaService service;
    private static LambdaClient client;
    private static StepHandler handler;
    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() {
        service = LocalLambdaService.start(LocalLambdaConfig.defaults());
        service.trustRoles(new RoleTrust(Map.of(TARGET_ROLE, "rundeck-ops"), Set.of()));
        // The runner's own client signs with placeholder keys: account 000000000000, us-east-1.
        client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"));
        handler = new StepHandler(DependencyFactory.onClient(CONFIG, client, MetricsSink.none()));
    }

    @AfterAll
    static void stop() {
        client.close();
        service.close();
    }

    @AfterEach
    void noFunctionIsLeftAnywhere() {
        assertEquals(List.of(), service.functionNames("222222222222", "eu-west-1"));
        assertEquals(List.of(), service.functionNames("000000000000", "us-east-1"));
    }

    private JsonNode handle(String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(120_000));
        return mapper.readTree(out.toByteArray());
    }

    @Test
    void aCustomCodeStepRunsInTheAssumedRolesAccountAndTheStepsRegion() throws Exception {
        JsonNode data = handle(ARN_STEP.formatted(TARGET_ROLE, "rundeck-ops", TARGET_EXECUTION_ROLE, "")).get("data");

        String arn = data.get("invokeResponsePayload").get("arn").asText();
        assertTrue(arn.startsWith("arn:aws:lambda:eu-west-1:222222222222:function:rundeck-generated-function-"), arn);
        assertEquals("true", data.get("functionWasDeleted").asText());
    }

    @Test
    void anInvokeStepFindsTheFunctionOnlyInItsAccount() throws Exception {
        JsonNode kept = handle(ARN_STEP.formatted(TARGET_ROLE, "rundeck-ops", TARGET_EXECUTION_ROLE,
                "\"deleteAfterExecution\": false,")).get("data");
        String name = kept.get("functionName").asText();
        try {
            JsonNode invoked = handle("""
                    {"action": "invoke", "functionName": "%s", "region": "eu-west-1",
                     "assumeRoleArn": "%s", "externalId": "rundeck-ops"}""".formatted(name, TARGET_ROLE)).get("data");
            assertTrue(invoked.get("invokeResponsePayload").get("arn").asText()
                    .startsWith("arn:aws:lambda:eu-west-1:222222222222:function:"), invoked.toString());

            StepFailure ownAccount = assertThrows(StepFailure.class, () -> handle("""
                    {"action": "invoke", "functionName": "%s", "region": "eu-west-1"}""".formatted(name)));
            assertEquals(StepError.FUNCTION_NOT_FOUND, ownAccount.error());
        } finally {
            // The sweep takes generated functions an hour old; delete this one with the target account's keys.
            LambdaClient target = LambdaClients.create(service.endpoint(), "eu-west-1",
                    software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("222222222222", "x")));
            try (target) {
                target.deleteFunction(r -> r.functionName(name));
            }
        }
    }

    @Test
    void aWrongExternalIdIsAssumeRoleDeniedWithStsReasonAndNoFunction() {
        StepFailure failure = assertThrows(StepFailure.class,
                () -> handle(ARN_STEP.formatted(TARGET_ROLE, "not-the-id", TARGET_EXECUTION_ROLE, "")));

        assertEquals(StepError.ASSUME_ROLE_DENIED, failure.error());
        assertTrue(failure.getMessage().contains("AccessDenied"), failure.getMessage());
    }
}
