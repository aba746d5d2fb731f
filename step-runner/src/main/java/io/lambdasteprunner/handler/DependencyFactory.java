package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.lambda.LambdaRetries;
import io.lambdasteprunner.lambda.S3ResultStore;
import io.lambdasteprunner.lambda.SdkLambdaGateway;
import io.lambdasteprunner.lambda.StsClients;
import io.lambdasteprunner.lambda.TargetConnections;
import io.lambdasteprunner.lambda.TargetGateways;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.LambdaGateways;
import io.lambdasteprunner.step.OrphanSweeper;
import io.lambdasteprunner.step.ResultStore;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepJson;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepRunner;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the handler's object graph, in one place (as the AWS SDK's Lambda archetype does): the
 * configuration read from the environment once, the SDK client built once per container, the step rules
 * on a {@link LambdaGateway}, logs and metrics. {@link StepHandler}'s no-argument constructor calls
 * {@link #fromEnvironment}; the command line and tests call the others.
 */
public final class DependencyFactory {

    /** What a {@link StepHandler} is made of. */
    public record Dependencies(ObjectMapper mapper, RequestRunner requests, ApiGatewayProxy api) {
    }

    private DependencyFactory() {
    }

    /**
     * Lambda's graph: {@link StepConfig} and the SDK client's configuration from {@code env}; the SDK client
     * built while a second thread warms Jackson, the parser and logging, with the SnapStart priming hook
     * registered ({@link Priming}); Powertools metrics on Lambda ({@link PowertoolsMetrics}).
     *
     * @throws IllegalArgumentException naming the environment variable that is malformed
     */
    public static Dependencies fromEnvironment(Map<String, String> env) {
        StepConfig config = StepConfig.fromEnvironment(env);
        LambdaClientConfig clientConfig = LambdaClientConfig.fromEnvironment(env);
        LambdaClient client = Priming.whileWarming(() -> LambdaClients.create(clientConfig));
        Priming.forSnapshot(client);
        // Clients for other regions and the STS client are built on first use only: cold start is unchanged.
        TargetConnections targets = new TargetConnections(clientConfig.region(), client,
                (region, credentials) -> LambdaClients.create(new LambdaClientConfig(clientConfig.endpoint(),
                        region.id(), clientConfig.fakeCredentials())),
                () -> StsClients.create(env, clientConfig));
        return onTargets(config, new SdkLambdaGateway(client, LambdaRetries.standard(), generatedFunctionLogGroup(env)),
                targets, PowertoolsMetrics.fromEnvironment(env), resultStoreFor(env));
    }

    /**
     * {@code GENERATED_FUNCTION_LOG_GROUP}: the one log group, created by the stack with a retention, that every
     * generated function logs to ({@code null} when unset: Lambda's {@code /aws/lambda/<name>}).
     *
     * @throws IllegalArgumentException when it is not a log group name
     */
    static String generatedFunctionLogGroup(Map<String, String> env) {
        String name = env.get("GENERATED_FUNCTION_LOG_GROUP");
        if (name == null || name.isBlank()) {
            return null;
        }
        if (!name.matches("[.\\-_/#A-Za-z0-9]{1,512}")) {
            throw new IllegalArgumentException("GENERATED_FUNCTION_LOG_GROUP must be a CloudWatch Logs group name "
                    + "(1-512 of letters, digits and . - _ / #), was '" + name + "'");
        }
        return name;
    }

    /**
     * Where responses too big for {@code MAX_RESULT_BYTES} go: S3 ({@code AWS_ENDPOINT_URL_S3}, the region's
     * endpoint otherwise) when {@code RESULT_BUCKET} is set, built once for the container; none otherwise.
     *
     * @throws IllegalArgumentException naming a malformed variable
     */
    public static ResultStore resultStoreFor(Map<String, String> env) {
        String bucket = env.get("RESULT_BUCKET");
        return bucket == null || bucket.isBlank() ? ResultStore.NONE : S3ResultStore.fromEnvironment(env);
    }

    /** The graph on an SDK client the caller built and closes (the command line's), with the production retries. */
    public static Dependencies onClient(StepConfig config, LambdaClient client, MetricsSink metrics) {
        return onClient(config, client, metrics, ResultStore.NONE);
    }

    /** {@link #onClient(StepConfig, LambdaClient, MetricsSink)} writing too-big responses to {@code results}. */
    public static Dependencies onClient(StepConfig config, LambdaClient client, MetricsSink metrics,
                                        ResultStore results) {
        // Another region, or STS, at the client's own endpoint (the local service plays them all) unless
        // AWS_ENDPOINT_URL_STS says otherwise; the caller's client signs as the runner.
        var own = client.serviceClientConfiguration();
        String region = own.region().id();
        var endpoint = own.endpointOverride().orElse(null);
        var credentials = own.credentialsProvider();
        String stsEndpoint = System.getenv("AWS_ENDPOINT_URL_STS");
        TargetConnections targets = new TargetConnections(region, client,
                (other, ignored) -> LambdaClients.create(endpoint, other.id(), credentials),
                () -> StsClients.create(stsEndpoint == null || stsEndpoint.isBlank() ? endpoint
                        : java.net.URI.create(stsEndpoint.trim()), region, credentials));
        // The retries' jitter draws from a SecureRandom, unique after a SnapStart restore (LambdaRetries.standard()).
        return onTargets(config, new SdkLambdaGateway(client), targets, metrics, results);
    }

    private static Dependencies onTargets(StepConfig config, SdkLambdaGateway own, TargetConnections targets,
                                          MetricsSink metrics, ResultStore results) {
        return onGateways(config, own, new TargetGateways(own, targets), metrics, Clock.systemUTC(), results);
    }

    /** The graph on any {@link LambdaGateway}, without metrics (tests). */
    public static Dependencies onGateway(StepConfig config, LambdaGateway gateway) {
        return onGateway(config, gateway, MetricsSink.none(), Clock.systemUTC());
    }

    /** The graph on any {@link LambdaGateway} (the gateway waits for Active itself). */
    public static Dependencies onGateway(StepConfig config, LambdaGateway gateway, MetricsSink metrics, Clock clock) {
        return onGateway(config, gateway, metrics, clock, ResultStore.NONE);
    }

    /**
     * The graph on any {@link LambdaGateway} and {@link ResultStore}.
     *
     * @param results where responses too big for {@code MAX_RESULT_BYTES} are written when {@code RESULT_BUCKET} is set
     */
    public static Dependencies onGateway(StepConfig config, LambdaGateway gateway, MetricsSink metrics, Clock clock,
                                         ResultStore results) {
        return onGateways(config, gateway, LambdaGateways.only(gateway), metrics, clock, results);
    }

    /**
     * The graph acting in the account and region each request names.
     *
     * @param own      the gateway of the runner's own account and region (the sweep's)
     * @param gateways the gateway of each target (tests may return one in-memory gateway per target)
     */
    public static Dependencies onGateways(StepConfig config, LambdaGateway own, LambdaGateways gateways,
                                          MetricsSink metrics, Clock clock, ResultStore results) {
        ObjectMapper mapper = StepJson.newMapper();
        StepTelemetry telemetry = new StepTelemetry(metrics);
        StepRunner runner = new StepRunner(gateways, config, telemetry, mapper, clock, Priming.restoreSafeRandom(),
                results);
        RequestRunner requests = new RequestRunner(new StepRequestParser(), runner,
                OrphanSweeper.forConfig(own, config, clock), other -> OrphanSweeper.forConfig(other, config, clock),
                telemetry, clock);
        return new Dependencies(mapper, requests, new ApiGatewayProxy(mapper, runner.resultFitter()));
    }

    /** {@code build} (an SDK client) runs while another thread warms the local paths: the command line's cold start. */
    public static LambdaClient clientWhileWarming(Supplier<LambdaClient> build) {
        return Priming.whileWarming(build);
    }
}
