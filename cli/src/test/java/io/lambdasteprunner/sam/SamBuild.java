package io.lambdasteprunner.sam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sam build} as a user runs it on a fresh clone, once per test JVM: the application's sources
 * (template, samconfig, Makefile, the poms, the Lambda artifact's modules, statemachine) are copied to {@code target/sam-app},
 * so the Makefile's own Maven build does not touch the running build's {@code target/}.
 */
final class SamBuild {
    static final Path APP = Tools.ROOT.resolve("target/sam-app");
    /** What SAM's makefile build reads: every module's pom (the reactor needs them), the Lambda artifact's sources. */
    private static final List<String> SOURCES = List.of("template.yaml", "samconfig.toml", "Makefile", "pom.xml", ".mvn",
            "scripts/java-env.sh", "lambda-facts/pom.xml", "local-lambda/pom.xml", "step-runner/pom.xml", "cli/pom.xml",
            "lambda-facts/src/main", "step-runner/src/main", "statemachine");
    private static Tools.Result result;

    private SamBuild() {
    }

    /** The output of the one {@code sam build}; runs it on first use. */
    static synchronized Tools.Result result() {
        if (result == null) {
            copySources();
            result = Tools.run(APP, Map.of(), 600, List.of(Tools.sam().toString(), "build"));
        }
        return result;
    }

    /** The step runner's built artifact directory, {@code .aws-sam/build/StepRunnerFunction}, after a successful build. */
    static Path stepRunnerArtifact() {
        Tools.Result build = result();
        assertEquals(0, build.status(), "sam build failed:\n" + build.output());
        Path artifact = APP.resolve(".aws-sam/build/StepRunnerFunction");
        assertTrue(Files.isDirectory(artifact), "no " + artifact + " after sam build:\n" + build.output());
        return artifact;
    }

    private static void copySources() {
        try {
            if (Files.exists(APP)) {
                try (Stream<Path> old = Files.walk(APP)) {
                    old.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
            for (String source : SOURCES) {
                Path from = Tools.ROOT.resolve(source);
                try (Stream<Path> files = Files.walk(from)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Path to = APP.resolve(Tools.ROOT.relativize(file).toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(to);
                        } else {
                            Files.createDirectories(to.getParent());
                            Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
