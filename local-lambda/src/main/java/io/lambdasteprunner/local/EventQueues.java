package io.lambdasteprunner.local;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Lambda's internal queue for asynchronous ({@code Event}) invokes, one per function: Invoke answers
 * 202 once the event is queued, and a few workers per function run the queued events in turn. Both
 * are bounded, so a burst of events costs queue entries, not a thread each: at most
 * {@value #MAX_QUEUED} events wait per function (beyond, Invoke answers 429 {@code
 * TooManyRequestsException} saying so), and at most {@value #MAX_WORKERS} of them run at once.
 *
 * <p>Deleting a function drops its waiting events; {@link #close()} (the service's stop) drops every
 * waiting event, so a stop never waits for a queue. Thread-safe.
 */
final class EventQueues {
    static final int MAX_QUEUED = 1000;
    static final int MAX_WORKERS = 8;

    private final Executor executor;
    private final Map<LocalFunction, Queue> queues = new ConcurrentHashMap<>();
    private volatile boolean closed;

    EventQueues(Executor executor) {
        this.executor = executor;
    }

    /** Queues {@code event} (which runs the invoke) for {@code function}; 429 when its queue is full. */
    void submit(LocalFunction function, Runnable event) {
        if (closed) {
            throw new LambdaException(503, "ServiceException", "The local Lambda service is stopping.");
        }
        queues.computeIfAbsent(function, f -> new Queue()).submit(function.name(), event);
    }

    /** Drops the waiting events of a deleted function; one already running finishes or fails alone. */
    void forget(LocalFunction function) {
        Queue queue = queues.remove(function);
        if (queue != null) {
            queue.close();
        }
    }

    void close() {
        closed = true;
        queues.values().forEach(Queue::close);
        queues.clear();
    }

    private final class Queue {
        private final Deque<Runnable> waiting = new ArrayDeque<>();
        private int workers;
        private boolean closed;

        void submit(String functionName, Runnable event) {
            synchronized (this) {
                if (closed) {
                    throw LambdaException.functionNotFound(functionName);
                }
                if (waiting.size() >= MAX_QUEUED) {
                    throw LambdaException.tooManyRequests("Rate Exceeded. The local Lambda service queues at most "
                            + MAX_QUEUED + " asynchronous events per function, and " + functionName
                            + "'s queue is full: retry later, or invoke it synchronously (RequestResponse).",
                            "FunctionEventQueueFull");
                }
                waiting.add(event);
                if (workers >= MAX_WORKERS) {
                    return; // a running worker takes it
                }
                workers++;
            }
            try {
                executor.execute(this::work);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    workers--;
                    waiting.remove(event);
                }
                throw new LambdaException(503, "ServiceException", "The local Lambda service is stopping.");
            }
        }

        private void work() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = closed ? null : waiting.poll();
                    if (next == null) {
                        workers--;
                        return;
                    }
                }
                next.run();
            }
        }

        synchronized void close() {
            closed = true;
            waiting.clear();
        }
    }
}
