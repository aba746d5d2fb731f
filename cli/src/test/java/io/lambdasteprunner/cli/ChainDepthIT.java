package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A chain of step runners, end to end: two deployments of the packaged runner (java21 under the official
 * Java runtime interface client in the local service) whose steps invoke each other. The depth travels in
 * the client context ({@code custom.lambdaStepRunnerDepth}), the Java runtime hands it to the handler, and
 * the runner past {@code MAX_STEP_DEPTH} refuses with {@code RecursionRefused} before any AWS call.
 */
class ChainDepthIT {

    private static final String ROLE = "arn:aws:iam::000000000000:role/lambda-step-runner-local";
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldStopAChainOfStepRunnersAtMaxStepDepth() throws Exception {
        Path jar = LocalDeployment.runnerJar();
        LocalLambdaConfig config = LocalDeployment.withJavaRuntime(LocalLambdaConfig.defaults(),
                LocalDeployment.javaRicClassPath(System.getenv(), jar));
        try (LocalLambdaService service = LocalLambdaService.start(config);
             LambdaClient client = LambdaClients.create(LambdaClientConfig.local(service.endpoint(), "us-east-1"))) {
            // Given two step runners that allow chains of two
            Map<String, String> environment = new LinkedHashMap<>(LocalDeployment.localEnvironment(Map.of(), ROLE));
            environment.put("MAX_STEP_DEPTH", "2");
            SdkBytes code = SdkBytes.fromByteArray(LocalDeployment.zipUnderLib(jar));
            for (String name : List.of("runner-a", "runner-b")) {
                client.createFunction(r -> r.functionName(name).runtime("java21").handler(LocalDeployment.HANDLER)
                        .role(ROLE).memorySize(512).timeout(120).environment(e -> e.variables(environment))
                        .code(c -> c.zipFile(code)));
            }
            for (String name : List.of("runner-a", "runner-b")) {
                client.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
            }

            // When runner-a's step invokes runner-b, whose step invokes runner-a again
            String innermost = "{\"action\":\"invoke\",\"functionName\":\"runner-b\"}";
            String middle = "{\"action\":\"invoke\",\"functionName\":\"runner-a\",\"payload\":" + innermost + "}";
            String outer = "{\"action\":\"invoke\",\"functionName\":\"runner-b\",\"payload\":" + middle + "}";
            InvokeResponse response = client.invoke(r -> r.functionName("runner-a").payload(SdkBytes.fromUtf8String(outer)));

            // Then runner-a (depth 0) and runner-b (depth 1) ran, and runner-a at depth 2 refused
            assertNull(response.functionError(), response.payload().asUtf8String());
            JsonNode first = mapper.readTree(response.payload().asUtf8String()).get("data");
            assertEquals("runner-b", first.get("functionName").asText());
            JsonNode second = first.get("invokeResponsePayload").get("data");
            assertEquals("runner-a", second.get("functionName").asText());
            assertEquals("Unhandled", second.get("invokeFunctionError").asText(), second.toString());
            JsonNode refusal = second.get("invokeResponsePayload");
            assertEquals("RecursionRefused", refusal.get("errorType").asText(), refusal.toString());
            assertEquals(true, refusal.get("errorMessage").asText().contains("custom.lambdaStepRunnerDepth=2"),
                    refusal.toString());
        }
    }
}
