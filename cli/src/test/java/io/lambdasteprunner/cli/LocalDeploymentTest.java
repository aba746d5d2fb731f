package io.lambdasteprunner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalDeploymentTest {

    @TempDir
    Path dir;

    private Path jar() throws Exception {
        Path jar = dir.resolve("target/lambda-step-runner.jar");
        Files.createDirectories(jar.getParent());
        return Files.write(jar, new byte[] {1, 2, 3});
    }

    @Test
    void shouldPreferTheJavaRicClassPathFromTheEnvironment() throws Exception {
        // Given LOCAL_LAMBDA_JAVA_RIC and a java-ric directory beside the jar
        Path jar = jar();
        Files.createDirectories(dir.resolve("target/java-ric"));
        Files.write(dir.resolve("target/java-ric/ric.jar"), new byte[0]);

        // When / Then
        assertEquals("/opt/ric/*", LocalDeployment.javaRicClassPath(Map.of("LOCAL_LAMBDA_JAVA_RIC", "/opt/ric/*"), jar));
    }

    @Test
    void shouldUseTheJavaRicCopiedBesideTheJar() throws Exception {
        Path jar = jar();
        Files.createDirectories(dir.resolve("target/java-ric"));
        Files.write(dir.resolve("target/java-ric/ric.jar"), new byte[0]);

        assertEquals(dir.resolve("target/java-ric") + "/*",
                LocalDeployment.javaRicClassPath(Map.of("HOME", dir.resolve("home").toString()), jar));
    }

    @Test
    void shouldFallBackToTheLocalMavenRepository() throws Exception {
        Path jar = jar();
        Path repository = dir.resolve("home/.m2/repository");
        for (String file : LocalDeployment.RIC_IN_MAVEN_REPOSITORY) {
            Files.createDirectories(repository.resolve(file).getParent());
            Files.write(repository.resolve(file), new byte[0]);
        }

        String classPath = LocalDeployment.javaRicClassPath(Map.of("HOME", dir.resolve("home").toString()), jar);

        assertEquals(4, classPath.split(":").length, classPath);
        assertTrue(classPath.contains("aws-lambda-java-runtime-interface-client-2.9.0.jar"), classPath);
    }

    @Test
    void shouldSayWhatToRunWhenTheJavaRicIsMissing() throws Exception {
        Path jar = jar();

        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> LocalDeployment.javaRicClassPath(Map.of("HOME", dir.resolve("home").toString()), jar));

        assertTrue(missing.getMessage().contains("mvn -q package"), missing.getMessage());
        assertTrue(missing.getMessage().contains("LOCAL_LAMBDA_JAVA_RIC"), missing.getMessage());
    }

    @Test
    void shouldPackTheJarUnderLibAsLambdasJavaRuntimeExpects() throws Exception {
        Path jar = jar();

        byte[] zip = LocalDeployment.zipUnderLib(jar);

        try (ZipInputStream entries = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry = entries.getNextEntry();
            assertEquals("lib/lambda-step-runner.jar", entry.getName());
            assertArrayEquals(new byte[] {1, 2, 3}, entries.readAllBytes());
            assertNull(entries.getNextEntry());
        }
    }

    @Test
    void shouldGiveTheLocalDefaultRoleAndPassTheCallersSettingsThrough() {
        Map<String, String> env = LocalDeployment.localEnvironment(Map.of(
                "GENERATED_FUNCTION_PREFIX", "ops", "POWERTOOLS_LOG_LEVEL", "DEBUG", "UNRELATED", "x"), Main.LOCAL_ROLE_ARN);

        assertEquals(Main.LOCAL_ROLE_ARN, env.get("DEFAULT_EXECUTION_ROLE_ARN"));
        assertEquals("ops", env.get("GENERATED_FUNCTION_PREFIX"));
        assertEquals("DEBUG", env.get("POWERTOOLS_LOG_LEVEL"));
        assertEquals("true", env.get("POWERTOOLS_METRICS_DISABLED"));
        assertNull(env.get("UNRELATED"));
        assertNull(env.get("ALLOWED_EXECUTION_ROLE_ARNS"));
    }
}
