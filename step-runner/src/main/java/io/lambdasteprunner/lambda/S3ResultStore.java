package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.ResultStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.ServiceMetadata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes whole responses to S3 for {@code RESULT_BUCKET}: one signed {@code PutObject}
 * ({@code PUT /<key>}, SigV4, SHA-256 of the body) through the SDK's URL-connection HTTP client,
 * signer and default credentials chain.
 *
 * <p>Why not the SDK's {@code s3} module: it adds 4.6 MB to the Lambda artifact (19.2 MB in all, past its
 * 15 MB budget) for one call; the pieces used here are already in the artifact for the Lambda client.
 * Endpoint: {@code AWS_ENDPOINT_URL_S3} (the SDKs' standard override; path-style addressing, as local S3
 * servers expect), else the region's S3 endpoint with virtual-hosted addressing (path-style for bucket
 * names with dots, which TLS certificates do not cover). Built once per container; thread-safe.
 */
public final class S3ResultStore implements ResultStore, AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A result is at most Lambda's 6 MB response: ample at S3's in-region speed. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_ERROR_BODY = 4096;
    private static final Pattern CODE = Pattern.compile("<Code>([^<]{1,100})</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]{1,300})</Message>");

    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final AwsCredentialsProvider credentials;
    private final Region region;
    private final URI endpoint;

    /**
     * @param endpoint    {@code null} for the region's S3 endpoint
     * @param credentials how requests are signed (the Lambda role's credentials on AWS)
     */
    public S3ResultStore(URI endpoint, String region, AwsCredentialsProvider credentials) {
        this.endpoint = endpoint;
        this.region = Region.of(region);
        this.credentials = credentials;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build();
    }

    /**
     * The store for the standard environment: {@code AWS_ENDPOINT_URL_S3}, {@code AWS_REGION}, and placeholder
     * credentials when an endpoint override is given and the environment has none (a local S3 server).
     *
     * @throws IllegalArgumentException naming a malformed variable
     */
    public static S3ResultStore fromEnvironment(Map<String, String> env) {
        String endpointText = env.get("AWS_ENDPOINT_URL_S3");
        URI endpoint = null;
        if (endpointText != null && !endpointText.isBlank()) {
            try {
                endpoint = URI.create(endpointText.trim());
            } catch (IllegalArgumentException e) {
                endpoint = null;
            }
            if (endpoint == null || endpoint.getScheme() == null || endpoint.getHost() == null) {
                throw new IllegalArgumentException("AWS_ENDPOINT_URL_S3 must be a URL such as http://127.0.0.1:5000, "
                        + "was '" + endpointText + "'");
            }
        }
        String region = env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        boolean noCredentials = isBlank(env.get("AWS_ACCESS_KEY_ID")) && isBlank(env.get("AWS_PROFILE"))
                && isBlank(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
                && isBlank(env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
                && isBlank(env.get("AWS_WEB_IDENTITY_TOKEN_FILE"));
        AwsCredentialsProvider credentials = endpoint != null && noCredentials
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
        return new S3ResultStore(endpoint, region, credentials);
    }

    @Override
    public void write(String bucket, String key, byte[] json) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.PUT)
                .uri(objectUri(bucket, key))
                .putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", Integer.toString(json.length))
                .putHeader("x-amz-content-sha256", sha256Hex(json))
                .build();
        try {
            put(request, json);
        } catch (IOException | UncheckedIOException first) {
            // PutObject of the same bytes to the same key is idempotent: one more try after a broken connection.
            try {
                put(request, json);
            } catch (IOException | UncheckedIOException second) {
                throw new IllegalStateException("S3 could not be reached: " + second.getClass().getSimpleName()
                        + (second.getMessage() == null ? "" : ": " + second.getMessage()));
            }
        }
    }

    private void put(SdkHttpRequest request, byte[] json) throws IOException {
        SignedRequest signed = signer.sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(json))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id())
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(signed.payload().orElse(null))
                .build()).call();
        int status = response.httpResponse().statusCode();
        String body = read(response);
        if (status / 100 == 2) {
            return;
        }
        Matcher code = CODE.matcher(body);
        Matcher message = MESSAGE.matcher(body);
        throw new IllegalStateException("S3 answered " + status + (code.find() ? " " + code.group(1) : "")
                + (message.find() ? ": " + message.group(1) : ""));
    }

    /** Path-style under an override or for dotted names; virtual-hosted on AWS otherwise. */
    URI objectUri(String bucket, String key) {
        if (endpoint != null) {
            String base = endpoint.toString().replaceAll("/+$", "");
            return URI.create(base + "/" + bucket + "/" + key);
        }
        String host = ServiceMetadata.of("s3").endpointFor(region).toString();
        return bucket.contains(".") ? URI.create("https://" + host + "/" + bucket + "/" + key)
                : URI.create("https://" + bucket + "." + host + "/" + key);
    }

    private static String read(HttpExecuteResponse response) throws IOException {
        if (response.responseBody().isEmpty()) {
            return "";
        }
        try (InputStream body = response.responseBody().get()) {
            return new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        }
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public void close() {
        http.close();
    }
}
