package io.lambdasteprunner.lambda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The S3 writes against moto's server with its IAM checks on, so a wrong signature or a key outside what the
 * policy allows is refused as S3 would: the same least privilege the template grants ({@code s3:PutObject}
 * on the result prefix only).
 */
class S3ResultStoreIT {

    private static final String BUCKET = "step-results-bucket";
    private static final String POLICY = """
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": ["s3:CreateBucket", "s3:GetObject", "s3:HeadObject"], "Resource": "*"},
              {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::step-results-bucket/step-results/*"}
            ]}""";

    private static MotoS3 s3;

    @BeforeAll
    static void start() {
        s3 = MotoS3.startCheckingSignatures(POLICY);
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static S3ResultStore store(String secret) {
        return new S3ResultStore(s3.endpoint(), "us-east-1", StaticCredentialsProvider.create(
                AwsBasicCredentials.create(s3.credentials().accessKeyId(), secret)));
    }

    @Test
    void shouldWriteASignedObjectUnderThePrefix() {
        byte[] json = "{\"rows\":[\"é\",\"\\u0000\"]}".getBytes(StandardCharsets.UTF_8);

        try (S3ResultStore store = store(s3.credentials().secretAccessKey())) {
            store.write(BUCKET, "step-results/fn-1/req-1.json", json);
        }

        assertArrayEquals(json, s3.object(BUCKET, "step-results/fn-1/req-1.json"));
    }

    @Test
    void shouldReportAWrongSignatureInOneLine() {
        try (S3ResultStore store = store("not-the-secret")) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> store.write(BUCKET, "step-results/fn-1/req-2.json", "{}".getBytes(StandardCharsets.UTF_8)));

            assertTrue(refused.getMessage().startsWith("S3 answered 403 SignatureDoesNotMatch"), refused.getMessage());
            assertTrue(!refused.getMessage().contains("not-the-secret"), "no credential in the message");
        }
    }

    @Test
    void shouldBeRefusedOutsideThePrefixThePolicyAllows() {
        try (S3ResultStore store = store(s3.credentials().secretAccessKey())) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> store.write(BUCKET, "elsewhere/fn-1/req-3.json", "{}".getBytes(StandardCharsets.UTF_8)));

            assertTrue(refused.getMessage().startsWith("S3 answered 403 AccessDenied"), refused.getMessage());
        }
    }

    @Test
    void shouldAddressAwsVirtualHostedAndAnOverridePathStyle() {
        S3ResultStore aws = new S3ResultStore(null, "eu-west-1", StaticCredentialsProvider.create(
                AwsBasicCredentials.create("a", "b")));
        S3ResultStore dotted = aws;

        assertEquals(URI.create("https://results.s3.eu-west-1.amazonaws.com/p/f/r.json"), aws.objectUri("results", "p/f/r.json"));
        assertEquals(URI.create("https://s3.eu-west-1.amazonaws.com/my.results/p/f/r.json"),
                dotted.objectUri("my.results", "p/f/r.json"));
        assertEquals(URI.create(s3.endpoint() + "/results/p/f/r.json"),
                store("x").objectUri("results", "p/f/r.json"));
        aws.close();
    }
}
