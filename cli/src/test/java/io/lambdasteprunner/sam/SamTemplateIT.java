package io.lambdasteprunner.sam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml and statemachine/ as the AWS tools see them: SAM's validator with its linter,
 * cfn-lint, {@code sam build}, asl-validator; and the events/ files users test with match the
 * template's API route and EventBridge rule.
 */
class SamTemplateIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void samValidateWithLintReportsNothing() {
        Tools.Result validate = Tools.run(Tools.ROOT, Map.of(), 120,
                List.of(Tools.sam().toString(), "validate", "--lint", "--template-file", Tools.TEMPLATE.toString()));

        assertEquals(0, validate.status(), validate.output());
        assertTrue(validate.output().contains("is a valid SAM Template"), validate.output());
    }

    @Test
    void cfnLintReportsNothing() {
        Tools.Result lint = Tools.run(Tools.ROOT, Map.of(), 120, List.of(Tools.cfnLint().toString(), Tools.TEMPLATE.toString()));

        assertEquals(0, lint.status(), lint.output());
        assertEquals("", lint.output().strip());
    }

    @Test
    void samBuildPutsTheShadedJarWhereTheJavaRuntimeLooks() throws IOException {
        Path artifact = SamBuild.stepRunnerArtifact();

        Path jar = artifact.resolve("lib/lambda-step-runner.jar");
        assertTrue(Files.isRegularFile(jar), SamBuild.result().output());
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertNotNull(zip.getEntry("StepRunnerHandler.class"), "the template's handler class is not in " + jar);
            assertNotNull(zip.getEntry("io/lambdasteprunner/handler/StepHandler.class"));
        }
        String builtTemplate = Files.readString(SamBuild.APP.resolve(".aws-sam/build/template.yaml"));
        assertTrue(builtTemplate.contains("CodeUri: StepRunnerFunction"), builtTemplate);
    }

    @Test
    void aslValidatorAcceptsEveryStateMachine() throws IOException {
        List<Path> definitions = new ArrayList<>();
        try (Stream<Path> files = Files.list(Tools.STATE_MACHINES)) {
            files.filter(file -> file.toString().endsWith(".json")).sorted().forEach(definitions::add);
        }
        assertFalse(definitions.isEmpty());
        List<String> command = new ArrayList<>(List.of(Tools.node22().toString(),
                Tools.SFN.resolve("node_modules/asl-validator/dist/bin/asl-validator.js").toString()));
        for (Path definition : definitions) {
            command.add("--json-path");
            command.add(definition.toString());
        }

        Tools.Result validated = Tools.run(Tools.ROOT, Map.of(), 60, command);

        assertEquals(0, validated.status(), validated.output());
        for (Path definition : definitions) {
            assertTrue(validated.output().contains(definition + "\" is valid"), validated.output());
        }
    }

    @Test
    void shouldGrantNoLambdaWriteActionOrPassRoleOnAWildcardAndPassRolesOnlyToLambda() {
        JsonNode resources = Tools.transformedTemplateJson().get("Resources");
        List<String> problems = new ArrayList<>();
        int passRoleStatements = 0;

        for (Map.Entry<String, JsonNode> resource : iterable(resources.fields())) {
            String type = resource.getValue().path("Type").asText();
            JsonNode properties = resource.getValue().path("Properties");
            List<JsonNode> documents = new ArrayList<>();
            if (type.equals("AWS::IAM::Role")) {
                properties.path("Policies").forEach(policy -> documents.add(policy.path("PolicyDocument")));
                properties.path("ManagedPolicyArns").forEach(arn -> {
                    String name = arn.has("Fn::Sub") ? arn.get("Fn::Sub").asText().replace("${AWS::Partition}", "aws")
                            : arn.asText();
                    if (!AWS_MANAGED_POLICIES.contains(name)) {
                        problems.add(resource.getKey() + " attaches " + arn);
                    }
                });
            } else if (type.equals("AWS::IAM::Policy") || type.equals("AWS::IAM::ManagedPolicy")) {
                documents.add(properties.path("PolicyDocument"));
            }
            for (JsonNode document : documents) {
                for (JsonNode statement : statements(document.path("Statement"))) {
                    if (!statement.path("Effect").asText().equals("Allow")) {
                        continue;
                    }
                    List<String> actions = strings(statement.path("Action"));
                    boolean passRole = actions.stream().anyMatch(a -> a.equalsIgnoreCase("iam:PassRole") || a.equals("iam:*"));
                    boolean lambdaWrite = actions.stream().anyMatch(SamTemplateIT::isLambdaWrite);
                    if (!passRole && !lambdaWrite) {
                        continue;
                    }
                    for (JsonNode target : list(statement.path("Resource"))) {
                        String text = target.isTextual() ? target.asText() : target.path("Fn::Sub").asText("");
                        if (text.equals("*") || text.endsWith(":function:*") || text.endsWith(":role/*")) {
                            problems.add(resource.getKey() + " allows " + actions + " on " + target);
                        }
                    }
                    if (passRole) {
                        passRoleStatements++;
                        String service = statement.at("/Condition/StringEquals/iam:PassedToService").asText();
                        if (!service.equals("lambda.amazonaws.com")) {
                            problems.add(resource.getKey() + " passes roles without iam:PassedToService lambda.amazonaws.com: "
                                    + statement);
                        }
                    }
                }
            }
        }

        assertEquals(List.of(), problems);
        assertEquals(2, passRoleStatements, "the default role, and the allowlist when one is configured");
        JsonNode runnerPolicy = resources.at("/StepRunnerFunctionRole/Properties/Policies");
        assertTrue(runnerPolicy.toString().contains(":function:${GeneratedFunctionPrefix}-*"), runnerPolicy.toString());
    }

    @Test
    void shouldGrantInvokeOnTheRunnerOnlyByItsExactAliasOrNameAsSamTransformsIt() {
        // SAM's LambdaInvokePolicy grants function:<name>*: every function whose name starts with the runner's.
        JsonNode resources = Tools.transformedTemplateJson().get("Resources");
        List<String> runnerGrants = new ArrayList<>();

        for (Map.Entry<String, JsonNode> resource : iterable(resources.fields())) {
            JsonNode properties = resource.getValue().path("Properties");
            for (JsonNode policy : list(properties.path("Policies"))) {
                for (JsonNode statement : statements(policy.at("/PolicyDocument/Statement"))) {
                    for (JsonNode target : list(statement.path("Resource"))) {
                        if (target.toString().contains("StepRunnerFunction")) {
                            runnerGrants.add(resource.getKey() + " " + target);
                        }
                    }
                }
            }
        }

        assertEquals(List.of("RunbookStateMachineRole {\"Ref\":\"StepRunnerFunctionAliaslive\"}"), runnerGrants);
    }

    @Test
    void theExampleWorkflowRetriesWhatAwsRecommendsForLambdaTasks() throws IOException {
        JsonNode states = JSON.readTree(Tools.STATE_MACHINES.resolve("runbook.asl.json").toFile()).get("States");
        List<String> recommended = List.of("Lambda.ServiceException", "Lambda.AWSLambdaException",
                "Lambda.SdkClientException", "Lambda.ClientExecutionTimeoutException");
        int tasks = 0;

        for (Map.Entry<String, JsonNode> state : iterable(states.fields())) {
            if (!state.getValue().path("Type").asText().equals("Task")) {
                continue;
            }
            tasks++;
            JsonNode retrier = null;
            for (JsonNode candidate : state.getValue().path("Retry")) {
                if (strings(candidate.path("ErrorEquals")).containsAll(recommended)) {
                    retrier = candidate;
                }
            }
            assertNotNull(retrier, state.getKey() + " does not retry " + recommended);
            assertEquals(2, retrier.path("IntervalSeconds").asInt(), state.getKey());
            assertEquals(6, retrier.path("MaxAttempts").asInt(), state.getKey());
            assertEquals(2, retrier.path("BackoffRate").asDouble(), state.getKey());
        }
        assertEquals(3, tasks);
    }

    @Test
    void shouldRequireIamAuthorisationOnEveryApiMethod() {
        JsonNode paths = Tools.transformedTemplateJson().at("/Resources/StepsApi/Properties/Body/paths");
        List<String> methods = new ArrayList<>();

        paths.fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            methods.add(method.getKey().toUpperCase() + " " + path.getKey());
            assertEquals("[{\"AWS_IAM\":[]}]", method.getValue().path("security").toString(), path.getKey());
            assertFalse(method.getValue().at("/x-amazon-apigateway-integration").has("credentials"),
                    "API Gateway must call the function under its resource policy, not with the caller's credentials");
        }));

        assertEquals(List.of("POST /steps"), methods);
    }

    private static final List<String> AWS_MANAGED_POLICIES = List.of(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
            // API Gateway's account-wide role for access logs (ApiGatewayCloudWatchLogsRole).
            "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs");

    private static boolean isLambdaWrite(String action) {
        String lower = action.toLowerCase();
        return lower.equals("*") || lower.equals("lambda:*")
                || lower.startsWith("lambda:") && !lower.startsWith("lambda:get") && !lower.startsWith("lambda:list");
    }

    /** The statements, both branches of an {@code Fn::If} included. */
    private static List<JsonNode> statements(JsonNode node) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode statement : list(node)) {
            if (statement.has("Fn::If")) {
                found.addAll(statements(statement.get("Fn::If").get(1)));
                found.addAll(statements(statement.get("Fn::If").get(2)));
            } else if (!statement.path("Ref").asText().equals("AWS::NoValue")) {
                found.add(statement);
            }
        }
        return found;
    }

    private static List<JsonNode> list(JsonNode node) {
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else if (!node.isMissingNode()) {
            items.add(node);
        }
        return items;
    }

    private static List<String> strings(JsonNode node) {
        return list(node).stream().map(JsonNode::asText).toList();
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }

    @Test
    void theEventsFilesMatchTheTemplatesApiRouteAndEventBridgeRule() throws IOException {
        JsonNode template = Tools.templateJson();
        JsonNode events = template.at("/Resources/StepRunnerFunction/Properties/Events");
        JsonNode api = events.at("/StepsApi/Properties");
        JsonNode rule = events.at("/StepRequested/Properties/Pattern");
        JsonNode restEvent = JSON.readTree(Tools.ROOT.resolve("events/apigateway-rest.json").toFile());
        JsonNode bridgeEvent = JSON.readTree(Tools.ROOT.resolve("events/eventbridge.json").toFile());

        assertEquals(api.get("Path").asText(), restEvent.get("resource").asText());
        assertEquals(api.get("Method").asText().toUpperCase(), restEvent.get("httpMethod").asText());
        assertEquals("AWS_IAM", template.at("/Resources/StepsApi/Properties/Auth/DefaultAuthorizer").asText());
        assertEquals("EventSource", rule.at("/source/0/Ref").asText());
        assertEquals(template.at("/Parameters/EventSource/Default").asText(), bridgeEvent.get("source").asText());
        assertEquals(rule.at("/detail-type/0").asText(), bridgeEvent.get("detail-type").asText());
    }
}
