package io.lambdasteprunner.local.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.State;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Deployment packages and waits the conformance cases share. */
final class Packages {

    static final String ECHO_CODE = """
            def lambda_handler(event, context):
                return {"event": event, "version": context.function_version, "arn": context.invoked_function_arn}
            """;
    static final byte[] ECHO_ZIP = zip(Map.of("lambda_function.py", ECHO_CODE.getBytes(StandardCharsets.UTF_8)));
    static final String ECHO_SHA256 = sha256(ECHO_ZIP);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Packages() {
    }

    /** CreateFunction's parameters for a Python echo function. */
    static ObjectNode echoFunction(String name, String role) {
        ObjectNode params = JSON.createObjectNode().put("FunctionName", name).put("Runtime", "python3.12")
                .put("Role", role).put("Handler", "lambda_function.lambda_handler");
        params.putObject("Code").set("ZipFile", BinaryNode.valueOf(ECHO_ZIP));
        return params;
    }

    /**
     * Replaces package tokens in a case's parameters: {@code "$zip:echo"} is the echo function's zip,
     * {@code "$zip:other"} a second code, {@code "$zip:random:<bytes>"} an incompressible zip of that size,
     * {@code "$zip:fn:<dir>"} the files of {@code conformance/functions/<dir>/} (the recorded tests'
     * functions), {@code "$zip:class:<name>+lib:<name>"} compiled test classes (a Java function; {@code lib:} ones in jars under {@code lib/}), {@code "$zip:sized:<bytes>"} a zip of one {@code handler.py} that long (it compresses
     * to almost nothing), and {@code "$base64:<text>"} the bytes it encodes (a payload that is no text).
     */
    static JsonNode expand(JsonNode node) {
        if (node.isTextual() && node.asText().startsWith("$base64:")) {
            return BinaryNode.valueOf(Base64.getDecoder().decode(node.asText().substring(8)));
        }
        if (node.isTextual() && node.asText().startsWith("$zip:")) {
            String what = node.asText().substring(5);
            if (what.startsWith("class:")) {
                return BinaryNode.valueOf(classZip(what.substring(6)));
            }
            if (what.startsWith("fn:")) {
                return BinaryNode.valueOf(functionZip(what.substring(3)));
            }
            if (what.startsWith("sized:")) {
                byte[] code = new byte[Integer.parseInt(what.substring(6))];
                Arrays.fill(code, (byte) '#');
                return BinaryNode.valueOf(zip(Map.of("handler.py", code)));
            }
            if (what.equals("echo")) {
                return BinaryNode.valueOf(ECHO_ZIP);
            }
            if (what.equals("other")) {
                return BinaryNode.valueOf(zip(Map.of("lambda_function.py",
                        (ECHO_CODE + "# another revision\n").getBytes(StandardCharsets.UTF_8))));
            }
            if (what.startsWith("random:")) {
                return BinaryNode.valueOf(randomZip(Integer.parseInt(what.substring(7))));
            }
            throw new IllegalArgumentException("unknown package " + node);
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            node.properties().forEach(entry -> copy.set(entry.getKey(), expand(entry.getValue())));
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(item -> copy.add(expand(item)));
            return copy;
        }
        return node;
    }

    /** Waits (polling, a minute at most) until the function is Active and no update is in progress. */
    static void awaitSettled(LambdaClient lambda, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            GetFunctionConfigurationResponse configuration = lambda.getFunctionConfiguration(r -> r.functionName(name));
            if (configuration.state() == State.ACTIVE && configuration.lastUpdateStatus() != LastUpdateStatus.IN_PROGRESS) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " did not become Active with its update done within a minute");
    }

    /**
     * Compiled test classes (a Java function), {@code +} between them, zipped at their package paths; a
     * class written {@code lib:<name>} goes into its own jar, {@code lib/<SimpleName>.jar}, as a
     * package carries the libraries its function needs.
     */
    static byte[] classZip(String classNames) {
        Map<String, byte[]> files = new TreeMap<>();
        for (String className : classNames.split("\\+")) {
            if (className.startsWith("lib:")) {
                String name = className.substring(4);
                files.put("lib/" + name.substring(name.lastIndexOf('.') + 1) + ".jar", classZip(name));
            } else {
                files.put(className.replace('.', '/') + ".class", classBytes(className));
            }
        }
        return zip(files);
    }

    private static byte[] classBytes(String className) {
        String path = className.replace('.', '/') + ".class";
        try (var in = Packages.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no class " + className + " on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The files under the test resource directories {@code conformance/functions/<dir>/} ({@code a+b}
     * joins two directories), zipped; a file that starts with {@code #!} is a script, executable in
     * the zip (mode 755), as a deployment package carries a runtime wrapper.
     */
    static byte[] functionZip(String dirs) {
        Map<String, byte[]> files = new TreeMap<>();
        for (String dir : dirs.split("\\+")) {
            try {
                URL url = Packages.class.getResource("/conformance/functions/" + dir);
                if (url == null) {
                    throw new IllegalArgumentException("no conformance/functions/" + dir + " on the test class path");
                }
                Path root = Path.of(url.toURI());
                try (Stream<Path> paths = Files.walk(root)) {
                    for (Path file : paths.filter(Files::isRegularFile).toList()) {
                        files.put(root.relativize(file).toString(), Files.readAllBytes(file));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        }
        boolean scripts = files.values().stream().anyMatch(Packages::isScript);
        return scripts ? zipWithScripts(files) : zip(files);
    }

    private static boolean isScript(byte[] content) {
        return content.length > 2 && content[0] == '#' && content[1] == '!';
    }

    /** A zip whose scripts are executable: the JDK's zip file system writes Unix modes. */
    private static byte[] zipWithScripts(Map<String, byte[]> files) {
        try {
            Path dir = Files.createTempDirectory("conformance-zip-");
            Path file = dir.resolve("package.zip");
            try {
                try (FileSystem zip = FileSystems.newFileSystem(file, Map.of("create", "true", "enablePosixFileAttributes", "true"))) {
                    for (var entry : files.entrySet()) {
                        Path target = zip.getPath(entry.getKey());
                        if (target.getParent() != null) {
                            Files.createDirectories(target.getParent());
                        }
                        Files.write(target, entry.getValue());
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                                isScript(entry.getValue()) ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] zip(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A zip of at least {@code size} bytes whose content does not compress (stored random bytes). */
    static byte[] randomZip(int size) {
        byte[] content = new byte[size];
        new Random(42).nextBytes(content);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size + 1024);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(0);
            zip.putNextEntry(new ZipEntry("blob.bin"));
            zip.write(content);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
