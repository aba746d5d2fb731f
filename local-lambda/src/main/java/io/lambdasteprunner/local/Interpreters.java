package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.facts.LambdaRuntimes.Family;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The interpreters that run functions, one per runtime version, and which runtime interface client
 * each language uses.
 *
 * <p>Each runtime runs on its own language version where this machine has it: {@code python3.12} on a
 * Python 3.12 (Debian's {@code /usr/bin/python3.12}, else pyenv's {@code ~/.pyenv/versions/3.12.x},
 * called by its real path: a version-manager shim costs about 100 ms a start), {@code nodejs22.x} on a
 * Node 22 (npm's {@code node} package, installed by {@code scripts/setup-tools.sh} under
 * {@code tools/node-runtimes}, else the system's node), {@code java21} on a JDK at least as new
 * (under {@code /usr/lib/jvm}). Where no matching version exists, the nearest one runs the function
 * and {@link Choice#note()} says so. Look-ups happen once per runtime and are remembered.
 *
 * <p>Without a client for a language, the service's own small standard-library bootstrap runs the
 * handler. A client is a command template that the handler string is appended to; {@code {taskRoot}}
 * in it stands for the function's code and {@code {java}} for the JDK chosen for the runtime.
 * Thread-safe.
 */
public final class Interpreters {

    /** The Java runtime interface client's main class, run for {@code java*} functions. */
    public static final String JAVA_RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** Stands for the chosen JDK's {@code java} in a client command. */
    static final String JAVA = "{java}";

    private static final Pattern RUNTIME_VERSION = Pattern.compile("^(?:python|nodejs|ruby|java)(\\d+)(?:\\.(\\d+|x))?");

    /**
     * The interpreter a runtime runs on.
     *
     * @param executable the interpreter (or {@code java}) to start
     * @param version    its language version, as found ({@code 3.12}, {@code 22.23.3}, {@code 25})
     * @param note       null when the version is the runtime's, else a sentence saying what runs instead
     */
    public record Choice(Path executable, String version, String note) {
    }

    private final Map<Family, Path> overrides;
    private final Map<Family, List<String>> clients;
    private final List<Path> nodeRuntimeDirs;
    private final Map<String, Optional<Choice>> chosen = new ConcurrentHashMap<>();
    private final Map<Path, String> versions = new ConcurrentHashMap<>();

    private Interpreters(Map<Family, Path> overrides, Map<Family, List<String>> clients, List<Path> nodeRuntimeDirs) {
        this.overrides = Map.copyOf(overrides);
        this.clients = Map.copyOf(clients);
        this.nodeRuntimeDirs = List.copyOf(nodeRuntimeDirs);
    }

    /**
     * Finds the interpreters: {@code LOCAL_LAMBDA_PYTHON}, {@code LOCAL_LAMBDA_NODE},
     * {@code LOCAL_LAMBDA_RUBY} when set (then that one runs every version of its language), else
     * each version's own as above. {@code LOCAL_LAMBDA_JAVA_RIC} (a class path) enables {@code java*}
     * functions under the official Java runtime interface client; {@code LOCAL_LAMBDA_NODE_RUNTIMES}
     * names a directory of npm {@code node} packages ({@code node22/bin/node}, ...).
     */
    public static Interpreters detect() {
        Map<String, String> env = System.getenv();
        Map<Family, Path> overrides = new EnumMap<>(Family.class);
        putIfSet(overrides, Family.PYTHON, env.get("LOCAL_LAMBDA_PYTHON"));
        putIfSet(overrides, Family.NODEJS, env.get("LOCAL_LAMBDA_NODE"));
        putIfSet(overrides, Family.RUBY, env.get("LOCAL_LAMBDA_RUBY"));
        Map<Family, List<String>> clients = new EnumMap<>(Family.class);
        String javaRic = env.get("LOCAL_LAMBDA_JAVA_RIC");
        if (javaRic != null && !javaRic.isBlank()) {
            clients.put(Family.JAVA, javaClient(javaRic));
        }
        List<Path> nodeDirs = new ArrayList<>();
        String nodeRuntimes = env.get("LOCAL_LAMBDA_NODE_RUNTIMES");
        if (nodeRuntimes != null && !nodeRuntimes.isBlank()) {
            nodeDirs.add(Path.of(nodeRuntimes));
        }
        nodeDirs.add(Path.of("tools", "node-runtimes", "node_modules").toAbsolutePath());
        codeLocation().ifPresent(location -> {
            // From target/classes or a jar in target/ up to the repository that holds tools/.
            for (Path dir = location; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("tools/node-runtimes/node_modules");
                if (Files.isDirectory(candidate)) {
                    nodeDirs.add(candidate);
                    break;
                }
            }
        });
        return new Interpreters(overrides, clients, nodeDirs);
    }

    private static void putIfSet(Map<Family, Path> overrides, Family family, String value) {
        if (value != null && !value.isBlank()) {
            overrides.put(family, Path.of(value));
        }
    }

    private static Optional<Path> codeLocation() {
        try {
            return Optional.of(Path.of(Interpreters.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The command template of the official Java runtime interface client on {@code ricClassPath}, run
     * on a JDK at least as new as the function's runtime ({@code {java}}).
     */
    public static List<String> javaClient(String ricClassPath) {
        return List.of(JAVA, "-Xshare:auto",
                "-cp", "{taskRoot}" + File.pathSeparator + "{taskRoot}/lib/*" + File.pathSeparator + ricClassPath,
                JAVA_RIC_MAIN);
    }

    public Interpreters withClient(Family family, List<String> command) {
        Map<Family, List<String>> copy = new EnumMap<>(Family.class);
        copy.putAll(clients);
        copy.put(family, List.copyOf(command));
        return new Interpreters(overrides, copy, nodeRuntimeDirs);
    }

    /** The command template of a language's runtime interface client, or null for the built-in bootstrap. */
    List<String> client(Family family) {
        return clients.get(family);
    }

    /** The interpreter (or JDK's {@code java}) that runs functions of {@code runtime}, if this machine has one. */
    public Optional<Path> executable(String runtime) {
        return choose(runtime).map(Choice::executable);
    }

    /** What runs functions of {@code runtime} here, found once and remembered. */
    public Optional<Choice> choose(String runtime) {
        return chosen.computeIfAbsent(runtime, this::find);
    }

    private Optional<Choice> find(String runtime) {
        Family family = LambdaRuntimes.familyOf(runtime).orElse(Family.OTHER);
        Matcher matcher = RUNTIME_VERSION.matcher(runtime);
        if (!matcher.find()) {
            return Optional.empty();
        }
        int major = Integer.parseInt(matcher.group(1));
        String minorText = matcher.group(2);
        int minor = minorText == null || minorText.equals("x") ? -1 : Integer.parseInt(minorText);
        Path override = overrides.get(family);
        if (override != null) {
            return Files.isExecutable(override) ? Optional.of(new Choice(override, "as configured", null)) : Optional.empty();
        }
        return switch (family) {
            case PYTHON -> pick(runtime, "Python", pythons(), major + "." + minor);
            case NODEJS -> pick(runtime, "Node.js", nodes(), Integer.toString(major));
            case RUBY -> pick(runtime, "Ruby", rubies(), major + "." + minor);
            case JAVA -> javaFor(runtime, major);
            case OTHER -> Optional.empty();
        };
    }

    /**
     * The candidate whose version (as far as {@code wanted} goes) is the runtime's, else the nearest
     * one, newer first on a tie, with a note.
     */
    private static Optional<Choice> pick(String runtime, String language, Map<String, Path> candidates, String wanted) {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        for (var candidate : candidates.entrySet()) {
            if (candidate.getKey().equals(wanted) || candidate.getKey().startsWith(wanted + ".")) {
                return Optional.of(new Choice(candidate.getValue(), candidate.getKey(), null));
            }
        }
        double target = numeric(wanted);
        var nearest = candidates.entrySet().stream()
                .min(Comparator.<Map.Entry<String, Path>>comparingDouble(e -> Math.abs(numeric(e.getKey()) - target))
                        .thenComparing(e -> -numeric(e.getKey())))
                .orElseThrow();
        return Optional.of(new Choice(nearest.getValue(), nearest.getKey(), runtime + " runs on " + language + " "
                + nearest.getKey() + " here: this machine has no " + language + " " + wanted
                + " (the local Lambda service uses the nearest version it finds)"));
    }

    /** "3.12" → 3.12, "22.23.3" → 22.23; for distances only. */
    private static double numeric(String version) {
        String[] parts = version.split("\\.");
        try {
            double value = Integer.parseInt(parts[0]);
            if (parts.length > 1) {
                value += Integer.parseInt(parts[1]) / 100.0;
            }
            return value;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Python minor versions ("3.12") to their binaries: Debian's first, then pyenv's newest patch. */
    private static Map<String, Path> pythons() {
        Map<String, Path> found = new TreeMap<>();
        Pattern minorBinary = Pattern.compile("python(3\\.\\d+)");
        for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
            for (Path binary : list(Path.of(dir))) {
                Matcher matcher = minorBinary.matcher(binary.getFileName().toString());
                if (matcher.matches() && Files.isExecutable(binary)) {
                    found.putIfAbsent(matcher.group(1), binary);
                }
            }
        }
        String pyenvRoot = System.getenv().getOrDefault("PYENV_ROOT",
                System.getProperty("user.home") + "/.pyenv");
        Pattern patchDir = Pattern.compile("(3\\.\\d+)\\.(\\d+)");
        Map<String, Integer> bestPatch = new TreeMap<>();
        Map<String, Path> pyenv = new TreeMap<>();
        for (Path version : list(Path.of(pyenvRoot, "versions"))) {
            Matcher matcher = patchDir.matcher(version.getFileName().toString());
            if (!matcher.matches()) {
                continue;
            }
            String minor = matcher.group(1);
            Path binary = version.resolve("bin/python" + minor);
            int patch = Integer.parseInt(matcher.group(2));
            if (Files.isExecutable(binary) && patch > bestPatch.getOrDefault(minor, -1)) {
                bestPatch.put(minor, patch);
                pyenv.put(minor, binary);
            }
        }
        pyenv.forEach(found::putIfAbsent);
        return found;
    }

    /** Node.js versions ("22.23.3") to their binaries: npm's node packages, then the system's node. */
    private Map<String, Path> nodes() {
        Map<String, Path> found = new TreeMap<>();
        for (Path dir : nodeRuntimeDirs) {
            for (Path module : list(dir)) {
                Path binary = module.resolve("bin/node");
                Path packageJson = module.resolve("package.json");
                if (Files.isExecutable(binary) && Files.isRegularFile(packageJson)) {
                    String version = packageVersion(packageJson);
                    if (version != null) {
                        found.putIfAbsent(version, binary);
                    }
                }
            }
        }
        Path system = onPath("node");
        if (system != null) {
            String version = versionOf(system, "-p", "process.versions.node");
            if (!version.equals("unknown")) {
                found.putIfAbsent(version, system);
            }
        }
        return found;
    }

    private static String packageVersion(Path packageJson) {
        try {
            return Json.MAPPER.readTree(packageJson.toFile()).path("version").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Ruby versions ("3.1.2") to their binaries: Debian has one. */
    private Map<String, Path> rubies() {
        Map<String, Path> found = new TreeMap<>();
        Path ruby = onPath("ruby");
        if (ruby != null) {
            String version = versionOf(ruby, "-e", "print RUBY_VERSION");
            if (!version.equals("unknown")) {
                found.put(version, ruby);
            }
        }
        return found;
    }

    /** The oldest JDK at least as new as the runtime, else the newest there is, with a note. */
    private static Optional<Choice> javaFor(String runtime, int feature) {
        Map<Integer, Path> homes = new TreeMap<>();
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(System.getProperty("java.home")));
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            candidates.add(Path.of(javaHome));
        }
        candidates.addAll(list(Path.of("/usr/lib/jvm")));
        for (Path home : candidates) {
            int version = jdkFeature(home);
            if (version > 0 && Files.isExecutable(home.resolve("bin/java"))) {
                homes.putIfAbsent(version, home.resolve("bin/java"));
            }
        }
        var atLeast = homes.entrySet().stream().filter(e -> e.getKey() >= feature).findFirst();
        if (atLeast.isPresent()) {
            return Optional.of(new Choice(atLeast.get().getValue(), Integer.toString(atLeast.get().getKey()), null));
        }
        return homes.entrySet().stream().reduce((first, second) -> second).map(newest -> new Choice(newest.getValue(),
                Integer.toString(newest.getKey()), runtime + " runs on Java " + newest.getKey()
                + " here: this machine has no JDK " + feature + " or newer (install one under /usr/lib/jvm)"));
    }

    /** The feature version in a JDK's {@code release} file (JAVA_VERSION="25.0.3"), or 0. */
    private static int jdkFeature(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring(line.indexOf('"') + 1).replace("\"", "");
                    String first = version.split("[.+-]")[0];
                    return Integer.parseInt(first.equals("1") ? version.split("\\.")[1] : first);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not a JDK.
        }
        return 0;
    }

    /** Asks an interpreter its version, once per binary (a few tens of milliseconds, at first use). */
    private String versionOf(Path binary, String... args) {
        return versions.computeIfAbsent(binary, b -> {
            try {
                List<String> command = new ArrayList<>();
                command.add(b.toString());
                command.addAll(List.of(args));
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                process.getOutputStream().close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return "unknown";
                }
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return process.exitValue() == 0 && output.matches("\\d+(\\.\\d+)*") ? output : "unknown";
            } catch (IOException e) {
                return "unknown";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        });
    }

    /** The first real executable of that name on PATH (version-manager shims skipped), else /usr/bin's. */
    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty() || dir.contains("shims")) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path fallback = Path.of("/usr/bin", name);
        return Files.isExecutable(fallback) ? fallback : null;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
