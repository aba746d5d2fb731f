package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which entry point an event came through, recognised from the events users send. */
class IncomingEventTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Nested
    class StepRequests {

        @ParameterizedTest
        @ValueSource(strings = {"invoke.json", "custom-code-python.json", "stepfunctions-task.json", "sweep.json"})
        void areTheEventItself(String file) throws Exception {
            IncomingEvent.Direct direct = assertInstanceOf(IncomingEvent.Direct.class, file(file));

            assertEquals(read(file), direct.request());
            assertEquals("STEP_REQUEST", direct.shape());
        }

        @Test
        void includeAnythingThatIsNoOtherShape() throws Exception {
            assertInstanceOf(IncomingEvent.Direct.class, json("[1]"));
            assertInstanceOf(IncomingEvent.Direct.class, json("""
                    {"source": "com.example.runbooks"}"""));
            assertInstanceOf(IncomingEvent.Direct.class, json("""
                    {"requestContext": {}, "body": "{}"}"""));
        }
    }

    @Nested
    class EventBridgeEvents {

        @Test
        void carryTheRequestInDetail() throws Exception {
            IncomingEvent.EventBridge event = assertInstanceOf(IncomingEvent.EventBridge.class, file("eventbridge.json"));

            assertEquals("customCode", event.detail().get("action").asText());
            assertEquals("EVENTBRIDGE", event.shape());
        }

        @Test
        void askForTheSweepWhenScheduled() throws Exception {
            assertInstanceOf(IncomingEvent.Scheduled.class, file("scheduled-sweep.json"));
            assertInstanceOf(IncomingEvent.Scheduled.class, json("""
                    {"source": "aws.events", "detail-type": "Scheduled Event"}"""));
        }
    }

    @Nested
    class ApiGatewayEvents {

        @Test
        void fromARestApi() throws Exception {
            IncomingEvent.ApiGateway rest = assertInstanceOf(IncomingEvent.ApiGateway.class, file("apigateway-rest.json"));

            assertEquals(IncomingEvent.Api.REST, rest.api());
            assertEquals("POST", rest.method());
            assertEquals("/steps", rest.path());
            assertTrue(rest.body().asText().contains("customCode"));
            assertFalse(rest.isBase64());
            assertEquals("API_GATEWAY_REST", rest.shape());
        }

        @Test
        void fromAnHttpApi() throws Exception {
            IncomingEvent.ApiGateway http = assertInstanceOf(IncomingEvent.ApiGateway.class, file("apigateway-http.json"));

            assertEquals(IncomingEvent.Api.HTTP, http.api());
            assertEquals("POST", http.method());
            assertEquals("/steps", http.path());
            assertEquals("API_GATEWAY_HTTP", http.shape());
        }

        @Test
        void keepTheBase64Mark() throws Exception {
            IncomingEvent.ApiGateway event = assertInstanceOf(IncomingEvent.ApiGateway.class, json("""
                    {"version": "2.0", "routeKey": "POST /steps", "rawPath": "/steps",
                     "requestContext": {"http": {"method": "POST"}}, "body": "e30=", "isBase64Encoded": true}"""));

            assertTrue(event.isBase64());
            assertEquals("e30=", event.body().asText());
        }
    }

    private IncomingEvent file(String name) throws Exception {
        return IncomingEvent.of(read(name));
    }

    private JsonNode read(String name) throws Exception {
        return mapper.readTree(Files.readString(Path.of("events", name)));
    }

    private IncomingEvent json(String text) throws Exception {
        return IncomingEvent.of(mapper.readTree(text));
    }
}
