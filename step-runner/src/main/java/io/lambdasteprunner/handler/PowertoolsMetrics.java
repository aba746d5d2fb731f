package io.lambdasteprunner.handler;

import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsBuilder;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

import java.util.Map;

/**
 * Step metrics as CloudWatch EMF through Powertools: namespace {@code POWERTOOLS_METRICS_NAMESPACE} (default
 * {@code LambdaStepRunner}), dimension sets [{@code Service}] ({@code POWERTOOLS_SERVICE_NAME}, default
 * {@code lambda-step-runner}) and [{@code Service}, {@code Action}]. On Lambda, EMF is a line on stdout that CloudWatch turns into
 * metrics. One handler invocation at a time per container (Lambda's model), so the per-invocation state of
 * {@link Metrics} is not shared.
 */
final class PowertoolsMetrics implements MetricsSink {

    private final Metrics metrics;
    private final String service;

    private PowertoolsMetrics(Metrics metrics, String service) {
        this.metrics = metrics;
        this.service = service;
    }

    /**
     * Powertools metrics on Lambda ({@code AWS_LAMBDA_FUNCTION_NAME} is set), none elsewhere or when
     * {@code POWERTOOLS_METRICS_DISABLED} is true: outside Lambda, Powertools would send EMF to an agent on
     * tcp 127.0.0.1:25888.
     */
    static MetricsSink fromEnvironment(Map<String, String> env) {
        if (env.get("AWS_LAMBDA_FUNCTION_NAME") == null || "true".equalsIgnoreCase(env.get("POWERTOOLS_METRICS_DISABLED"))) {
            return MetricsSink.none();
        }
        String service = env.getOrDefault("POWERTOOLS_SERVICE_NAME", "lambda-step-runner");
        return new PowertoolsMetrics(MetricsBuilder.builder()
                .withNamespace(env.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", "LambdaStepRunner"))
                .withService(service)
                .withRaiseOnEmptyMetrics(false)
                .build(), service);
    }

    @Override
    public void count(String name, String action) {
        metrics.addDimension(byAction(action));
        metrics.addMetric(name, 1, MetricUnit.COUNT);
    }

    @Override
    public void milliseconds(String name, String action, double value) {
        metrics.addDimension(byAction(action));
        metrics.addMetric(name, value, MetricUnit.MILLISECONDS);
    }

    /**
     * Service and Action as one dimension set, beside Powertools' default [Service]: per action within this
     * service. ({@code addDimension("Action", ...)} alone makes a set [Action] across every service.)
     */
    private DimensionSet byAction(String action) {
        return DimensionSet.of("Service", service, "Action", action);
    }

    @Override
    public void flush() {
        metrics.flush();
    }
}
