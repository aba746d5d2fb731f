package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.LambdaGateways;
import io.lambdasteprunner.step.ResultStore;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.TargetAccount;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The entry points with targets: the example event, the API request naming the session, a sweep elsewhere. */
class CrossAccountHandlerTest {

    private static final String TARGET_ROLE = "arn:aws:iam::222222222222:role/lambda-step-runner-target";
    private static final String ROLE = "arn:aws:iam::000000000000:role/step-default";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FakeLambda own = FakeLambda.builder().anyFunctionExists().build();
    private final Map<TargetAccount, FakeLambda> elsewhere = new LinkedHashMap<>();
    private final List<String> origins = new ArrayList<>();
    private final LambdaGateways gateways = (target, origin) -> {
        origins.add(origin);
        return target.isRunnersOwn() ? own
                : elsewhere.computeIfAbsent(target, t -> FakeLambda.builder().anyFunctionExists().build());
    };
    private final StepHandler handler = new StepHandler(DependencyFactory.onGateways(
            new StepConfig(ROLE, List.of(), null, "lambda-step-runner").withAllowedAssumeRoleArns(List.of(TARGET_ROLE)),
            own, gateways, MetricsSink.none(), Clock.systemUTC(), ResultStore.NONE));

    private JsonNode handle(String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new TestContext(60_000));
        return mapper.readTree(out.toByteArray());
    }

    @Test
    void theExampleEventInvokesInTheTargetAccountAndRegion() throws Exception {
        JsonNode data = handle(Files.readString(Path.of("events", "cross-account-invoke.json"))).get("data");

        assertEquals("true", data.get("functionWasInvoked").asText());
        FakeLambda target = elsewhere.get(new TargetAccount("eu-west-1", TARGET_ROLE, "rundeck-ops"));
        assertEquals(1, target.count("invoke"));
        assertEquals(List.of(), own.calls());
        // Lambda's request id names the role session when no API request does.
        assertEquals(List.of(new TestContext(60_000).getAwsRequestId()), origins);
    }

    @Test
    void anApiRequestNamesTheSessionAfterItsRequestId() throws Exception {
        ObjectNode event = (ObjectNode) mapper.readTree(Files.readString(Path.of("events", "apigateway-rest.json")));
        event.put("body", Files.readString(Path.of("events", "cross-account-invoke.json")));

        JsonNode response = handle(event.toString());

        assertEquals(200, response.get("statusCode").asInt(), response.toString());
        assertEquals(List.of("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"), origins);
    }

    @Test
    void aSweepOfAnotherAccountListsThere() throws Exception {
        JsonNode output = handle("""
                {"action": "sweep", "region": "eu-west-1", "assumeRoleArn": "%s"}""".formatted(TARGET_ROLE));

        assertEquals(0, output.get("sweep").get("deleted").size());
        assertEquals(1, elsewhere.get(new TargetAccount("eu-west-1", TARGET_ROLE, null)).count("list"));
        assertEquals(List.of(), own.calls());
    }

    @Test
    void aSweepOfARoleOffTheListIsRefusedBeforeAnyCall() {
        StepFailure failure = assertThrows(StepFailure.class, () -> handle("""
                {"action": "sweep", "assumeRoleArn": "arn:aws:iam::222222222222:role/admin"}"""));

        assertEquals("RoleNotAllowed", failure.error().errorName());
        assertEquals(List.of(), origins);
    }
}
