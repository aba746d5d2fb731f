package io.lambdasteprunner.sam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * scripts/run-workflow.sh as a runbook author runs it: the example runbook on the local Lambda service
 * (started by the script, the step runner deployed in it as under {@code serve}), its lines, its
 * output, its exit status, and its report looked at in headless Chromium: it renders, the graph shows
 * every state coloured by its outcome, run data is escaped, and nothing comes from the network.
 */
class RunWorkflowIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Tools.ROOT.resolve("scripts/run-workflow.sh");
    private static final Path RUNBOOK = Tools.STATE_MACHINES.resolve("runbook.asl.json");
    private static final List<String> STATES = List.of("CheckDisk", "RemediateHost", "DidRemediationFail", "Summarise",
            "Report", "RemediationFailed", "StepRefused", "RunbookFailed");
    private static final Path SWEEP = Tools.STATE_MACHINES.resolve("disk-sweep.asl.json");
    private static final Pattern NODE = Pattern.compile(
            "<g class=\"state-node [a-z-]+\" data-state=\"([^\"]+)\" data-outcome=\"([a-z-]+)\"( data-parent=\"([^\"]+)\")?>");

    private static Path work;

    record Run(int status, String stdout, String stderr) {
        List<String> lines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n"));
        }
    }

    @BeforeAll
    static void workDirectory() throws IOException {
        work = Files.createTempDirectory("run-workflow-it");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    private static Run runWorkflow(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--reports", work.resolve("reports").toString()));
        Path out = work.resolve("stdout");
        Path err = work.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command).directory(Tools.ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        String jar = System.getProperty("cli.jar");
        if (jar != null) {
            builder.environment().put("LAMBDA_STEP_RUNNER_CLI_JAR", jar);
        }
        builder.environment().put("AWS_REGION", "us-east-1");
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroy();
            process.waitFor(15, TimeUnit.SECONDS);
            fail("run-workflow.sh did not finish within 120 s: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Path input(String json) throws IOException {
        Path file = Files.createTempFile(work, "input", ".json");
        Files.writeString(file, json);
        return file;
    }

    private static Path reportOf(Run run) {
        Matcher matcher = Pattern.compile("Report: (\\S+\\.html)").matcher(run.stderr());
        assertTrue(matcher.find(), run.stderr());
        Path report = Tools.ROOT.resolve(matcher.group(1));
        assertTrue(Files.isRegularFile(report), report.toString());
        return report;
    }

    /**
     * The graph's nodes as the browser rendered them: state name → outcome; a state inside a Parallel
     * or Map state as {@code Parent/State}.
     */
    private static java.util.Map<String, String> graphOutcomes(String dom) {
        java.util.Map<String, String> outcomes = new java.util.LinkedHashMap<>();
        Matcher matcher = NODE.matcher(dom);
        while (matcher.find()) {
            String name = matcher.group(4) == null ? matcher.group(1) : matcher.group(4) + "/" + matcher.group(1);
            assertNull(outcomes.put(name, matcher.group(2)), "drawn twice: " + name);
        }
        return outcomes;
    }

    private static void assertSelfContained(HeadlessChromium.Load page) {
        assertEquals(List.of(), page.pageRequests(), "the report loaded something from the network");
        assertTrue(page.screenshot().length > 20_000, "the screenshot is nearly empty: " + page.screenshot().length + " bytes");
        assertTrue(page.dom().contains("Content-Security-Policy"), "no CSP in the page");
        assertFalse(page.dom().toLowerCase().contains("<script"), "a script element in the rendered page");
        assertFalse(page.dom().matches("(?s).*(src|href)=\"(https?:)?//.*"), "a remote reference in the page");
    }

    @Test
    void shouldRunTheExampleRunbookWithALinePerStateAndTheOutputLast() throws Exception {
        Run run = runWorkflow(RUNBOOK.toString(), "events/runbook-input.json", "--name", "it-succeeded");

        assertEquals(0, run.status(), run.stdout() + run.stderr());
        List<String> lines = run.lines();
        assertEquals(6, lines.size(), run.stdout());
        List<String> order = List.of("CheckDisk", "RemediateHost", "DidRemediationFail", "Summarise", "Report");
        for (int i = 0; i < order.size(); i++) {
            assertTrue(lines.get(i).matches("ok +" + order.get(i) + " .*\\d\\.\\d\\d s.*"), lines.get(i));
        }
        assertTrue(lines.get(0).contains("customCode python3.13  created=yes invoked=yes deleted=yes"), lines.get(0));
        assertTrue(lines.get(1).contains("invoke RunbookTargetFunction"), lines.get(1));
        assertTrue(lines.get(2).contains("-> Summarise"), lines.get(2));
        JsonNode output = JSON.readTree(lines.get(5));
        assertEquals("web-1: 5% free, action restart", output.at("/report/summary").asText(), run.stdout());
        assertEquals("[\"true\",\"true\"]", output.get("generatedFunctionsDeleted").toString());

        Path report = reportOf(run);
        assertEquals("it-succeeded.html", report.getFileName().toString());
        HeadlessChromium.Load page = HeadlessChromium.load(report);
        assertSelfContained(page);
        java.util.Map<String, String> outcomes = graphOutcomes(page.dom());
        assertEquals(new java.util.TreeSet<>(STATES), new java.util.TreeSet<>(outcomes.keySet()), page.dom());
        for (String state : order) {
            assertEquals("succeeded", outcomes.get(state), state);
        }
        for (String state : List.of("RemediationFailed", "StepRefused", "RunbookFailed")) {
            assertEquals("not-reached", outcomes.get(state), state);
        }
        assertTrue(page.dom().contains("data.functionWasDeleted"), "no context variables");
        assertTrue(page.dom().contains("START RequestId: "), "no execution log");
        assertTrue(page.dom().contains("web-1: 5% free, action restart"), "no output");
    }

    @Test
    void shouldDrawTheStatesInsideMapAndParallelStatesWithTheirOutcomes() throws Exception {
        // Given two hosts, both low on space: MarkOk is not reached in any iteration
        Path input = input("""
                {"hosts": [{"name": "web-1", "diskFreePercent": 5}, {"name": "web-2", "diskFreePercent": 3}],
                 "minFreePercent": 10}""");

        Run run = runWorkflow(SWEEP.toString(), input.toString(), "--name", "it-fan-out");

        assertEquals(0, run.status(), run.stdout() + run.stderr());
        List<String> lines = run.lines();
        assertEquals(11, lines.size(), run.stdout());
        assertTrue(lines.stream().anyMatch(line -> line.matches("  ok +CheckHostDisk\\[0] +Task +customCode python3\\.13  "
                + "created=yes invoked=yes deleted=yes .*")), run.stdout());
        assertTrue(lines.stream().anyMatch(line -> line.matches("  ok +CheckHostDisk\\[1] +Task +customCode python3\\.13  "
                + "created=yes invoked=yes deleted=yes .*")), "each iteration has its own step: " + run.stdout());
        assertTrue(lines.stream().anyMatch(line -> line.matches("ok +Report +Parallel .*")), run.stdout());
        JsonNode output = JSON.readTree(lines.get(10));
        assertEquals(2, output.at("/report/lowHosts").asInt(), run.stdout());
        assertEquals("web-1: 5% free (low); web-2: 3% free (low)", output.at("/report/summary").asText(), run.stdout());

        HeadlessChromium.Load page = HeadlessChromium.load(reportOf(run));
        assertSelfContained(page);
        java.util.Map<String, String> outcomes = graphOutcomes(page.dom());
        assertEquals(java.util.Map.of(
                "CheckEveryHost", "succeeded", "Report", "succeeded",
                "CheckEveryHost/CheckHostDisk", "succeeded", "CheckEveryHost/IsLow", "succeeded",
                "CheckEveryHost/MarkLow", "succeeded", "CheckEveryHost/MarkOk", "not-reached",
                "Report/CountLowHosts", "succeeded", "Report/WriteSummary", "succeeded"), outcomes, page.dom());
    }

    @Test
    void shouldExitOneWithTheErrorAndStillReportWhenTheExecutionFails() throws Exception {
        Path input = input("""
                {"host": "<script>document.title='owned'</script>", "ticket": "INC-1236", "minFreePercent": 10, "crash": true}""");

        Run run = runWorkflow(RUNBOOK.toString(), input.toString(), "--name", "it-failed");

        assertEquals(1, run.status(), run.stdout() + run.stderr());
        List<String> lines = run.lines();
        assertEquals(2, lines.size(), run.stdout());
        assertTrue(lines.get(0).matches("caught +CheckDisk .*-> RunbookFailed.*FunctionFailed: .*disk check crashed.*"), lines.get(0));
        assertTrue(lines.get(1).matches("FAILED +RunbookFailed .*"), lines.get(1));
        assertTrue(run.stderr().contains("Execution failed: FunctionFailed: function rundeck-generated-function-"), run.stderr());

        HeadlessChromium.Load page = HeadlessChromium.load(reportOf(run));
        assertSelfContained(page);
        assertFalse(page.dom().contains("owned</title>"), "the input's markup ran");
        assertTrue(page.dom().contains("disk check crashed on &lt;script&gt;document.title="), "the cause is not shown as text");
        java.util.Map<String, String> outcomes = graphOutcomes(page.dom());
        assertEquals(STATES.size(), outcomes.size(), page.dom());
        assertEquals("caught", outcomes.get("CheckDisk"));
        assertEquals("failed", outcomes.get("RunbookFailed"));
        assertEquals("not-reached", outcomes.get("Summarise"));
    }

    static Stream<Arguments> badInput() throws IOException {
        Path dir = Files.createTempDirectory(work, "bad-input");
        Path notJson = Files.writeString(dir.resolve("broken.asl.json"), "{\"StartAt\": ");
        Path invalid = Files.writeString(dir.resolve("invalid.asl.json"), """
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}, "B": {"Type": "Succeed"}}}""");
        Path unfilled = Files.writeString(dir.resolve("unfilled.asl.json"), """
                {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${NotifyFunctionArn}", "End": true}}}""");
        Path notJsonInput = Files.writeString(dir.resolve("input.txt"), "host=web-1\n");
        String runbook = RUNBOOK.toString();
        return Stream.of(
                Arguments.of(List.of("missing.asl.json"), "missing.asl.json: no such file"),
                Arguments.of(List.of(notJson.toString()), "the state machine definition is not JSON"),
                Arguments.of(List.of(invalid.toString()), "does not validate (asl-validator):\n  SCHEMA_VALIDATION_FAILED: /States/A is invalid"),
                Arguments.of(List.of(runbook, notJsonInput.toString()), "the execution input is not JSON"),
                Arguments.of(List.of(runbook, "events/missing-input.json"), "events/missing-input.json: no such file"),
                Arguments.of(List.of(unfilled.toString()), "no value for ${NotifyFunctionArn}; give one with --sub NAME=VALUE"),
                Arguments.of(List.of(runbook, "--sub", "TargetFunction"), "--sub takes NAME=VALUE"),
                Arguments.of(List.of(runbook, "--verbose"), "unknown option --verbose (usage: scripts/run-workflow.sh "),
                Arguments.of(List.of(runbook, "--name"), "--name needs a value (usage: "));
    }

    @ParameterizedTest
    @MethodSource("badInput")
    void shouldExitTwoWithOneMessageOnBadInput(List<String> arguments, String message) throws Exception {
        Run run = runWorkflow(arguments.toArray(String[]::new));

        assertEquals(2, run.status(), run.stdout() + run.stderr());
        assertTrue(run.stderr().startsWith("run-workflow: "), run.stderr());
        assertTrue(run.stderr().contains(message), run.stderr());
        assertFalse(run.stderr().contains("    at "), "a stack trace: " + run.stderr());
        List<String> more = run.stderr().strip().lines().skip(1).toList();
        assertTrue(more.stream().allMatch(line -> line.startsWith("  ")), "one message (asl-validator's findings "
                + "under it): " + run.stderr());
        assertEquals("", run.stdout());
        assertFalse(run.stderr().contains("Report:"), run.stderr());
    }

    @Test
    void shouldNoticeAPageThatLoadsFromTheNetwork() throws Exception {
        Path probe = Files.writeString(work.resolve("probe.html"),
                "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/probe.png\"><p>probe</p></body></html>");

        HeadlessChromium.Load page = HeadlessChromium.load(probe);

        assertTrue(page.pageRequests().contains("http://127.0.0.1:9/probe.png"), page.pageRequests().toString());
    }
}
