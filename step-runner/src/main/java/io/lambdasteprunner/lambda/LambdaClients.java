package io.lambdasteprunner.lambda;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.LambdaClientBuilder;

import java.time.Duration;

/**
 * Builds the SDK's {@link LambdaClient}: once per container, from the handler's constructor.
 *
 * <p>Region, endpoint, credentials and HTTP client are set explicitly rather than discovered:
 * the URL-connection client (smallest and quickest to start) and a read timeout above Lambda's 900 s
 * maximum so a long synchronous invoke is not cut off. The client's own retry strategy is the one for
 * Invoke ({@link LambdaRetries#invoke()}: never again once the function may have run); the
 * {@link SdkLambdaGateway}'s control-plane calls bring theirs with each request.
 *
 * <p>The JDK's {@code HttpURLConnection} silently sends a buffered POST again when the connection fails
 * before the answer's headers arrive (a reset, an early close), unless {@code sun.net.http.retryPost} is
 * {@code false} when its HTTP client class initialises (once, at the first connection of the JVM). A
 * streamed POST is never sent again, but costs the JDK's 1 ms check of a kept-alive connection. So the
 * bodies are buffered ({@link BufferedRequestBodies}) only when the property was {@code false} before
 * this class loaded, set where the JVM starts: the template's {@code JAVA_TOOL_OPTIONS}, the command
 * line's {@code main}, the test configuration. Otherwise they are streamed, and this class still sets the
 * property for whatever connects after it.
 */
public final class LambdaClients {

    /** The JDK's switch for resending a buffered POST whose connection failed (default true). */
    public static final String RETRY_POST = "sun.net.http.retryPost";

    /** Whether the JDK was told not to resend POSTs before this class loaded (read first); see above. */
    static final boolean BUFFERED_BODIES = "false".equals(System.getProperty(RETRY_POST));

    static {
        System.setProperty(RETRY_POST, "false");
    }

    /** Longer than Lambda's 900-second maximum function timeout. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(905);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private LambdaClients() {
    }

    /**
     * A client at {@code endpoint} ({@code null}: the region's) in {@code region}, signing with {@code credentials},
     * with {@link #create(LambdaClientConfig)}'s HTTP client settings and Invoke retries: another region's client
     * ({@link TargetConnections}).
     */
    public static LambdaClient create(java.net.URI endpoint, String region,
                                      IdentityProvider<? extends AwsCredentialsIdentity> credentials) {
        LambdaClientBuilder builder = LambdaClient.builder()
                .region(Region.of(region))
                .httpClient(httpClient())
                .overrideConfiguration(o -> withBodies(o.retryStrategy(LambdaRetries.standard().invoke())))
                .credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /**
     * A client for {@code config} whose own retry strategy is {@link LambdaRetries#standard()}'s for
     * Invoke; the caller closes it (a container's client lives as long as the container).
     */
    public static LambdaClient create(LambdaClientConfig config) {
        return builder(config, LambdaRetries.standard()).build();
    }

    /**
     * The builder {@link #create} uses, with {@code retries}' Invoke strategy as the client's own
     * (give the {@link SdkLambdaGateway} the same {@code retries}). For callers that add to it: tests
     * count attempts with an interceptor (add it with {@code addExecutionInterceptor} on
     * {@code overrideConfiguration(ClientOverrideConfiguration.Builder)}'s copy, not a new one).
     */
    public static LambdaClientBuilder builder(LambdaClientConfig config, LambdaRetries retries) {
        LambdaClientBuilder builder = LambdaClient.builder()
                .region(Region.of(config.region()))
                .httpClient(httpClient())
                .overrideConfiguration(o -> withBodies(o.retryStrategy(retries.invoke())));
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        builder.credentialsProvider(config.fakeCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build());
        return builder;
    }

    /** Buffers request bodies where that is safe ({@link #BUFFERED_BODIES}). */
    private static ClientOverrideConfiguration.Builder withBodies(ClientOverrideConfiguration.Builder config) {
        return BUFFERED_BODIES ? config.addExecutionInterceptor(new BufferedRequestBodies()) : config;
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(READ_TIMEOUT)
                .build();
    }
}
