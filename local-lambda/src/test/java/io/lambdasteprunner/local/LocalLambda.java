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

    static String decodeLog(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
