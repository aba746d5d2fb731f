package io.lambdasteprunner.lambda;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real S3 server on loopback: moto's server ({@code .tools/moto-venv}, installed by
 * {@code scripts/setup-tools.sh}), started on a free port and stopped by {@link #close()}. Buckets are made
 * and objects read back with the AWS CLI ({@code .venv}), an S3 client independent of the runner's.
 */
public final class MotoS3 implements AutoCloseable {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path MOTO_SERVER = ROOT.resolve(".tools/moto-venv/bin/moto_server");
    static final Path AWS_CLI = ROOT.resolve(".venv/bin/aws");
    /** moto starts in one to three seconds; a busy machine may take many times that. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final long CLI_TIMEOUT_SECONDS = 120;

    /** The IAM user moto checks signatures and policies for, in {@link #startCheckingSignatures(String)}. */
    public record Credentials(String accessKeyId, String secretAccessKey) {
    }

    private final Process process;
    private final Path log;
    private final URI endpoint;
    private Credentials credentials = new Credentials("testing", "testing");

    private MotoS3(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
    }

    /** Starts moto's server, accepting any signature, and waits until it answers. */
    public static MotoS3 start() {
        return start(Map.of());
    }

    /**
     * Starts moto's server with its IAM checks on: every request must be signed right (SigV4) by a user
     * whose policy allows it. The user is created first and may only do what {@code policyJson} allows.
     */
    public static MotoS3 startCheckingSignatures(String policyJson) {
        // moto lets the first three requests through unsigned: they create the user, its key and policy.
        MotoS3 moto = start(Map.of("INITIAL_NO_AUTH_ACTION_COUNT", "3"));
        moto.cli(List.of("iam", "create-user", "--user-name", "step-runner"));
        String key = moto.cli(List.of("iam", "create-access-key", "--user-name", "step-runner", "--query",
                "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text")).trim();
        moto.cli(List.of("iam", "put-user-policy", "--user-name", "step-runner", "--policy-name", "results",
                "--policy-document", policyJson));
        String[] parts = key.split("\\s+");
        moto.credentials = new Credentials(parts[0], parts[1]);
        return moto;
    }

    /** The credentials requests to this server are signed with. */
    public Credentials credentials() {
        return credentials;
    }

    private static MotoS3 start(Map<String, String> serverEnvironment) {
        assertTrue(Files.isExecutable(MOTO_SERVER), MOTO_SERVER + " is missing: run scripts/setup-tools.sh");
        try {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            Path log = Files.createTempFile("moto", ".log");
            ProcessBuilder builder = new ProcessBuilder(MOTO_SERVER.toString(), "-H", "127.0.0.1", "-p",
                    Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(serverEnvironment);
            Process process = builder.start();
            MotoS3 moto = new MotoS3(process, log, URI.create("http://127.0.0.1:" + port));
            moto.awaitReady();
            return moto;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The environment that points the runner's S3 writes at this server. */
    public Map<String, String> environment(String bucket) {
        return Map.of("RESULT_BUCKET", bucket, "AWS_ENDPOINT_URL_S3", endpoint.toString(), "AWS_REGION", "us-east-1");
    }

    public void createBucket(String bucket) {
        cli(List.of("s3api", "create-bucket", "--bucket", bucket));
    }

    /** The object's bytes, read with the AWS CLI. */
    public byte[] object(String bucket, String key) {
        try {
            Path file = Files.createTempFile("s3-object", ".json");
            try {
                cli(List.of("s3api", "get-object", "--bucket", bucket, "--key", key, file.toString()));
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The object's {@code Content-Type}, as S3 reports it. */
    public String contentType(String bucket, String key) {
        String head = cli(List.of("s3api", "head-object", "--bucket", bucket, "--key", key,
                "--query", "ContentType", "--output", "text"));
        return head.trim();
    }

    private String cli(List<String> arguments) {
        assertTrue(Files.isExecutable(AWS_CLI), AWS_CLI + " is missing: run scripts/setup-tools.sh");
        List<String> command = new ArrayList<>(List.of(AWS_CLI.toString(), "--endpoint-url", endpoint.toString(),
                "--region", "us-east-1"));
        command.addAll(arguments);
        try {
            Path output = Files.createTempFile("aws-cli", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                builder.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", credentials.accessKeyId(),
                        "AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey(),
                        "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
                Process cli = builder.start();
                if (!cli.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    cli.destroyForcibly().waitFor();
                    fail("aws " + String.join(" ", arguments) + " did not finish within " + CLI_TIMEOUT_SECONDS + " s");
                }
                String text = Files.readString(output, StandardCharsets.UTF_8);
                if (cli.exitValue() != 0) {
                    fail("aws " + String.join(" ", arguments) + " failed (" + cli.exitValue() + "):\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String output = Files.readString(log);
                close();
                fail("moto_server exited with " + process.exitValue() + ":\n" + output);
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() < 500) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        String output = Files.readString(log);
        close();
        fail("moto_server did not answer within " + START_TIMEOUT.toSeconds() + " s:\n" + output);
    }

    @Override
    public void close() {
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
