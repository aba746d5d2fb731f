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
 * the URL-connection client (smallest and quickest to start), a read timeout above Lambda's 900 s
 * maximum so a long synchronous invoke is not cut off, and the SDK's own retries off, because
 * {@link SdkLambdaGateway} retries with rules that know which Lambda errors are a caller's mistake.
 */
public final class LambdaClients {

    /** Longer than Lambda's 900-second maximum function timeout. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(905);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private LambdaClients() {
    }

    /** A client at {@code endpoint} ({@code null}: the region's) in {@code region}, signing with {@code credentials}. */
    public static LambdaClient create(java.net.URI endpoint, String region,
                                      software.amazon.awssdk.identity.spi.IdentityProvider<? extends software.amazon.awssdk.identity.spi.AwsCredentialsIdentity> credentials) {
        LambdaClientBuilder builder = LambdaClient.builder()
                .region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT)
                        .build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /** A client for {@code config}; the caller closes it (a container's client lives as long as the container). */
    public static LambdaClient create(LambdaClientConfig config) {
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
        return builder.build();
    }
}
