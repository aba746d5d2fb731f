package io.lambdasteprunner.bench;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;

/**
 * The cold-start baseline: a JVM that does exactly one SDK invoke and exits, with the same HTTP client
 * and the same jar on the class path as the step runner. Usage: {@code BareSdkInvoke ENDPOINT FUNCTION}.
 */
public final class BareSdkInvoke {
    public static void main(String[] args) {
        try (LambdaClient client = LambdaClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create(args[0]))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .build()) {
            int status = client.invoke(r -> r.functionName(args[1]).payload(SdkBytes.fromUtf8String("{\"host\":\"web-1\"}")))
                    .statusCode();
            System.out.println(status);
        }
    }
}
