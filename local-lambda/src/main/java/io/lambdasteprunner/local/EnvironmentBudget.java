package io.lambdasteprunner.local;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The service-wide bound on execution environments, as an account's concurrency bounds Lambda: every
 * function's environments draw on one budget. When all places are taken, the environment idle the
 * longest, of any function, is closed to make room (Lambda reaps idle sandboxes too); when none is
 * idle, the caller is throttled with {@code TooManyRequestsException}, as Lambda throttles.
 *
 * <p>Thread-safe. Pools call it while holding their own lock; it never calls a pool while holding its own.
 */
final class EnvironmentBudget {
    private final int max;
    private int live;
    /** Idle environments, the longest idle first, with the pool that holds each. */
    private final Map<ExecutionEnvironment, EnvironmentPool> idle = new LinkedHashMap<>();

    EnvironmentBudget(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the local Lambda service needs at least 1 execution environment, was " + max);
        }
        this.max = max;
    }

    int max() {
        return max;
    }

    /** Takes a place for a new environment, closing the longest-idle environment if all places are taken. */
    void reserve() {
        while (true) {
            Map.Entry<ExecutionEnvironment, EnvironmentPool> oldest;
            synchronized (this) {
                if (live < max) {
                    live++;
                    return;
                }
                Iterator<Map.Entry<ExecutionEnvironment, EnvironmentPool>> it = idle.entrySet().iterator();
                if (!it.hasNext()) {
                    throw LambdaException.tooManyRequests("Rate Exceeded. The local Lambda service runs at most "
                            + max + " execution environments at once and all are busy; retry later, or raise "
                            + "LOCAL_LAMBDA_MAX_ENVIRONMENTS.");
                }
                oldest = it.next();
                it.remove();
            }
            oldest.getValue().evict(oldest.getKey()); // gives its place back unless it was taken meanwhile
        }
    }

    synchronized void release() {
        live--;
    }

    synchronized void idle(ExecutionEnvironment environment, EnvironmentPool pool) {
        idle.put(environment, pool);
    }

    synchronized void busy(ExecutionEnvironment environment) {
        idle.remove(environment);
    }

    synchronized int live() {
        return live;
    }
}
