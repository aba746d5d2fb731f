package io.lambdasteprunner.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * How execution environments are kept apart, as Lambda keeps its sandboxes apart.
 *
 * <p>With bubblewrap ({@code bwrap}, Debian's {@code bubblewrap}) each runtime runs in namespaces of its
 * own: the function's code read-only at {@value #TASK_ROOT}, the bootstraps at {@value #RUNTIME_DIR},
 * a private {@code /tmp} of the function's ephemeral storage size (a tmpfs: writing past it fails with
 * ENOSPC, as on Lambda), its own {@code /etc/hosts} (which names its Runtime API, see
 * {@link RuntimeApiServer}), its own PID namespace and {@code /proc} (no other function's processes or
 * environment), no capabilities, a read-only root holding only the system directories and the
 * interpreters, and it dies with the service ({@code --die-with-parent}) and with its first process (a
 * PID namespace ends when its init does, taking double-forked children along). The network namespace
 * is shared: the runtime reaches its Runtime API on 127.0.0.1, which is why that API asks for a token.
 *
 * <p>Without bubblewrap: a private {@code TMPDIR} per environment and the process tree killed; see
 * {@link RuntimeProcess#kill()} for what remains.
 */
final class Sandbox {
    static final String TASK_ROOT = "/var/task";
    static final String RUNTIME_DIR = "/var/runtime";
    /** Where a spare's sandbox shows its function's assignment, read again when its runtime restarts. */
    static final String RESTART_DIR = "/var/local-lambda";
    static final String ASSIGNMENT_FILE = "assignment.json";

    /**
     * Runs the runtime in the sandbox and starts it again, in the same sandbox (its /tmp kept), when the
     * service sends it SIGTERM after a timeout: the service kills the runtime, this script every other
     * process of the PID namespace ({@code kill -1} spares itself and the namespace's init), double-forked
     * children too. The runtime runs in the foreground, so it keeps its signal dispositions and standard
     * input (a spare's assignment; a restarted spare reads the copy at {@value #RESTART_DIR}). Otherwise
     * the script exits with the runtime's own status (128 + N for signal N), which bwrap passes on.
     */
    private static final String SUPERVISOR = """
            again=$1; shift
            restart=
            trap 'restart=1' TERM
            "$@"
            while status=$?; [ -n "$restart" ]; do
              restart=
              kill -KILL -1 2>/dev/null; kill -KILL -1 2>/dev/null
              if [ -f "$again" ]; then "$@" < "$again"; else "$@" < /dev/null; fi
            done
            exit "$status"
            """;

    /** System directories every interpreter needs, read-only (or recreated as the symlinks they are). */
    private static final List<String> SYSTEM_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    /** What the C library, locales, certificates, Java and name lookup (localhost) read from /etc. */
    private static final List<String> ETC_FILES = List.of(
            "/etc/hosts", "/etc/host.conf", "/etc/nsswitch.conf", "/etc/resolv.conf", "/etc/gai.conf",
            "/etc/passwd", "/etc/group", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
            "/etc/localtime", "/etc/timezone", "/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/etc/alternatives",
            "/etc/mime.types", "/etc/os-release", "/etc/ruby", "/etc/nodejs");

    /** Lambda's default {@code EphemeralStorage}, in MB: the size of {@code /tmp}. */
    static final int DEFAULT_TMP_MB = 512;
    private static final String HOSTS = "/etc/hosts";

    private final Path bwrap;
    private final String unavailableReason;
    private final List<String> etcFiles;
    /** The machine's /etc/hosts, which each sandbox's own copy starts with. */
    private final byte[] machineHosts;

    private Sandbox(Path bwrap, String unavailableReason, List<String> etcFiles, byte[] machineHosts) {
        this.bwrap = bwrap;
        this.unavailableReason = unavailableReason;
        this.etcFiles = etcFiles;
        this.machineHosts = machineHosts;
    }

    /** No isolation beyond a private TMPDIR and the process tree; {@code reason} says why. */
    static Sandbox off(String reason) {
        return new Sandbox(null, reason, List.of(), new byte[0]);
    }

    /**
     * Bubblewrap when it is installed and works here (one trial run, a few milliseconds), unless
     * {@code LOCAL_LAMBDA_ISOLATION=off}; {@code LOCAL_LAMBDA_BWRAP} names another bwrap binary.
     */
    static Sandbox detect(Map<String, String> env) {
        if ("off".equalsIgnoreCase(env.getOrDefault("LOCAL_LAMBDA_ISOLATION", ""))) {
            return off("LOCAL_LAMBDA_ISOLATION=off");
        }
        Path bwrap = findBwrap(env);
        if (bwrap == null) {
            return off("bubblewrap (bwrap) is not installed: run scripts/setup-tools.sh or apt-get install bubblewrap");
        }
        // Only what exists here: every bind is a mount at each start.
        List<String> etc = new ArrayList<>(ETC_FILES.stream()
                .filter(file -> !file.equals(HOSTS) && Files.exists(Path.of(file))).toList());
        File[] javaConf = new File("/etc").listFiles((dir, name) -> name.startsWith("java-"));
        if (javaConf != null) {
            for (File conf : javaConf) {
                etc.add(conf.getPath()); // Debian's OpenJDK keeps its conf/ there
            }
        }
        byte[] hosts;
        try {
            hosts = Files.readAllBytes(Path.of(HOSTS));
        } catch (IOException e) {
            hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost\n".getBytes(StandardCharsets.US_ASCII);
        }
        Sandbox sandbox = new Sandbox(bwrap, null, List.copyOf(etc), hosts);
        String failure = sandbox.trial();
        return failure == null ? sandbox : off("bubblewrap does not work here (" + failure + ")");
    }

    private static Path findBwrap(Map<String, String> env) {
        String configured = env.get("LOCAL_LAMBDA_BWRAP");
        if (configured != null && !configured.isBlank()) {
            return Files.isExecutable(Path.of(configured)) ? Path.of(configured) : null;
        }
        for (String dir : env.getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "bwrap");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/bwrap")) ? Path.of("/usr/bin/bwrap") : null;
    }

    /** Runs {@code true} in a sandbox like a function's; null when that worked, else what went wrong. */
    private String trial() {
        try {
            Path tmp = Files.createTempDirectory("local-lambda-trial-");
            try {
                List<String> command = wrap(List.of("/bin/true"), tmp, tmp, List.of(), hostsFile(tmp, "trial"),
                        DEFAULT_TMP_MB, null);
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                process.getOutputStream().close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return "a trial run did not end in 10 s";
                }
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return process.exitValue() == 0 ? null : "exit status " + process.exitValue() + ": " + output;
            } finally {
                Files.deleteIfExists(tmp.resolve("hosts"));
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    boolean isolated() {
        return bwrap != null;
    }

    /** Why environments are not isolated, or null when they are. */
    String unavailableReason() {
        return unavailableReason;
    }

    /** Where the runtime sees the function's code. */
    String taskRoot(Path hostDir) {
        return isolated() ? TASK_ROOT : hostDir.toString();
    }

    /** Where the runtime sees the bootstraps. */
    String runtimeDir(Path bootstrapDir) {
        return isolated() ? RUNTIME_DIR : bootstrapDir.toString();
    }

    /**
     * Writes the sandbox's own {@code /etc/hosts} into {@code environmentDir}: the machine's, and the
     * host name that carries the environment's Runtime API token ({@link RuntimeApiServer#hostName})
     * as 127.0.0.1. Null without bubblewrap (the token is then a path segment).
     */
    Path hostsFile(Path environmentDir, String token) {
        if (!isolated()) {
            return null;
        }
        byte[] line = ("\n127.0.0.1\t" + RuntimeApiServer.hostName(token) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] hosts = java.util.Arrays.copyOf(machineHosts, machineHosts.length + line.length);
        System.arraycopy(line, 0, hosts, machineHosts.length, line.length);
        Path file = environmentDir.resolve("hosts");
        try {
            Files.write(file, hosts);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    /**
     * The command that runs {@code command} in a new sandbox: {@code taskDir} read-only at
     * {@value #TASK_ROOT}, a tmpfs of {@code tmpMegabytes} at {@code /tmp}, {@code hostsFile} at
     * {@code /etc/hosts}, {@code bootstrapDir} read-only at {@value #RUNTIME_DIR}, and each of
     * {@code exposed} (interpreters and client installations outside the system directories) read-only
     * at its own path, and {@code restartDir} (a spare's, else null) read-only at {@value #RESTART_DIR}.
     * The command runs under the {@link #SUPERVISOR}, which restarts it in place. Without bubblewrap,
     * the command itself.
     */
    List<String> wrap(List<String> command, Path taskDir, Path bootstrapDir, Collection<Path> exposed,
                      Path hostsFile, int tmpMegabytes, Path restartDir) {
        if (!isolated()) {
            return command;
        }
        List<String> args = new ArrayList<>(List.of(bwrap.toString(),
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--proc", "/proc", "--dev", "/dev",
                // Lambda's /tmp holds EphemeralStorage.Size: past it, writes fail with ENOSPC.
                "--perms", "1777", "--size", Long.toString(tmpMegabytes * 1024L * 1024L), "--tmpfs", "/tmp",
                "--ro-bind", hostsFile.toString(), HOSTS,
                // Lambda's /opt, where layers go (empty without any), read-only as the rest.
                "--perms", "0755", "--dir", "/opt"));
        for (String dir : SYSTEM_DIRS) {
            Path path = Path.of(dir);
            if (Files.isSymbolicLink(path)) {
                try {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), dir));
                } catch (IOException e) {
                    args.addAll(List.of("--ro-bind-try", dir, dir));
                }
            } else if (Files.isDirectory(path)) {
                args.addAll(List.of("--ro-bind", dir, dir));
            }
        }
        for (String file : etcFiles) {
            args.addAll(List.of("--ro-bind-try", file, file));
        }
        // Parents before children, so a nested installation is mounted over its parent, not under it.
        for (Path path : new TreeSet<>(exposed)) {
            args.addAll(List.of("--ro-bind", realPath(path).toString(), path.toString()));
        }
        if (restartDir != null) {
            args.addAll(List.of("--ro-bind", restartDir.toString(), RESTART_DIR));
        }
        args.addAll(List.of(
                "--ro-bind", taskDir.toString(), TASK_ROOT,
                "--ro-bind", bootstrapDir.toString(), RUNTIME_DIR,
                // Lambda's file system is read-only but for /tmp.
                "--remount-ro", "/",
                "--chdir", TASK_ROOT,
                "--", "/bin/sh", "-c", SUPERVISOR, "supervisor",
                restartDir == null ? "" : RESTART_DIR + "/" + ASSIGNMENT_FILE));
        args.addAll(command);
        return args;
    }

    /**
     * The installations a command needs visible in its sandbox: for each absolute path among its
     * arguments (class path entries included) outside the system directories, the directory that holds
     * the installation: a {@code node_modules} tree whole, {@code X} for {@code X/bin/tool}, else the
     * file's directory.
     */
    static List<Path> installationsOf(List<String> command) {
        List<Path> found = new ArrayList<>();
        for (String argument : command) {
            int equals = argument.indexOf('=');
            String value = argument.startsWith("-D") && equals > 0 ? argument.substring(equals + 1) : argument;
            for (String piece : value.split(File.pathSeparator)) {
                if (!piece.startsWith("/") || piece.startsWith(TASK_ROOT) || piece.startsWith(RUNTIME_DIR)) {
                    continue;
                }
                String trimmed = piece.endsWith("/*") ? piece.substring(0, piece.length() - 2) : piece;
                Path path = Path.of(trimmed).normalize();
                if (!Files.exists(path) || SYSTEM_DIRS.stream().anyMatch(dir -> path.startsWith(dir))) {
                    continue;
                }
                found.add(installationRoot(path));
                Path real = realPath(path);
                if (!real.equals(path) && SYSTEM_DIRS.stream().noneMatch(real::startsWith)) {
                    found.add(installationRoot(real)); // a symlink (node_modules/.bin) into another tree
                }
            }
        }
        return found;
    }

    private static Path installationRoot(Path path) {
        String text = path.toString();
        int modules = text.indexOf("/node_modules/");
        if (modules >= 0) {
            return Path.of(text.substring(0, modules + "/node_modules".length()));
        }
        Path parent = path.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("bin")
                && parent.getParent() != null && parent.getParent().getParent() != null) {
            return parent.getParent();
        }
        return Files.isDirectory(path) ? path : parent;
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path;
        }
    }
}
