package io.lambdasteprunner.local;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * The execution environments of one function version: warm ones are reused, as Lambda keeps a
 * sandbox between invokes, and concurrent invokes get more of them up to a limit.
 */
final class EnvironmentPool {
    private final int maxEnvironments;
    private final Deque<ExecutionEnvironment> idle = new ArrayDeque<>();
    private final List<ExecutionEnvironment> all = new ArrayList<>();
    private boolean closed;

    EnvironmentPool(int maxEnvironments) {
        this.maxEnvironments = maxEnvironments;
    }

    /** A warm environment if one is idle, else a new one (a cold start). */
    ExecutionEnvironment acquire(Supplier<ExecutionEnvironment> starter) {
        synchronized (this) {
            if (closed) {
                throw LambdaException.notFound("Function is being deleted");
            }
            while (!idle.isEmpty()) {
                ExecutionEnvironment warm = idle.pop();
                if (warm.isAlive()) {
                    return warm;
                }
                all.remove(warm);
            }
            all.removeIf(environment -> !environment.isAlive());
            if (all.size() >= maxEnvironments) {
                throw LambdaException.tooManyRequests("Rate Exceeded.");
            }
        }
        ExecutionEnvironment started = starter.get();
        synchronized (this) {
            all.add(started);
            if (closed) {
                started.close();
            }
        }
        return started;
    }

    /**
     * Starts an environment ahead of the first invoke, waits for its runtime to initialise, and
     * keeps it warm (or drops it when its init failed: the first invoke then reports the error).
     */
    void prewarm(Supplier<ExecutionEnvironment> starter, Duration initTimeout) {
        ExecutionEnvironment started = acquire(starter);
        try {
            started.awaitReady(initTimeout);
        } finally {
            release(started);
        }
    }

    synchronized void release(ExecutionEnvironment environment) {
        if (environment.isAlive() && !closed) {
            idle.push(environment);
        } else {
            all.remove(environment);
            environment.close();
        }
    }

    void close() {
        List<ExecutionEnvironment> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(all);
            all.clear();
            idle.clear();
        }
        toClose.forEach(ExecutionEnvironment::close);
        toClose.forEach(environment -> environment.awaitExit(Duration.ofSeconds(5)));
    }

    synchronized int size() {
        return all.size();
    }
}
