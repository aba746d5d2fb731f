package io.lambdasteprunner.local;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Test helpers: a real SDK client pointed at a local service, and function packages. */
final class LocalLambda {
    static final String ROLE = "arn:aws:iam::000000000000:role/lambda-test";

    private LocalLambda() {
    }

    static LambdaClient client(LocalLambdaService service) {
        return LambdaClient.builder()
                .endpointOverride(service.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    static SdkBytes zip(Map<String, String> files) {
        Map<String, byte[]> binary = new java.util.LinkedHashMap<>();
        files.forEach((name, text) -> binary.put(name, text.getBytes(StandardCharsets.UTF_8)));
        return zipFiles(binary);
    }

    static SdkBytes zipFiles(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SdkBytes.fromByteArray(bytes.toByteArray());
    }

    /** Creates a function from one source file and waits until it is Active. */
    static CreateFunctionResponse create(LambdaClient lambda, String name, String runtime, String file,
                                         String handler, String code, int timeoutSeconds) {
        CreateFunctionResponse created = lambda.createFunction(request -> request
                .functionName(name)
                .runtime(Runtime.fromValue(runtime))
                .role(ROLE)
                .handler(handler)
                .timeout(timeoutSeconds)
                .code(c -> c.zipFile(zip(Map.of(file, code)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return created;
    }

    static CreateFunctionResponse createPython(LambdaClient lambda, String name, String code) {
        return create(lambda, name, "python3.12", "lambda_function.py", "lambda_function.lambda_handler", code, 3);
    }

    /**
     * A raw HTTP request signed with SigV4 as an SDK signs it (any key is accepted), for the service's
     * endpoints no SDK models ({@code /_local/faults}) and for requests an SDK would not send.
     */
    static java.net.http.HttpRequest.Builder signed(java.net.URI uri, String method, String body) {
        var unsigned = software.amazon.awssdk.http.SdkHttpRequest.builder().uri(uri)
                .method(software.amazon.awssdk.http.SdkHttpMethod.fromValue(method)).build();
        var signedRequest = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create().sign(r -> r
                .identity(software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create("test", "test"))
                .request(unsigned)
                .payload(software.amazon.awssdk.http.ContentStreamProvider.fromUtf8String(body))
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        var builder = java.net.http.HttpRequest.newBuilder(uri)
                .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body));
        signedRequest.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) { // the client sets Host itself, to the same value
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder;
    }

    static String decodeLog(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
