package io.lambdasteprunner.local;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Lambda's internal queue for asynchronous ({@code Event}) invokes, one per function: Invoke answers
 * 202 once the event is queued, and a few workers per function run the queued events in turn. Both
 * are bounded, so a burst of events costs queue entries, not a thread each: at most
 * {@value #MAX_QUEUED} events wait per function (beyond, Invoke answers 429 {@code
 * TooManyRequestsException} saying so), and at most {@value #MAX_WORKERS} of them run at once.
 *
 * <p>A failed event that Lambda retries a minute or two later ({@link #submitLater}) waits as an entry of
 * the service's one timer, not as a thread, and joins the queue again when its time comes.
 *
 * <p>Deleting a function drops its waiting events and retries; {@link #close()} (the service's stop) drops
 * every waiting event and retry, so a stop never waits for a queue. Thread-safe.
 */
final class EventQueues {
    static final int MAX_QUEUED = 1000;
    static final int MAX_WORKERS = 8;

    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Map<LocalFunction, Queue> queues = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param timer the service's timer (daemon threads), on which retries wait */
    EventQueues(Executor executor, ScheduledExecutorService timer) {
        this.executor = executor;
        this.timer = timer;
    }

    /** Queues {@code event} (which runs the invoke) for {@code function}; 429 when its queue is full. */
    void submit(LocalFunction function, Runnable event) {
        if (closed) {
            throw new LambdaException(503, "ServiceException", "The local Lambda service is stopping.");
        }
        queues.computeIfAbsent(function, f -> new Queue()).submit(function.name(), event);
    }

    /**
     * Queues {@code event} for {@code function} again after {@code delay}, as Lambda retries a failed
     * event. Nothing happens when the function has been deleted meanwhile or the service stops; a full
     * queue then drops the retry, noted in the function's log.
     */
    void submitLater(LocalFunction function, Duration delay, Runnable event) {
        Queue queue = queues.get(function);
        if (queue != null && !closed) {
            queue.later(function, delay, event);
        }
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
        private final Set<Future<?>> retries = new HashSet<>();
        private int workers;
        private boolean closed;

        synchronized void later(LocalFunction function, Duration delay, Runnable event) {
            if (closed) {
                return;
            }
            Future<?>[] self = new Future<?>[1];
            try {
                self[0] = timer.schedule(() -> {
                    synchronized (this) {
                        retries.remove(self[0]);
                    }
                    try {
                        submit(function.name(), event);
                    } catch (LambdaException dropped) {
                        function.log().append("A retry of an event was dropped: " + dropped.getMessage() + "\n");
                    }
                }, delay.toNanos(), TimeUnit.NANOSECONDS);
                retries.add(self[0]);
            } catch (RejectedExecutionException stopping) {
                // The service is stopping: the retry goes with it.
            }
        }

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
            retries.forEach(retry -> retry.cancel(false));
            retries.clear();
        }
    }
}
