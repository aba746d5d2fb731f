package io.lambdasteprunner.local;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What happens to an accepted asynchronous ({@code Event}) invoke, as Lambda runs one: the event waits
 * in the function's bounded queue ({@link EventQueues}); an event the function fails (an error, a
 * timeout, a crash) is retried up to the event invoke config's {@code MaximumRetryAttempts} (2 by
 * default), after the configured delays (AWS's one and two minutes), with the same request id; one that
 * would be older than {@code MaximumEventAgeInSeconds} (6 hours by default) by its next try is given up
 * at once (recorded: test_maxeventage). The outcome's invocation record goes to the OnSuccess or
 * OnFailure destination. Records that run in a loop (functions that are each other's destinations) are
 * stopped as Lambda's recursive loop detection stops them: a destination whose {@code RecursiveLoop}
 * is {@code Terminate} (the default) is not invoked more than {@value #MAX_CHAIN} times by one
 * triggering event.
 *
 * <p>Thread-safe: events run on the queues' workers, waiting retries on the queues' timer.
 */
final class AsyncInvocations {

    /** What it needs of the function registry of its account and region. */
    interface Functions {
        /** Runs an invoke as a synchronous one runs. */
        InvocationResult invoke(FunctionRegistry.Target target, Invocation invocation);

        /** The function (and version) a Lambda destination ARN names; not found if it does not exist. */
        FunctionRegistry.Target destination(FunctionName name);

        String functionArn(String name);
    }

    /** The outcomes an invocation record names (its {@code requestContext.condition}). */
    enum Condition { Success, RetriesExhausted, EventAgeExceeded }

    /**
     * How many invocations one triggering event may cause before Lambda stops the next: "more than 16
     * times" (AWS's launch of recursive loop detection, 2023-07-13, and its developer guide).
     */
    static final int MAX_CHAIN = 16;

    /**
     * An accepted event: what was invoked, when Lambda took it (its age counts from then), and which
     * invocation of its triggering event it is: 1 for an event a caller sent, one more for each record
     * delivered on to a destination.
     */
    private record AsyncEvent(FunctionRegistry.Target target, Invocation invocation, Instant received, int chain) {
    }

    private final EventQueues events;
    private final List<Duration> retryDelays;
    private final Functions functions;

    /** @param retryDelays the waits before the first and the second retry */
    AsyncInvocations(EventQueues events, List<Duration> retryDelays, Functions functions) {
        this.events = events;
        this.retryDelays = List.copyOf(retryDelays);
        this.functions = functions;
    }

    /** Queues an event for its function; 429 when the function's queue is full. */
    void submit(FunctionRegistry.Target target, Invocation invocation) {
        submit(new AsyncEvent(target, invocation, Instant.now(), 1));
    }

    private void submit(AsyncEvent event) {
        events.submit(event.target().function(), () -> attempt(event, 1));
    }

    /** Drops a deleted function's waiting events and retries. */
    void forget(LocalFunction function) {
        events.forget(function);
    }

    /** Drops every waiting event and retry (the service's stop). */
    void close() {
        events.close();
    }

    private void attempt(AsyncEvent event, int attempt) {
        FunctionRegistry.Target target = event.target();
        InvocationResult result;
        try {
            result = invokeWhenThereIsRoom(target, event.invocation());
        } catch (LambdaException e) {
            target.function().log().append("Event invocation " + event.invocation().requestId + " failed: "
                    + e.getMessage() + "\n");
            return;
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return;
        }
        EventInvokeConfig settings = target.function().eventInvokeConfig(target.configQualifier())
                .orElse(EventInvokeConfig.NONE);
        if (result.functionError() == null) {
            deliver(event, settings.onSuccess(), Condition.Success, attempt, result);
            return;
        }
        if (attempt > settings.retryAttempts()) {
            deliver(event, settings.onFailure(), Condition.RetriesExhausted, attempt, result);
            return;
        }
        Duration delay = retryDelays.get(Math.min(attempt, retryDelays.size()) - 1);
        Duration age = Duration.between(event.received(), Instant.now());
        if (age.plus(delay).compareTo(settings.maxEventAge()) > 0) {
            deliver(event, settings.onFailure(), Condition.EventAgeExceeded, attempt, result);
            return;
        }
        events.submitLater(target.function(), delay, () -> attempt(event, attempt + 1));
    }

    /**
     * Invokes; a throttled event waits and tries again each second for a minute, as Lambda's internal
     * queue does; with reserved concurrency 0 it is dropped (AWS sends it to the on-failure destination).
     */
    private InvocationResult invokeWhenThereIsRoom(FunctionRegistry.Target target, Invocation invocation)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return functions.invoke(target, invocation);
            } catch (LambdaException e) {
                boolean throttled = e.status() == 429
                        && target.function().reservedConcurrency().map(r -> r > 0).orElse(true);
                if (!throttled || attempt >= 60) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    /**
     * Sends an event's invocation record to {@code destination}: a Lambda function of this account and
     * region is invoked asynchronously with it, as Lambda does. SQS, SNS, EventBridge and S3 are not
     * here, so for them the function's log says where the record would have gone.
     */
    private void deliver(AsyncEvent event, String destination, Condition condition, int attempts,
                         InvocationResult result) {
        if (destination == null) {
            return;
        }
        FunctionRegistry.Target source = event.target();
        String requestId = event.invocation().requestId;
        byte[] record = WireShapes.invocationRecord(requestId, functions.functionArn(source.function().name()) + ":"
                        + source.configQualifier(), condition.name(), attempts, event.invocation().event,
                source.version().version(), result, Instant.now()).toString().getBytes(StandardCharsets.UTF_8);
        String side = condition == Condition.Success ? "OnSuccess" : "OnFailure";
        String service = destinationService(destination);
        if (!service.equals("lambda")) {
            source.function().log().append("The " + side + " record of event " + requestId + " (" + condition
                    + ") would have gone to " + destination + ": the local Lambda service does not deliver to "
                    + service + ".\n");
            return;
        }
        try {
            FunctionRegistry.Target to = functions.destination(FunctionName.parse(destination));
            if (event.chain() >= MAX_CHAIN && "Terminate".equals(to.function().recursiveLoop())) {
                to.function().log().append("Lambda stopped a recursive loop: the " + side + " record of event "
                        + requestId + " would have invoked " + to.function().name() + " as invocation "
                        + (event.chain() + 1) + " of one triggering event (more than " + MAX_CHAIN + "). "
                        + "PutFunctionRecursionConfig with RecursiveLoop Allow lets it run.\n");
                return;
            }
            submit(new AsyncEvent(to, new Invocation(UUID.randomUUID().toString(), record, null, to.invokedArn()),
                    Instant.now(), event.chain() + 1));
        } catch (LambdaException e) {
            source.function().log().append("The " + side + " record of event " + requestId + " (" + condition
                    + ") was not delivered to " + destination + ": " + e.getMessage() + "\n");
        }
    }

    /** The service of a destination ARN ({@code lambda}, {@code sqs}, ...), or {@code kafka}. */
    static String destinationService(String destination) {
        return destination.startsWith("kafka://") ? "kafka" : destination.split(":", -1)[2];
    }
}
