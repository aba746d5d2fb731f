package io.lambdasteprunner.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldExplainUsageMistakesWithStatus2() {
        assertEquals(Main.USAGE, main.run(List.of()));
        assertTrue(stderr().contains("usage: java -jar lambda-step-runner-cli.jar run EVENT.json"));
        assertEquals(Main.USAGE, main.run(List.of("run")));
        assertEquals(Main.USAGE, main.run(List.of("run", "events/invoke.json", "--bogus")));
        assertEquals(Main.USAGE, main.serve(List.of("serve", "--port", "x")));
    }

    @Test
    void shouldNameAMissingEventFile() {
        assertEquals(Main.USAGE, main.run(List.of("run", "events/nope.json", "--endpoint", "http://127.0.0.1:1")));

        assertEquals("no such file: events/nope.json (give the path of a step event, e.g. "
                + "events/custom-code-python.json)", stderr().strip());
    }

    @Test
    void shouldReportARefusedRequestByNameBeforeCallingLambda() {
        // Port 1 is never listened on; the runtime is refused before any call would be made.
        int status = main.run(List.of("run", "cli/src/test/resources/events/unsupported-runtime.json",
                "--endpoint", "http://127.0.0.1:1"));

        assertEquals(Main.STEP_FAILED, status);
        assertTrue(stderr().startsWith("UnsupportedRuntime: "), stderr());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
