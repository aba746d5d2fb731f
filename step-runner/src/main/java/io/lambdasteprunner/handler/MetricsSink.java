package io.lambdasteprunner.handler;

import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * Where step metrics go: CloudWatch EMF through Powertools on Lambda, nowhere on the command line
 * (Powertools would otherwise try an EMF agent on tcp 127.0.0.1:25888).
 */
public interface MetricsSink {

    void count(String name, String action);

    void milliseconds(String name, String action, double value);

    /** Writes what was collected for one handler invocation. */
    void flush();

    static MetricsSink none() {
        return new MetricsSink() {
            @Override
            public void count(String name, String action) {
            }

            @Override
            public void milliseconds(String name, String action, double value) {
            }

            @Override
            public void flush() {
            }
        };
    }

    /**
     * Powertools metrics with an {@code Action} dimension. One handler invocation at a time per
     * container (Lambda's model), so the per-invocation state of {@link Metrics} is not shared.
     */
    static MetricsSink powertools(Metrics metrics) {
        return new MetricsSink() {
            @Override
            public void count(String name, String action) {
                metrics.addDimension("Action", action);
                metrics.addMetric(name, 1, MetricUnit.COUNT);
            }

            @Override
            public void milliseconds(String name, String action, double value) {
                metrics.addDimension("Action", action);
                metrics.addMetric(name, value, MetricUnit.MILLISECONDS);
            }

            @Override
            public void flush() {
                metrics.flush();
            }
        };
    }
}
