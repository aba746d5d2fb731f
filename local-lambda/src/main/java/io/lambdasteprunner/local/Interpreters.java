package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes.Family;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The interpreters that run functions, and which runtime interface client each language uses.
 *
 * <p>Without a client for a language, the service's own small standard-library bootstrap runs the
 * handler. A client is a command template that the handler string is appended to; {@code {taskRoot}}
 * in it stands for the function's unpacked code. Interpreters are spawned by their real path: a
 * version-manager shim on {@code PATH} costs about 100 ms a start.
 */
public record Interpreters(Path python, Path node, Path ruby, Map<Family, List<String>> clients) {

    /** The Java runtime interface client's main class, run for {@code java*} functions. */
    public static final String JAVA_RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

    public Interpreters {
        clients = Map.copyOf(clients);
    }

    /**
     * Finds the interpreters: {@code LOCAL_LAMBDA_PYTHON}, {@code LOCAL_LAMBDA_NODE},
     * {@code LOCAL_LAMBDA_RUBY} when set, else the first real executable on PATH (shims skipped).
     * {@code LOCAL_LAMBDA_JAVA_RIC} (a class path) enables {@code java*} functions under the
     * official Java runtime interface client.
     */
    public static Interpreters detect() {
        Map<String, String> env = System.getenv();
        Map<Family, List<String>> clients = new EnumMap<>(Family.class);
        String javaRic = env.get("LOCAL_LAMBDA_JAVA_RIC");
        if (javaRic != null && !javaRic.isBlank()) {
            clients.put(Family.JAVA, javaClient(javaRic));
        }
        return new Interpreters(
                find(env.get("LOCAL_LAMBDA_PYTHON"), "python3"),
                find(env.get("LOCAL_LAMBDA_NODE"), "node"),
                find(env.get("LOCAL_LAMBDA_RUBY"), "ruby"),
                clients);
    }

    /** The command template of the official Java runtime interface client on {@code ricClassPath}. */
    public static List<String> javaClient(String ricClassPath) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(),
                // The java21 runtime stops the JIT at tier 1 too: quicker starts for short handlers.
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", "{taskRoot}" + File.pathSeparator + "{taskRoot}/lib/*" + File.pathSeparator + ricClassPath,
                JAVA_RIC_MAIN);
    }

    public Interpreters withClient(Family family, List<String> command) {
        Map<Family, List<String>> copy = new EnumMap<>(Family.class);
        copy.putAll(clients);
        copy.put(family, List.copyOf(command));
        return new Interpreters(python, node, ruby, copy);
    }

    /** The interpreter for a family's built-in bootstrap, if one is installed. */
    Optional<Path> interpreter(Family family) {
        return Optional.ofNullable(switch (family) {
            case PYTHON -> python;
            case NODEJS -> node;
            case RUBY -> ruby;
            case JAVA, OTHER -> null;
        });
    }

    /**
     * The command that starts one execution environment, or empty when nothing here can run the family.
     */
    Optional<List<String>> command(Family family, String handler, Path taskRoot, Path bootstrapDir) {
        List<String> client = clients.get(family);
        List<String> command = new ArrayList<>();
        if (client != null) {
            client.forEach(part -> command.add(part.replace("{taskRoot}", taskRoot.toString())));
            command.add(handler);
            return Optional.of(command);
        }
        String bootstrap = switch (family) {
            case PYTHON -> "bootstrap.py";
            case NODEJS -> "bootstrap.mjs";
            case RUBY -> "bootstrap.rb";
            case JAVA, OTHER -> null;
        };
        Optional<Path> interpreter = interpreter(family);
        if (bootstrap == null || interpreter.isEmpty()) {
            return Optional.empty();
        }
        command.add(interpreter.get().toString());
        command.add(bootstrapDir.resolve(bootstrap).toString());
        return Optional.of(command);
    }

    private static Path find(String override, String name) {
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.contains("shims")) {
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
}
