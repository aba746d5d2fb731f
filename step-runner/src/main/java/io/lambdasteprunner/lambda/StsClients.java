package io.lambdasteprunner.lambda;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;

import java.net.URI;
import java.util.Map;

/**
 * Builds the STS client that assumes the roles steps name: in the runner's region, at {@code AWS_ENDPOINT_URL_STS}
 * when set (the SDKs' standard override; the local service answers STS on its own endpoint), signing with the
 * runner's credentials, or placeholder ones in the cases {@link LambdaClientConfig} uses them. Built on first use.
 */
public final class StsClients {

    private StsClients() {
    }

    /**
     * @param lambda the runner's Lambda client settings: its region, and whether it signs with placeholders
     * @throws IllegalArgumentException when {@code AWS_ENDPOINT_URL_STS} is not a URL
     */
    public static StsClient create(Map<String, String> env, LambdaClientConfig lambda) {
        String endpointText = env.get("AWS_ENDPOINT_URL_STS");
        URI endpoint = endpointText == null || endpointText.isBlank() ? null : parse(endpointText);
        boolean noCredentials = isBlank(env.get("AWS_ACCESS_KEY_ID")) && isBlank(env.get("AWS_PROFILE"))
                && isBlank(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
                && isBlank(env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
                && isBlank(env.get("AWS_WEB_IDENTITY_TOKEN_FILE"));
        boolean placeholders = lambda.fakeCredentials() || (endpoint != null && noCredentials);
        return create(endpoint, lambda.region(), placeholders ? PLACEHOLDERS : DefaultCredentialsProvider.builder().build());
    }

    static final AwsCredentialsProvider PLACEHOLDERS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    /** A client at {@code endpoint} ({@code null}: STS's regional endpoint) signing with {@code credentials}. */
    public static StsClient create(URI endpoint, String region,
                                   software.amazon.awssdk.identity.spi.IdentityProvider<? extends software.amazon.awssdk.identity.spi.AwsCredentialsIdentity> credentials) {
        StsClientBuilder builder = StsClient.builder()
                .region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(LambdaClients.CONNECT_TIMEOUT)
                        .build())
                .credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    private static URI parse(String text) {
        try {
            URI uri = URI.create(text.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AWS_ENDPOINT_URL_STS must be a URL such as http://127.0.0.1:9001, was '"
                    + text + "'");
        }
    }
}
