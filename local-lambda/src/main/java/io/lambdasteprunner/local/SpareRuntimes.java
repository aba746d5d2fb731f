package io.lambdasteprunner.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runtimes started ahead of need: for each interpreter in use, one built-in bootstrap whose interpreter
 * has started and loaded the runtime, waiting on its standard input for a function. A new execution
 * environment takes it and hands it the function's directory and environment, so creating a
 * function does not wait for an interpreter to start (Node.js and Ruby take 50–100 ms to start
 * here, longer than the rest of a create → invoke → delete).
 *
 * <p>An interpreter (a key: python3.12 and python3.13 run on different ones) gets its first spare when
 * its first function starts, and a new one in the background each time the function a spare was handed
 * to is gone or has run its first invoke (a moment later: {@link #replenishAfter}); so there are at most
 * as many spares as interpreters. Thread-safe;
 * {@link #close()} kills the spares and starts no more.
 *
 * @param <K> what tells interpreters apart
 */
final class SpareRuntimes<K> implements AutoCloseable {

    /**
     * A runtime process that waits for its function on standard input, in an environment directory (and
     * sandbox) of its own whose {@code task/} receives the function's code.
     */
    record Spare(RuntimeProcess runtime) {
        Process process() {
            return runtime.process();
        }
    }

    /**
     * Prefixes of the variables an interpreter or the C library reads as the process starts (search
     * paths, interpreter options, loader, locale, time zone, home for user site-packages). A spare
     * started before a function set one would ignore it, so such a function starts cold.
     */
    private static final List<String> READ_AT_START = List.of(
            "PYTHON", "NODE_", "UV_", "RUBY", "GEM_", "BUNDLE_", "LD_", "LC_", "LANG", "TZ", "HOME",
            "PATH", "TMPDIR", "MALLOC_", "GLIBC_", "OPENSSL_", "SSL_CERT_");

    private final Function<K, Spare> starter;
    private final Executor executor;
    private final Map<K, Spare> idle = new HashMap<>();
    private final Set<K> starting = new HashSet<>();
    private boolean closed;

    /**
     * @param starter  starts a spare for an interpreter (only for those run by a built-in bootstrap)
     * @param executor where spares are started, off the caller's thread
     */
    SpareRuntimes(Function<K, Spare> starter, Executor executor) {
        this.starter = starter;
        this.executor = executor;
    }

    /** Whether a spare can run a function with these variables of its own, as a fresh process would. */
    static boolean canServe(Map<String, String> functionVariables) {
        return functionVariables.keySet().stream()
                .noneMatch(name -> READ_AT_START.stream().anyMatch(name::startsWith));
    }

    /**
     * The idle spare of a language, if one is ready. Without one, starts one in the background for
     * the next function; with one, the caller calls {@link #replenish} once the function has run
     * (or is gone), so the next spare's start does not compete with its start or first invoke.
     */
    Optional<Spare> take(K family) {
        Spare spare;
        synchronized (this) {
            spare = idle.remove(family);
        }
        if (spare != null && spare.process().isAlive()) {
            return Optional.of(spare);
        }
        if (spare != null) {
            discard(spare);
        }
        replenish(family);
        return Optional.empty();
    }

    /** Starts a spare for a language in the background, unless one is idle or starting. */
    synchronized void replenish(K family) {
        if (!closed && !idle.containsKey(family) && starting.add(family)) {
            executor.execute(() -> startSpare(family));
        }
    }

    /**
     * Starts a spare in {@code delay}, unless one is idle or starting by then ({@link #replenish}):
     * so that it does not compete with what usually follows a function's first invoke at once (its
     * next invoke, or its DeleteFunction) for the processor.
     */
    void replenishAfter(K family, Duration delay) {
        CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, executor)
                .execute(() -> replenish(family));
    }

    private void startSpare(K family) {
        Spare spare = null;
        try {
            spare = starter.apply(family);
        } catch (RuntimeException e) {
            // No spare this time: the next function of this language starts cold and asks again.
        }
        synchronized (this) {
            if (spare != null && !closed) {
                idle.put(family, spare);
                spare = null;
            }
        }
        if (spare != null) {
            discard(spare); // closed while it started
        }
        synchronized (this) {
            starting.remove(family);
            notifyAll();
        }
    }

    /** The processes of the idle spares, which belong to the service and to no function. */
    synchronized List<ProcessHandle> processes() {
        return idle.values().stream().map(spare -> spare.process().toHandle()).toList();
    }

    /** Kills a spare that will not be used and removes its directory. */
    static void discard(Spare spare) {
        spare.runtime().kill();
        spare.runtime().awaitExitAndClean(Duration.ofSeconds(5));
    }

    /** Kills the idle spares, after waiting (briefly) for any being started, so none outlives this. */
    @Override
    public void close() {
        List<Spare> toDiscard;
        synchronized (this) {
            closed = true;
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            try {
                while (!starting.isEmpty() && System.nanoTime() < deadline) {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            toDiscard = new ArrayList<>(idle.values());
            idle.clear();
        }
        toDiscard.forEach(SpareRuntimes::discard);
    }
}
