package io.lambdasteprunner.local;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * The execution environments of one function version: warm ones are reused, as Lambda keeps a
 * sandbox between invokes, and concurrent invokes get more of them up to a limit per function and
 * the service-wide {@link EnvironmentBudget}. Thread-safe.
 */
final class EnvironmentPool {
    private final int maxEnvironments;
    private final EnvironmentBudget budget;
    private final Deque<ExecutionEnvironment> idle = new ArrayDeque<>();
    private final List<ExecutionEnvironment> all = new ArrayList<>();
    private int starting;
    private boolean closed;
    private boolean retired;

    EnvironmentPool(int maxEnvironments, EnvironmentBudget budget) {
        this.maxEnvironments = maxEnvironments;
        this.budget = budget;
    }

    /**
     * A warm environment if one is idle, else a new one (a cold start); null when the pool was retired
     * meanwhile (the caller takes the new version's pool).
     */
    ExecutionEnvironment acquire(Supplier<ExecutionEnvironment> starter) {
        synchronized (this) {
            if (retired) {
                return null;
            }
            if (closed) {
                throw LambdaException.notFound("Function is being deleted");
            }
            while (!idle.isEmpty()) {
                ExecutionEnvironment warm = idle.pop();
                budget.busy(warm);
                if (warm.isAlive()) {
                    return warm;
                }
                forget(warm);
            }
            if (all.size() + starting >= maxEnvironments) {
                throw LambdaException.tooManyRequests("Rate Exceeded. The local Lambda service runs at most "
                        + maxEnvironments + " execution environments per function and all are busy.");
            }
            starting++;
        }
        ExecutionEnvironment started;
        try {
            budget.reserve();
            try {
                started = starter.get();
            } catch (RuntimeException e) {
                budget.release();
                throw e;
            }
        } finally {
            synchronized (this) {
                starting--;
            }
        }
        synchronized (this) {
            all.add(started);
            if (closed) {
                forget(started);
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
        if (started == null) {
            return; // retired by a newer update, which warms its own
        }
        try {
            started.awaitReady(initTimeout);
        } finally {
            release(started);
        }
    }

    synchronized void release(ExecutionEnvironment environment) {
        if (environment.isAlive() && !closed) {
            idle.push(environment);
            budget.idle(environment, this);
        } else {
            forget(environment);
        }
    }

    /** Closes an idle environment to make room for another function's; nothing if it is in use again. */
    synchronized void evict(ExecutionEnvironment environment) {
        if (idle.remove(environment)) {
            forget(environment);
        }
    }

    /** Closes an environment and gives its place back. Called with this pool's lock held. */
    private void forget(ExecutionEnvironment environment) {
        if (all.remove(environment)) {
            budget.release();
        }
        environment.close();
    }

    /**
     * Kills every environment. Their ends are not awaited here (a delete answers at once); the
     * service's stop awaits every process it started ({@link Launcher#awaitEnvironmentsGone}).
     */
    void close() {
        synchronized (this) {
            closed = true;
            idle.forEach(budget::busy);
            idle.clear();
            new ArrayList<>(all).forEach(this::forget);
        }
    }

    /**
     * Retires the pool when its version's code or configuration is replaced (an update of
     * {@code $LATEST}): idle environments go now, busy ones when their invocation ends, so an invoke
     * already running finishes on the code it started with, as on AWS (recorded:
     * test_function_update_during_invoke). No environment is taken from it any more.
     */
    void retire() {
        synchronized (this) {
            closed = true;
            retired = true;
            idle.forEach(budget::busy);
            new ArrayList<>(idle).forEach(this::forget);
            idle.clear();
        }
    }

    synchronized int size() {
        return all.size();
    }
}
