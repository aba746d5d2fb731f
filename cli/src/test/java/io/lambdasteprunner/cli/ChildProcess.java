package io.lambdasteprunner.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A process a test starts, whose stdout and stderr go to files: reading them never blocks, a full pipe
 * never stalls the child, and every wait has a deadline after which the child is killed and the test
 * fails with what it wrote. Closing it stops the child.
 */
final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts the command with its input closed; stderr is kept apart from stdout unless the builder merges them. */
    static ChildProcess start(ProcessBuilder builder) {
        try {
            Path stdout = Files.createTempFile("child", ".out");
            Path stderr = Files.createTempFile("child", ".err");
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectOutput(stdout.toFile());
            if (!builder.redirectErrorStream()) {
                builder.redirectError(stderr.toFile());
            }
            return new ChildProcess(builder.start(), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What it wrote to stdout so far (stderr too, when the builder merged them). */
    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    /** Waits for it to end; kills it and fails the test when it takes longer than {@code deadline}. */
    int waitFor(Duration deadline) throws InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            fail("the child process did not end within " + deadline.toSeconds() + " s; it wrote:\n" + stdout()
                    + "\n" + stderr());
        }
        return process.exitValue();
    }

    /**
     * Waits until a line of stdout matches; fails the test when the process ends first or {@code deadline}
     * passes.
     */
    String awaitLine(Predicate<String> wanted, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            Optional<String> line = stdout().lines().filter(wanted).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive()) {
                fail("the child process ended (status " + process.exitValue() + ") without the line awaited; it wrote:\n"
                        + stdout() + "\n" + stderr());
            }
            Thread.sleep(50);
        }
        fail("the child process did not print the line awaited within " + deadline.toSeconds() + " s; it wrote:\n"
                + stdout() + "\n" + stderr());
        return null;
    }

    /** Stops it (SIGTERM, then SIGKILL after 20 s) and removes its output files. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
                fail("the child process did not stop within 20 s of SIGTERM");
            }
        } finally {
            try {
                Files.deleteIfExists(stdout);
                Files.deleteIfExists(stderr);
            } catch (IOException ignored) {
                // temporary files; the OS cleans them
            }
        }
    }

    private static String read(Path file) {
        try {
            // Bytes, not readString: a child may write anything, and a malformed byte must not fail the read.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
