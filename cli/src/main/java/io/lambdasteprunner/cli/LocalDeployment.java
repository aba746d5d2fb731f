package io.lambdasteprunner.cli;

import io.lambdasteprunner.local.FunctionDeployment;
import io.lambdasteprunner.local.Interpreters;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.facts.LambdaRuntimes.Family;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Deploys the step runner itself into a local Lambda service, as SAM deploys it on AWS: the
 * {@code java21} function {@value #FUNCTION_NAME} with the handler {@value #HANDLER}, its code the
 * shaded jar (under {@code lib/}, as Lambda's Java runtime expects), and a published version behind
 * the alias {@value #ALIAS}. The service runs it under the official Java runtime interface client,
 * so a Step Functions runner, the AWS CLI or an SDK pointed at the service calls the same handler
 * Lambda would.
 *
 * <p>Used by {@code serve} and by the tests that run the example workflow. Stateless; the methods
 * that touch files or the service say what they need.
 */
public final class LocalDeployment {

    /** The function name, as in {@code template.yaml}'s outputs and DESIGN.md. */
    public static final String FUNCTION_NAME = "lambda-step-runner";
    /** The deployed handler: failures surface under their stable error names. */
    public static final String HANDLER = "StepRunnerHandler::handleRequest";
    /** The alias the template's API, rule and state machine call. */
    public static final String ALIAS = "live";
    /** The Lambda artifact's file name, as SAM deploys it. */
    public static final String ARTIFACT_NAME = "lambda-step-runner.jar";
    /** The Lambda artifact {@code mvn package} builds, from the repository's root. */
    public static final Path BUILT_JAR = Path.of("step-runner", "target", ARTIFACT_NAME);

    /**
     * The Java runtime interface client and what it needs at run time, as the pom resolves them
     * (keep in step with the pom's {@code copy-java-ric} execution), relative to a Maven repository.
     */
    static final List<String> RIC_IN_MAVEN_REPOSITORY = List.of(
            "com/amazonaws/aws-lambda-java-runtime-interface-client/2.9.0/aws-lambda-java-runtime-interface-client-2.9.0.jar",
            "com/amazonaws/aws-lambda-java-core/1.4.0/aws-lambda-java-core-1.4.0.jar",
            "com/amazonaws/aws-lambda-java-serialization/1.2.0/aws-lambda-java-serialization-1.2.0.jar",
            "software/amazon/awssdk/utils-lite/2.57.8/utils-lite-2.57.8.jar");

    private static final String MISSING_RIC = "the step runner runs locally as a java21 function under the official "
            + "Java runtime interface client, which was not found. Build the project with 'mvn -q package' (it copies "
            + "the client to cli/target/java-ric), or set LOCAL_LAMBDA_JAVA_RIC to its class path";

    private LocalDeployment() {
    }

    /**
     * The Lambda artifact to deploy: {@value #ARTIFACT_NAME} beside the command-line jar this code runs
     * from ({@code cli/target}), else {@code step-runner/target/lambda-step-runner.jar} (tests and IDE
     * runs from the repository's root, after {@code mvn package}).
     *
     * @throws IllegalStateException saying what to build when neither exists
     */
    public static Path runnerJar() {
        Optional<Path> beside = runningJar().map(jar -> jar.resolveSibling(ARTIFACT_NAME)).filter(Files::isRegularFile);
        if (beside.isPresent()) {
            return beside.get();
        }
        if (Files.isRegularFile(BUILT_JAR)) {
            return BUILT_JAR.toAbsolutePath();
        }
        throw new IllegalStateException("no step runner jar to deploy: run 'mvn -q package' to build "
                + BUILT_JAR);
    }

    /**
     * The class path of the Java runtime interface client: {@code LOCAL_LAMBDA_JAVA_RIC} when set, else
     * {@code java-ric/} beside the jar ({@code cli/target/java-ric} after {@code mvn package}), else the
     * jars in the local Maven repository ({@code ~/.m2/repository}).
     *
     * @throws IllegalStateException naming what to run when none is found
     */
    public static String javaRicClassPath(Map<String, String> env, Path jar) {
        String configured = env.get("LOCAL_LAMBDA_JAVA_RIC");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path beside = jar.toAbsolutePath().getParent().resolve("java-ric");
        if (Files.isDirectory(beside) && hasJars(beside)) {
            return beside + File.separator + "*";
        }
        Path repository = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".m2", "repository");
        List<Path> jars = RIC_IN_MAVEN_REPOSITORY.stream().map(repository::resolve).toList();
        if (jars.stream().allMatch(Files::isRegularFile)) {
            return String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
        }
        throw new IllegalStateException(MISSING_RIC);
    }

    /** {@code config} with {@code java*} functions run by the Java runtime interface client on {@code ricClassPath}. */
    public static LocalLambdaConfig withJavaRuntime(LocalLambdaConfig config, String ricClassPath) {
        return config.withInterpreters(config.interpreters()
                .withClient(Family.JAVA, Interpreters.javaClient(ricClassPath)));
    }

    /**
     * Deploys the function {@value #FUNCTION_NAME} from {@code jar} into {@code service}, as CreateFunction with
     * {@code Publish: true} then CreateAlias would, but in-process: the service starts the published version's
     * environment while the function is Pending, this waits until it is Active (at most a minute) and points
     * {@value #ALIAS} at the version. Callers reach it through the service's API like any function.
     *
     * @param environment the function's environment ({@code DEFAULT_EXECUTION_ROLE_ARN} and the rest of
     *                    DESIGN.md's configuration); Lambda's own variables are added by the service
     * @return the alias's ARN, and how long each part took
     * @throws IllegalStateException when the function fails to become Active (with what its log says)
     */
    public static FunctionDeployment.Deployed deploy(LocalLambdaService service, Path jar, String roleArn,
                                                     Map<String, String> environment) {
        return service.deploy(new FunctionDeployment(FUNCTION_NAME, "java21", HANDLER, roleArn,
                "lambda-step-runner (local)", 1024, 900, environment, zipUnderLib(jar), ALIAS), Duration.ofMinutes(1));
    }

    /**
     * The runner's settings a local deployment passes through from the caller's environment when set,
     * as {@code template.yaml} sets them on AWS. Not the endpoints: the deployed runner's Lambda and
     * STS calls go to the service it runs in ({@code AWS_ENDPOINT_URL_LAMBDA} and
     * {@code AWS_ENDPOINT_URL_STS}, which the service gives every function).
     */
    /**
     * The runner's {@code JAVA_TOOL_OPTIONS}, as {@code template.yaml} sets them: the JIT at tier 1 (the java21
     * runtime's default) and the JDK's POST resend off, which lets the runner buffer request bodies
     * ({@code LambdaClients}).
     */
    public static final String RUNNER_JAVA_TOOL_OPTIONS =
            "-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -Dsun.net.http.retryPost=false";

    static final List<String> RUNNER_SETTINGS = List.of(
            "ALLOWED_ASSUME_ROLE_ARNS", "ALLOWED_EXECUTION_ROLE_ARNS", "GENERATED_FUNCTION_PREFIX",
            "GENERATED_FUNCTION_LOG_GROUP", "MAX_STEP_DEPTH", "ORPHAN_MAX_AGE_MINUTES", "MAX_RESULT_BYTES",
            "RESULT_BUCKET", "RESULT_PREFIX", "AWS_ENDPOINT_URL_S3");

    /**
     * The step runner's environment in local mode: the local default role, the caller's runner
     * settings ({@link #RUNNER_SETTINGS}) and Powertools settings ({@code POWERTOOLS_*}) when set, and the
     * template's {@code JAVA_TOOL_OPTIONS}.
     * Metrics are off (no CloudWatch here).
     */
    public static Map<String, String> localEnvironment(Map<String, String> env, String defaultRoleArn) {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("DEFAULT_EXECUTION_ROLE_ARN", env.getOrDefault("DEFAULT_EXECUTION_ROLE_ARN", defaultRoleArn));
        for (String name : RUNNER_SETTINGS) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                variables.put(name, value);
            }
        }
        env.keySet().stream().filter(name -> name.startsWith("POWERTOOLS_")).sorted()
                .filter(name -> !env.get(name).isBlank())
                .forEach(name -> variables.put(name, env.get(name)));
        variables.putIfAbsent("POWERTOOLS_SERVICE_NAME", FUNCTION_NAME);
        variables.put("POWERTOOLS_METRICS_DISABLED", "true");
        variables.put("JAVA_TOOL_OPTIONS", RUNNER_JAVA_TOOL_OPTIONS);
        return variables;
    }

    /**
     * The jar as Lambda's Java runtime reads a zip: {@code lib/<name>.jar}, which is on its class path.
     * The jar is stored, not deflated again: its classes are compressed already, so deflating saves
     * 12 % and costs a third of a second on each deploy, and the service's unpacking is one file copy.
     */
    static byte[] zipUnderLib(Path jar) {
        try {
            byte[] bytes = Files.readAllBytes(jar);
            CRC32 crc = new CRC32();
            crc.update(bytes);
            ZipEntry entry = new ZipEntry("lib/" + jar.getFileName());
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(bytes.length);
            entry.setCompressedSize(bytes.length);
            entry.setCrc(crc.getValue());
            entry.setTime(Files.getLastModifiedTime(jar).toMillis());
            ByteArrayOutputStream zip = new ByteArrayOutputStream(bytes.length + 256);
            try (ZipOutputStream out = new ZipOutputStream(zip)) {
                out.putNextEntry(entry);
                out.write(bytes);
                out.closeEntry();
            }
            return zip.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the step runner jar " + jar + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> runningJar() {
        try {
            var source = LocalDeployment.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path location = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(location) && location.toString().endsWith(".jar")
                    ? Optional.of(location) : Optional.empty();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean hasJars(Path dir) {
        try (var files = Files.list(dir)) {
            return files.anyMatch(file -> file.toString().endsWith(".jar"));
        } catch (IOException e) {
            return false;
        }
    }
}
