package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncomingEventTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private IncomingEvent of(String file) throws Exception {
        return IncomingEvent.of(mapper.readTree(Files.readString(Path.of("events", file))));
    }

    @Test
    void shouldRecogniseEachShapeOfTheEventsFolder() throws Exception {
        assertEquals(IncomingEvent.Shape.STEP_REQUEST, of("invoke.json").shape());
        assertEquals(IncomingEvent.Shape.STEP_REQUEST, of("custom-code-python.json").shape());
        assertEquals(IncomingEvent.Shape.STEP_REQUEST, of("stepfunctions-task.json").shape());
        assertEquals(IncomingEvent.Shape.EVENTBRIDGE, of("eventbridge.json").shape());
        assertEquals("customCode", of("eventbridge.json").stepRequest().get("action").asText());

        IncomingEvent rest = of("apigateway-rest.json");
        assertEquals(IncomingEvent.Shape.API_GATEWAY_REST, rest.shape());
        assertEquals("POST", rest.method());
        assertEquals("/steps", rest.path());
        assertTrue(rest.isHttp());

        IncomingEvent http = of("apigateway-http.json");
        assertEquals(IncomingEvent.Shape.API_GATEWAY_HTTP, http.shape());
        assertEquals("POST", http.method());
        assertTrue(http.body().contains("customCode"));
        assertFalse(of("eventbridge.json").isHttp());
    }

    @Test
    void shouldTreatAnythingElseAsAStepRequest() throws Exception {
        assertEquals(IncomingEvent.Shape.STEP_REQUEST, IncomingEvent.of(mapper.readTree("[1]")).shape());
        assertEquals(IncomingEvent.Shape.STEP_REQUEST, IncomingEvent.of(mapper.readTree("{\"source\":\"x\"}")).shape());
    }
}
