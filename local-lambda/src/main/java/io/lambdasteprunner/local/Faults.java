package io.lambdasteprunner.local;

import java.util.Random;

/** Draws the faults of the current {@link FaultInjection}; switchable while the service runs. Thread-safe. */
final class Faults {

    /** A fault an invoke's runtime suffers. */
    enum RuntimeFault { NONE, CRASH, HANG }

    private volatile FaultInjection settings;
    private Random random;

    Faults(FaultInjection settings) {
        set(settings);
    }

    synchronized void set(FaultInjection newSettings) {
        settings = newSettings;
        random = new Random(newSettings.seed());
    }

    FaultInjection settings() {
        return settings;
    }

    private synchronized boolean draw(double rate) {
        return rate > 0 && random.nextDouble() < rate;
    }

    /** A fault for any Lambda API call, or null. */
    LambdaException apiFault() {
        FaultInjection now = settings;
        if (draw(now.throttleRate())) {
            return LambdaException.tooManyRequests("Rate Exceeded.");
        }
        if (draw(now.serviceErrorRate())) {
            return new LambdaException(500, "ServiceException", "An internal error occurred (injected fault).");
        }
        return null;
    }

    /** Whether a synchronous invoke that has run answers 500 instead of its result. */
    boolean failAfterRun() {
        return draw(settings.errorAfterRunRate());
    }

    boolean failDelete() {
        return draw(settings.deleteFailureRate());
    }

    RuntimeFault runtimeFault() {
        FaultInjection now = settings;
        if (draw(now.runtimeCrashRate())) {
            return RuntimeFault.CRASH;
        }
        return draw(now.runtimeHangRate()) ? RuntimeFault.HANG : RuntimeFault.NONE;
    }
}
