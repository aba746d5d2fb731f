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
