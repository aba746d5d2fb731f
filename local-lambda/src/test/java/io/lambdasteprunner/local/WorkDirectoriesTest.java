package io.lambdasteprunner.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A service removes the work directories of services that were killed, and nothing else. */
class WorkDirectoriesTest {

    @TempDir
    Path tmp;

    @Test
    void findsTheDirectoryOfAProcessThatHasEnded() throws Exception {
        // Given a directory whose owner process has exited
        Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(10, TimeUnit.SECONDS));
        Path killed = owned("local-lambda-1", ended.pid() + " " + java.time.Instant.now());

        assertEquals(List.of(killed), WorkDirectories.abandoned(tmp));
    }

    @Test
    void findsTheDirectoryOfAPidNowUsedByAnotherProcess() throws Exception {
        // Given this process's pid, recorded with another start time (the pid was reused)
        Path reused = owned("local-lambda-2", ProcessHandle.current().pid() + " 2020-01-01T00:00:00Z");

        assertEquals(List.of(reused), WorkDirectories.abandoned(tmp));
    }

    @Test
    void keepsALiveServicesDirectoryAndWhatNoOwnerFileClaims() throws Exception {
        ProcessHandle self = ProcessHandle.current();
        owned("local-lambda-3", self.pid() + " " + self.info().startInstant().orElseThrow());
        Files.createDirectory(tmp.resolve("local-lambda-4"));
        Path other = Files.createDirectory(tmp.resolve("something-else"));
        Files.writeString(other.resolve(WorkDirectories.OWNER_FILE), "999999999 -");

        assertEquals(List.of(), WorkDirectories.abandoned(tmp));
    }

    @Test
    void removesWhatItFinds() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(10, TimeUnit.SECONDS));
        Path killed = owned("local-lambda-5", ended.pid() + " " + java.time.Instant.now());
        Files.createDirectories(killed.resolve("functions/runner-1/lib"));
        Files.writeString(killed.resolve("functions/runner-1/lib/runner.jar"), "code");

        WorkDirectories.removeAbandoned(tmp);

        assertFalse(Files.exists(killed));
    }

    private Path owned(String name, String owner) throws Exception {
        Path directory = Files.createDirectory(tmp.resolve(name));
        Files.writeString(directory.resolve(WorkDirectories.OWNER_FILE), owner);
        return directory;
    }
}
