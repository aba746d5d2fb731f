package io.lambdasteprunner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
            assertEquals(ZipEntry.STORED, entry.getMethod(), "the jar is compressed already: stored, not deflated again");
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

    @Test
    void shouldPassEveryRunnerSettingThroughButNotTheEndpointsOrCredentials() {
        // Given a caller's environment with every runner setting, Powertools settings, endpoints and keys
        Map<String, String> caller = new java.util.HashMap<>(Map.of(
                "ALLOWED_ASSUME_ROLE_ARNS", "arn:aws:iam::222233334444:role/runbooks-*",
                "ALLOWED_EXECUTION_ROLE_ARNS", "arn:aws:iam::222233334444:role/exec-*",
                "DEFAULT_EXECUTION_ROLE_ARN", "arn:aws:iam::000000000000:role/exec-default",
                "MAX_STEP_DEPTH", "3", "ORPHAN_MAX_AGE_MINUTES", "30", "MAX_RESULT_BYTES", "1000",
                "RESULT_BUCKET", "step-results", "RESULT_PREFIX", "runs/",
                "GENERATED_FUNCTION_LOG_GROUP", "/runbooks/steps", "POWERTOOLS_SERVICE_NAME", "ops-steps"));
        caller.putAll(Map.of("POWERTOOLS_METRICS_NAMESPACE", "Runbooks", "POWERTOOLS_METRICS_DISABLED", "false",
                "AWS_ENDPOINT_URL_LAMBDA", "https://lambda.example", "AWS_ENDPOINT_URL_STS", "https://sts.example",
                "AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", "AWS_REGION", "eu-west-1"));

        // When the local deployment's environment is made from it
        Map<String, String> env = LocalDeployment.localEnvironment(caller, Main.LOCAL_ROLE_ARN);

        // Then the runner gets its settings; the service decides endpoints, keys and region; metrics stay off
        for (String name : List.of("ALLOWED_ASSUME_ROLE_ARNS", "ALLOWED_EXECUTION_ROLE_ARNS", "DEFAULT_EXECUTION_ROLE_ARN",
                "MAX_STEP_DEPTH", "ORPHAN_MAX_AGE_MINUTES", "MAX_RESULT_BYTES", "RESULT_BUCKET", "RESULT_PREFIX",
                "GENERATED_FUNCTION_LOG_GROUP", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")) {
            assertEquals(caller.get(name), env.get(name), name);
        }
        assertEquals("true", env.get("POWERTOOLS_METRICS_DISABLED"));
        for (String name : List.of("AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_STS", "AWS_ACCESS_KEY_ID", "AWS_REGION")) {
            assertNull(env.get(name), name);
        }
    }

    @Test
    void shouldStartTheRunnersJvmAsTheTemplateDoes() throws Exception {
        // The template's line, e.g. JAVA_TOOL_OPTIONS: "-XX:+TieredCompilation ..."
        java.util.regex.Matcher line = java.util.regex.Pattern.compile("JAVA_TOOL_OPTIONS: \"([^\"]*)\"")
                .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("template.yaml")));
        assertTrue(line.find(), "template.yaml sets the runner's JAVA_TOOL_OPTIONS");

        Map<String, String> env = LocalDeployment.localEnvironment(Map.of(), Main.LOCAL_ROLE_ARN);

        assertEquals(line.group(1), env.get("JAVA_TOOL_OPTIONS"));
        assertTrue(env.get("JAVA_TOOL_OPTIONS").contains("-Dsun.net.http.retryPost=false"));
    }
}
