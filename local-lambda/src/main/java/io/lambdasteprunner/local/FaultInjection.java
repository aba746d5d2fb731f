package io.lambdasteprunner.local;

import java.time.Duration;

/**
 * Faults the local service injects on purpose, so callers can prove they retry what is retryable
 * and report the rest truthfully. Off by default; each rate is the chance (0 to 1) per call.
 *
 * @param throttleRate       any Lambda API call answers 429 {@code TooManyRequestsException}
 * @param serviceErrorRate   any Lambda API call answers 500 {@code ServiceException}
 * @param deleteFailureRate  DeleteFunction answers 500 {@code ServiceException} and keeps the function
 * @param runtimeCrashRate   an invoke's runtime process is killed: {@code Runtime.ExitError}
 * @param runtimeHangRate    an invoke's runtime never answers: {@code Sandbox.Timedout} after the timeout
 * @param pendingDelay       extra time a new function stays {@code Pending}
 * @param seed               seed of the random draws, so a run can be repeated
 * @param errorAfterRunRate  a synchronous invoke runs the function, then answers 500 {@code ServiceException}
 *                           instead of its result: the caller cannot tell that it ran (not in {@link #everyKind})
 */
public record FaultInjection(
        double throttleRate,
        double serviceErrorRate,
        double deleteFailureRate,
        double runtimeCrashRate,
        double runtimeHangRate,
        Duration pendingDelay,
        long seed,
        double errorAfterRunRate) {

    public static final FaultInjection NONE = new FaultInjection(0, 0, 0, 0, 0, Duration.ZERO, 0);

    /** No error after a run. */
    public FaultInjection(double throttleRate, double serviceErrorRate, double deleteFailureRate,
                          double runtimeCrashRate, double runtimeHangRate, Duration pendingDelay, long seed) {
        this(throttleRate, serviceErrorRate, deleteFailureRate, runtimeCrashRate, runtimeHangRate, pendingDelay, seed, 0);
    }

    public FaultInjection {
        for (double rate : new double[] {throttleRate, serviceErrorRate, deleteFailureRate, runtimeCrashRate,
                runtimeHangRate, errorAfterRunRate}) {
            if (rate < 0 || rate > 1) {
                throw new IllegalArgumentException("fault rates are chances from 0 to 1, got " + rate);
            }
        }
        if (pendingDelay == null || pendingDelay.isNegative()) {
            throw new IllegalArgumentException("pendingDelay must be zero or positive");
        }
    }

    /** Every kind of fault at the same rate, and {@code pendingDelay} on every new function. */
    public static FaultInjection everyKind(double rate, Duration pendingDelay, long seed) {
        return new FaultInjection(rate, rate, rate, rate, rate, pendingDelay, seed);
    }
}
