package io.lambdasteprunner.lambda;

import java.net.URI;
import java.util.Map;

/**
 * Where and how the Lambda client connects, read once from the standard environment.
 *
 * @param endpoint        {@code AWS_ENDPOINT_URL_LAMBDA} (the SDKs' standard override), {@code null}
 *                        for AWS's regional endpoint
 * @param region          {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}; {@code us-east-1} when
 *                        only an endpoint override is given
 * @param fakeCredentials whether to sign with static placeholder credentials: an endpoint override is
 *                        given and the environment holds no AWS credentials (the local service accepts any)
 */
public record LambdaClientConfig(URI endpoint, String region, boolean fakeCredentials) {

    public static LambdaClientConfig fromEnvironment(Map<String, String> env) {
        String endpointText = env.get("AWS_ENDPOINT_URL_LAMBDA");
        URI endpoint = endpointText == null || endpointText.isBlank() ? null : parse(endpointText);
        String region = firstNonBlank(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
        if (region == null) {
            if (endpoint == null) {
                throw new IllegalArgumentException("AWS_REGION is not set: set it to the region whose Lambda "
                        + "service the steps use (Lambda sets it for you)");
            }
            region = "us-east-1";
        }
        boolean noCredentials = firstNonBlank(env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_PROFILE"),
                env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"), env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
                env.get("AWS_WEB_IDENTITY_TOKEN_FILE")) == null;
        return new LambdaClientConfig(endpoint, region, endpoint != null && noCredentials);
    }

    /** A client for a local service at {@code endpoint}, signing with placeholder credentials. */
    public static LambdaClientConfig local(URI endpoint, String region) {
        return new LambdaClientConfig(endpoint, region, true);
    }

    private static URI parse(String text) {
        try {
            URI uri = URI.create(text.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AWS_ENDPOINT_URL_LAMBDA must be a URL such as http://127.0.0.1:9001, was '"
                    + text + "'");
        }
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
