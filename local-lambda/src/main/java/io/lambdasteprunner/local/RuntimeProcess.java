package io.lambdasteprunner.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operating-system side of one execution environment: the runtime's process (inside its sandbox
 * when there is one), the environment's own directory ({@code tmp/}, {@code task/} for a spare, the
 * output file) and the ways it ends: killed whole, its exit status told as Lambda tells it. After a
 * timeout the runtime starts again in the same environment ({@link #restart()}).
 *
 * <p>{@link #kill()} may be called from any thread, more than once.
 */
final class RuntimeProcess {

    /** Go's names for signals, which Lambda's {@code Runtime.ExitError} messages use ("signal: killed"). */
    private static final List<String> SIGNALS = List.of("", "hangup", "interrupt", "quit", "illegal instruction",
            "trace/breakpoint trap", "aborted", "bus error", "floating point exception", "killed",
            "user defined signal 1", "segmentation fault", "user defined signal 2", "broken pipe", "alarm clock",
            "terminated", "stack fault", "child exited", "continued", "stopped (signal)", "stopped",
            "stopped (tty input)", "stopped (tty output)", "urgent I/O condition", "CPU time limit exceeded",
            "file size limit exceeded", "virtual timer expired", "profiling timer expired", "window changed",
            "I/O possible", "power failure", "bad system call");

    /** bwrap in a sandbox (the same for the environment's life); the runtime itself, replaced at a restart, without. */
    private volatile Process process;
    private final ProcessStarter starter;
    private final ProcessBuilder builder;
    private final Path directory;
    private final boolean sandboxed;
    private final String runtimeApiToken;
    private long runtimePid = -1;
    private FileChannel procStatus;
    private boolean killed;
    private List<ProcessHandle> killedTree = List.of();
    private boolean cleaned;
    private final java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();

    private RuntimeProcess(Process process, ProcessStarter starter, ProcessBuilder builder, Path directory,
                           boolean sandboxed, String runtimeApiToken) {
        this.process = process;
        this.starter = starter;
        this.builder = builder;
        this.directory = directory;
        this.sandboxed = sandboxed;
        this.runtimeApiToken = runtimeApiToken;
    }

    /** A new environment directory under {@code parent}, with its {@code tmp/} and {@code task/}. */
    static Path createDirectory(Path parent) {
        try {
            Path directory = Files.createTempDirectory(parent, "env-");
            Files.createDirectory(directory.resolve("tmp"));
            Files.createDirectory(directory.resolve("task"));
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code command} (already wrapped in its sandbox) with exactly {@code environment}, its
     * output appended to the environment's output file. Standard input is {@code /dev/null}, or a pipe
     * for a spare, which reads its function from it.
     */
    static RuntimeProcess start(ProcessStarter starter, List<String> command, Map<String, String> environment,
                                Path workingDir, Path directory, boolean sandboxed, boolean stdinPipe) {
        return start(starter, command, environment, workingDir, directory, sandboxed, stdinPipe, RuntimeProtocol.newToken());
    }

    /**
     * As above, for a sandbox whose {@code /etc/hosts} already names the Runtime API of {@code
     * runtimeApiToken} (a spare's, before its function is known).
     */
    static RuntimeProcess start(ProcessStarter starter, List<String> command, Map<String, String> environment,
                                Path workingDir, Path directory, boolean sandboxed, boolean stdinPipe,
                                String runtimeApiToken) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                // Appending, so that the service may empty the file under the running process.
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile(directory).toFile()));
        if (!stdinPipe) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            return new RuntimeProcess(starter.start(builder), starter, builder, directory, sandboxed, runtimeApiToken);
        } catch (IOException e) {
            deleteQuietly(directory);
            throw new UncheckedIOException(e);
        }
    }

    /** A spare's {@code restart/} directory, which keeps its function's assignment ({@link #keepAssignment}). */
    static Path createRestartDirectory(Path directory) {
        try {
            return Files.createDirectories(directory.resolve("restart"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Keeps the assignment a spare got on its standard input, for the runtime that replaces it after a
     * timeout: it starts as a spare again and reads the copy instead.
     */
    void keepAssignment(byte[] assignment) throws IOException {
        Path file = createRestartDirectory(directory).resolve(Sandbox.ASSIGNMENT_FILE);
        Files.write(file, assignment);
    }

    static Path outputFile(Path directory) {
        return directory.resolve("output.log");
    }

    Path outputFile() {
        return outputFile(directory);
    }

    Path directory() {
        return directory;
    }

    /** The environment's private temporary directory, on the host. */
    Path tmpDir() {
        return directory.resolve("tmp");
    }

    /** The directory a spare's sandbox shows at {@code /var/task}, which receives its function's code. */
    Path taskDir() {
        return directory.resolve("task");
    }

    Process process() {
        return process;
    }

    /** The token of the Runtime API this process's sandbox resolves ({@link Sandbox#hostsFile}). */
    String runtimeApiToken() {
        return runtimeApiToken;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Why the runtime ended, in Lambda's words ({@code exit status 3}, {@code signal: bus error}), or
     * null when it exited with 0 or still runs. A process killed by signal N exits with 128 + N, here
     * and through bwrap alike.
     */
    String exitReason() {
        if (process.isAlive()) {
            return null;
        }
        int code = process.exitValue();
        if (code == 0) {
            return null;
        }
        if (code > 128 && code - 128 < SIGNALS.size()) {
            return "signal: " + SIGNALS.get(code - 128);
        }
        return "exit status " + code;
    }

    /** Peak resident memory of the runtime (VmHWM), as Lambda reports it; 0 when it cannot be read. */
    synchronized long maxMemoryUsedMb() {
        try {
            if (procStatus == null) {
                if (runtimePid() < 0) {
                    return 0;
                }
                procStatus = FileChannel.open(Path.of("/proc", Long.toString(runtimePid()), "status"));
            }
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            // /proc regenerates the file on every read from offset 0, so one open channel serves all invokes.
            int read = procStatus.read(buffer, 0);
            String status = new String(buffer.array(), 0, Math.max(read, 0), StandardCharsets.US_ASCII);
            int at = status.indexOf("VmHWM:");
            if (at >= 0) {
                return Math.max(1, Long.parseLong(status.substring(at + 6, status.indexOf(" kB", at)).trim()) / 1024);
            }
        } catch (IOException | RuntimeException e) {
            // The process is gone (timeout, crash) or /proc is absent: report what we know, and look
            // for the runtime afresh next time (one that was dying as a restart began).
            forgetRuntimePid();
        }
        return 0;
    }

    /**
     * The runtime's own pid: under bwrap, the deepest process of the sandbox (bwrap, its init, the
     * supervisor, the runtime).
     */
    private long runtimePid() {
        if (runtimePid < 0) {
            long pid = process.pid();
            if (sandboxed) {
                for (int depth = 0; depth < 3; depth++) {
                    List<Long> children = childrenOf(pid);
                    if (children.isEmpty()) {
                        return -1; // not there yet (a runtime restarting): not remembered
                    }
                    pid = children.get(0);
                }
            }
            runtimePid = pid;
        }
        return runtimePid;
    }

    /**
     * A process's children, from {@code /proc/PID/task/*}{@code /children}: a few small reads, where
     * {@link ProcessHandle#children()} reads the status of every process on the machine.
     */
    private static List<Long> childrenOf(long pid) {
        List<Long> children = new java.util.ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                    if (!child.isEmpty()) {
                        children.add(Long.parseLong(child));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(handle -> handle.children().map(ProcessHandle::pid).toList()).orElse(List.of());
        }
        return children;
    }

    /** A process's descendants, depth first, read as {@link #childrenOf} reads children. */
    private static List<ProcessHandle> descendantsOf(long pid) {
        List<ProcessHandle> found = new java.util.ArrayList<>();
        for (long child : childrenOf(pid)) {
            ProcessHandle.of(child).ifPresent(found::add);
            found.addAll(descendantsOf(child));
        }
        return found;
    }

    /**
     * Kills the runtime and everything it started. In a sandbox, the end of bwrap ends its PID
     * namespace ({@code --die-with-parent} on its init), double-forked children included. Without one,
     * the process tree is killed, and then any process still carrying this environment's private
     * {@code TMPDIR} in its initial environment (a child that left the tree with {@code setsid} and a
     * double fork); only a process that also cleared its environment escapes.
     */
    void kill() {
        List<ProcessHandle> tree;
        synchronized (this) {
            if (killed) {
                return;
            }
            killed = true;
            tree = descendantsOf(process.pid());
            killedTree = tree;
        }
        if (sandboxed) {
            // bwrap, the namespace's init and the runtime: with the init gone, the kernel kills the rest
            // of the namespace (double-forked children too), and the init's exit waits for them.
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
        } else {
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            List<ProcessHandle> stragglers = killStragglers();
            synchronized (this) {
                killedTree = new java.util.ArrayList<>(tree);
                killedTree.addAll(stragglers);
            }
        }
        // The signals are sent; their deaths are not awaited here (a delete or a timeout answers at
        // once), but before the environment's directory goes, and by awaitExitAndClean.
        process.onExit().thenRun(() -> {
            awaitAll(killedTree());
            cleanUp();
        });
    }

    /**
     * After a timeout: kills the runtime and everything it started, and starts a new runtime in the same
     * environment, its directory (and in a sandbox its {@code /tmp}) kept. In a sandbox the supervisor
     * ({@link Sandbox}) restarts it, after killing the rest of the PID namespace; without one, the process
     * tree and the stragglers carrying this environment's {@code TMPDIR} are killed here, and the command
     * starts again with the same environment (a spare's reading its kept assignment). False when the
     * environment is ending ({@link #kill()}) or the runtime cannot start again; the caller then kills it.
     */
    boolean restart() {
        List<ProcessHandle> tree;
        synchronized (this) {
            if (killed || !process.isAlive()) {
                return false;
            }
            forgetRuntimePid();
            tree = sandboxed ? List.of() : descendantsOf(process.pid());
        }
        if (sandboxed) {
            // bwrap, the namespace's init, the supervisor, the runtime and what it started.
            List<Long> init = childrenOf(process.pid());
            List<Long> supervisor = init.isEmpty() ? List.of() : childrenOf(init.get(0));
            if (supervisor.isEmpty()) {
                return false;
            }
            long supervisorPid = supervisor.get(0);
            List<ProcessHandle> runtime = descendantsOf(supervisorPid);
            // SIGTERM, which the supervisor traps, sent before the runtime dies so that it restarts it.
            if (!ProcessHandle.of(supervisorPid).map(ProcessHandle::destroy).orElse(false)) {
                return false;
            }
            runtime.forEach(ProcessHandle::destroyForcibly);
            return true;
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        List<ProcessHandle> gone = new java.util.ArrayList<>(tree);
        gone.addAll(killStragglers());
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        awaitAll(gone);
        synchronized (this) {
            if (killed) {
                return false;
            }
            Path assignment = directory.resolve("restart").resolve(Sandbox.ASSIGNMENT_FILE);
            builder.redirectInput(Files.exists(assignment) ? assignment.toFile() : new File("/dev/null"));
            try {
                process = starter.start(builder);
            } catch (IOException | RuntimeException e) {
                return false;
            }
            return true;
        }
    }

    /** The runtime is replaced: its pid and /proc status are read afresh. */
    private synchronized void forgetRuntimePid() {
        runtimePid = -1;
        if (procStatus != null) {
            try {
                procStatus.close();
            } catch (IOException e) {
                // Closing a /proc file cannot lose anything.
            }
            procStatus = null;
        }
    }

    private synchronized List<ProcessHandle> killedTree() {
        return killedTree;
    }

    /**
     * Waits (at most 2 s) until killed processes are gone, so that "killed" means gone when this
     * returns. Polls /proc: {@link ProcessHandle#onExit()} polls a process that is not our child every
     * 300 ms and more, and a zombie (killed, not yet reaped by its new parent) counts as gone here.
     */
    private static void awaitAll(List<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessHandle member : processes) {
            while (!gone(member.pid()) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static boolean gone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) == 'Z' || stat.charAt(end + 2) == 'X';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    private List<ProcessHandle> killStragglers() {
        List<ProcessHandle> killed = new java.util.ArrayList<>();
        byte[] marker = ("TMPDIR=" + tmpDir()).getBytes(StandardCharsets.UTF_8);
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : processes) {
                byte[] environ;
                try {
                    environ = Files.readAllBytes(proc.resolve("environ"));
                } catch (IOException | SecurityException e) {
                    continue; // gone, or not ours to read
                }
                if (containsEntry(environ, marker)) {
                    ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(straggler -> {
                        straggler.destroyForcibly();
                        killed.add(straggler);
                    });
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc: the tree was killed, which is all we can do.
        }
        return killed;
    }

    private static boolean containsEntry(byte[] environ, byte[] entry) {
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == entry.length && java.util.Arrays.equals(environ, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** Waits until the process and everything it started are gone, then removes the environment's directory. */
    void awaitExitAndClean(Duration timeout) {
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitAll(killedTree());
        cleanUp();
        try {
            gone.get(timeout.toMillis(), TimeUnit.MILLISECONDS); // the cleanup may run on another thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Slow to delete: the service's work directory goes after this anyway.
        }
    }

    /** Removes the environment's directory (its /tmp, output and a spare's code), once. */
    private void cleanUp() {
        synchronized (this) {
            if (cleaned) {
                return;
            }
            cleaned = true;
            if (procStatus != null) {
                try {
                    procStatus.close();
                } catch (IOException e) {
                    // Closing a /proc file cannot lose anything.
                }
            }
        }
        deleteQuietly(directory);
        gone.complete(null);
    }

    /** Completes once the process is gone and the environment's directory removed. */
    java.util.concurrent.CompletableFuture<Void> gone() {
        return gone;
    }

    static void deleteQuietly(Path directory) {
        FunctionRegistry.deleteQuietly(directory);
    }
}
