package io.lambdasteprunner.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a test sees of execution environments from outside. A function reports its PID namespace
 * ({@code os.readlink("/proc/self/ns/pid")}); in a sandbox that is its own, so the host processes in it
 * are exactly the environment's, whatever their pids inside. The kernel reuses a namespace's number
 * once it is gone, so an environment is named by its namespace and its init's start time together.
 */
final class Sandboxes {
    private Sandboxes() {
    }

    /** Python that returns this process's PID namespace, e.g. {@code pid:[4026532871]}. */
    static final String PYTHON_NAMESPACE = "os.readlink('/proc/self/ns/pid')";
    /** Python naming its environment: namespace and the start time of the namespace's init (pid 1). */
    static final String PYTHON_ENVIRONMENT = "os.readlink('/proc/self/ns/pid') + '@' + "
            + "open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19]";

    /** Whether the environment a function named with {@link #PYTHON_ENVIRONMENT} still has a process. */
    static boolean environmentAlive(String environment) {
        String[] parts = environment.split("@");
        if (parts[0].equals(namespaceOf(ProcessHandle.current().pid()))) {
            throw new AssertionError("the function ran in the service's own PID namespace: not isolated");
        }
        return processesIn(parts[0]).stream().anyMatch(pid -> parts[1].equals(startTime(pid)));
    }

    /**
     * Whether the environment's processes are all gone within 10 s: a timeout or a delete answers once
     * the kill is sent, and the kernel takes a moment to tear a namespace down.
     */
    static boolean environmentGone(String environment) throws InterruptedException {
        return eventually(() -> !environmentAlive(environment));
    }

    /** Whether a process is gone (or a zombie) within 10 s. */
    static boolean processGone(long pid) throws InterruptedException {
        return eventually(() -> !running(pid));
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** Whether a process runs (exists and is not a zombie). */
    static boolean running(long pid) {
        String state = state(pid);
        return !state.equals("gone") && !state.equals("Z");
    }

    private static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
    }

    private static String startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ")[19];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String namespaceOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** The host's running processes in a PID namespace (a zombie, killed and not yet reaped, is not running). */
    static List<Long> processesIn(String namespace) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if (namespace.equals(namespaceOf(pid)) && !"Z".equals(state(pid))) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc", e);
        }
        return pids;
    }

    /** Whether any process is left in an environment's namespace (never true for the host's own). */
    static boolean anyAlive(String namespace) {
        if (namespace.equals(namespaceOf(ProcessHandle.current().pid()))) {
            throw new AssertionError("the function ran in the service's own PID namespace: not isolated");
        }
        return !processesIn(namespace).isEmpty();
    }

    /** The PID namespaces of a process and its descendants (a sandbox's bwrap, its init, its runtime). */
    static List<String> namespacesUnder(ProcessHandle process) {
        List<String> namespaces = new ArrayList<>();
        namespaces.add(namespaceOf(process.pid()));
        process.descendants().forEach(child -> namespaces.add(namespaceOf(child.pid())));
        return namespaces;
    }
}
