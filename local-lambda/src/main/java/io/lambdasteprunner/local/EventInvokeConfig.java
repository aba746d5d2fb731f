package io.lambdasteprunner.local;

import java.time.Duration;
import java.time.Instant;

/**
 * How Lambda handles the asynchronous invokes of one function, version or alias
 * (Put/UpdateFunctionEventInvokeConfig): how often a failed event is retried, how old an event may grow
 * before it is discarded, and where a record of each outcome goes. A null member was not set: AWS
 * leaves it out of its answers and uses its default (2 retries, 6 hours).
 *
 * @param qualifier    {@code $LATEST}, a version number or an alias name
 * @param onSuccess    the destination ARN for successful events, or null
 * @param onFailure    the destination ARN for events that failed for good, or null
 */
record EventInvokeConfig(String qualifier, Integer maximumRetryAttempts, Integer maximumEventAgeInSeconds,
                         String onSuccess, String onFailure, Instant lastModified) {

    /** Lambda's defaults for an event with no config (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). */
    static final int DEFAULT_RETRY_ATTEMPTS = 2;
    static final Duration DEFAULT_MAX_EVENT_AGE = Duration.ofHours(6);
    /** What an event of a function, version or alias without a config gets. */
    static final EventInvokeConfig NONE = new EventInvokeConfig(FunctionVersion.LATEST, null, null, null, null, null);

    int retryAttempts() {
        return maximumRetryAttempts == null ? DEFAULT_RETRY_ATTEMPTS : maximumRetryAttempts;
    }

    Duration maxEventAge() {
        return maximumEventAgeInSeconds == null ? DEFAULT_MAX_EVENT_AGE : Duration.ofSeconds(maximumEventAgeInSeconds);
    }

    /** Update's merge: what {@code change} gives replaces, the rest stays. */
    EventInvokeConfig mergedWith(ControlRequests.EventInvokeConfigChange change, Instant now) {
        return new EventInvokeConfig(qualifier,
                change.maximumRetryAttempts() != null ? change.maximumRetryAttempts() : maximumRetryAttempts,
                change.maximumEventAgeInSeconds() != null ? change.maximumEventAgeInSeconds() : maximumEventAgeInSeconds,
                change.onSuccessGiven() ? change.onSuccess() : onSuccess,
                change.onFailureGiven() ? change.onFailure() : onFailure, now);
    }

    /** Put's replacement: only what {@code change} gives. */
    static EventInvokeConfig of(String qualifier, ControlRequests.EventInvokeConfigChange change, Instant now) {
        return new EventInvokeConfig(qualifier, change.maximumRetryAttempts(), change.maximumEventAgeInSeconds(),
                change.onSuccess(), change.onFailure(), now);
    }
}
