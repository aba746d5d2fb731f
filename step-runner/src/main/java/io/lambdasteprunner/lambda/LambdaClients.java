package io.lambdasteprunner.lambda;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.LambdaClientBuilder;

import java.time.Duration;

/**
 * Builds the SDK's {@link LambdaClient}: once per container, from the handler's constructor.
 *
 * <p>Region, endpoint, credentials and HTTP client are set explicitly rather than discovered:
 * the URL-connection client (smallest and quickest to start) and a read timeout above Lambda's 900 s
 * maximum so a long synchronous invoke is not cut off. The client itself retries nothing: each call
 * of {@link SdkLambdaGateway} brings its own {@link LambdaRetries retry strategy}, which knows which
 * Lambda errors are a caller's mistake and which Invoke failures may have run the function.
 *
 * <p>The JDK's {@code HttpURLConnection} silently sends a POST again when the connection fails
 * before the answer's headers arrive (a reset, an early close), unless
 * {@code sun.net.http.retryPost} is {@code false}: this class sets it, before the first connection
 * reads it, so that an Invoke is never sent twice behind the retry strategy's back.
 */
public final class LambdaClients {

    static {
        // Read once, when the JDK's HTTP client class initialises (at the first connection).
        System.setProperty("sun.net.http.retryPost", "false");
    }

    /** Longer than Lambda's 900-second maximum function timeout. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(905);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private LambdaClients() {
    }

    /** A client for {@code config}; the caller closes it (a container's client lives as long as the container). */
    public static LambdaClient create(LambdaClientConfig config) {
        return builder(config).build();
    }

    /** The builder {@link #create} uses, for callers that add to it (tests count attempts with an interceptor). */
    public static LambdaClientBuilder builder(LambdaClientConfig config) {
        LambdaClientBuilder builder = LambdaClient.builder()
                .region(Region.of(config.region()))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT)
                        .build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        builder.credentialsProvider(config.fakeCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build());
        return builder;
    }
}
