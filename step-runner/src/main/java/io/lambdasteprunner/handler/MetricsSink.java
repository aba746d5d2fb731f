package io.lambdasteprunner.handler;

/**
 * Where step metrics go: CloudWatch EMF through Powertools on Lambda ({@link PowertoolsMetrics}), nowhere on
 * the command line and in tests ({@link #none()}). Metric names and the {@code Action} dimension only:
 * never a payload, code, environment value or client context.
 */
public interface MetricsSink {

    void count(String name, String action);

    void milliseconds(String name, String action, double value);

    /** Writes what was collected for one handler invocation. */
    void flush();

    /** Metrics that go nowhere. */
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
}
