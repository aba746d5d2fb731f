package io.lambdasteprunner.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The service's own temporary directories ({@code local-lambda-*} under {@code java.io.tmpdir}): each says which
 * process owns it, so that a service started later removes what one that was killed (SIGKILL, a crash) could
 * not: unpacked code and a copy of every deployed package, 16 MB for the step runner alone.
 */
final class WorkDirectories {

    static final String PREFIX = "local-lambda-";
    static final String OWNER_FILE = "owner";

    private WorkDirectories() {
    }

    /** A new directory owned by this process. */
    static Path create() throws IOException {
        Path directory = Files.createTempDirectory(PREFIX);
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(directory.resolve(OWNER_FILE), self.pid() + " "
                + self.info().startInstant().map(Instant::toString).orElse("-"), StandardCharsets.UTF_8);
        return directory;
    }

    /**
     * The directories in {@code tmp} whose owner process has ended (or whose pid now names another process,
     * started at another time). A directory without an owner file is never taken: nothing says it is ours.
     */
    static List<Path> abandoned(Path tmp) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path candidate : candidates) {
                if (Files.isDirectory(candidate) && ownerGone(candidate.resolve(OWNER_FILE))) {
                    found.add(candidate);
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // Another user's temporary directory, or one being removed: nothing to clean.
        }
        return found;
    }

    /** Removes {@link #abandoned} directories; run off the start-up path. */
    static void removeAbandoned(Path tmp) {
        abandoned(tmp).forEach(FunctionRegistry::deleteQuietly);
    }

    private static boolean ownerGone(Path ownerFile) {
        String[] owner;
        try {
            owner = Files.readString(ownerFile, StandardCharsets.UTF_8).trim().split(" ");
        } catch (IOException noOwner) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(owner[0]);
        } catch (NumberFormatException notOurs) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        String started = process.get().info().startInstant().map(Instant::toString).orElse("-");
        return owner.length > 1 && !owner[1].equals("-") && !started.equals("-") && !owner[1].equals(started);
    }
}
