package io.lambdasteprunner.sam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium, headless, as scripts/setup-tools.sh installs it: loads a page from a file:// URL
 * and gives back its DOM after rendering, a screenshot, and the requests the page itself made (from
 * Chromium's net log, where the browser's own background requests carry no page origin).
 */
final class HeadlessChromium {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one load of a page left behind. */
    record Load(String dom, byte[] screenshot, List<String> pageRequests) {
    }

    private HeadlessChromium() {
    }

    /** Loads {@code page} twice (DOM, then screenshot), each with a fresh profile and a net log. */
    static Load load(Path page) {
        assertTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: run scripts/setup-tools.sh (the test command does)");
        try {
            Path work = Files.createTempDirectory("chromium");
            try {
                Path domLog = work.resolve("dom-netlog.json");
                String dom = run(work, "dom", domLog, List.of("--dump-dom", page.toUri().toString()));
                Path shot = work.resolve("page.png");
                Path shotLog = work.resolve("shot-netlog.json");
                run(work, "shot", shotLog, List.of("--window-size=1400,1000", "--screenshot=" + shot, page.toUri().toString()));
                List<String> requests = new ArrayList<>(pageRequests(domLog));
                requests.addAll(pageRequests(shotLog));
                return new Load(dom, Files.readAllBytes(shot), requests);
            } finally {
                try (Stream<Path> files = Files.walk(work)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(Path work, String name, Path netLog, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + work.resolve("profile-" + name),
                // Nothing resolves: should anything try the network, it fails here and still shows in the net log.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--log-net-log=" + netLog));
        command.addAll(arguments);
        Path out = work.resolve(name + ".out");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(work.resolve(name + ".err").toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail("chromium did not finish within 60 s: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertEquals(0, process.exitValue(), () -> "chromium failed: " + read(work.resolve(name + ".err")));
        return read(out);
    }

    /**
     * The URLs the page asked for: request starts whose initiator is a page (its network isolation key
     * is the file:// site) rather than the browser ("not an origin": update checks and the like).
     */
    static List<String> pageRequests(Path netLog) throws IOException {
        JsonNode log = JSON.readTree(netLog.toFile());
        int startJob = log.at("/constants/logEventTypes/URL_REQUEST_START_JOB").asInt(-1);
        List<String> urls = new ArrayList<>();
        for (JsonNode event : log.path("events")) {
            JsonNode params = event.path("params");
            if (event.path("type").asInt() == startJob && params.has("url")
                    && !params.path("initiator").asText().equals("not an origin")) {
                urls.add(params.path("url").asText());
            }
        }
        return urls;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }
}
