package io.lambdasteprunner.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SigV4 Authorization header, as every AWS SDK and the CLI send it, read for its credential scope. */
class CallerCredentialTest {
    private static final String SIGNATURE = "a".repeat(64);

    @Test
    void shouldReadTheAccessKeyIdAndCredentialScope() {
        String header = "AWS4-HMAC-SHA256 Credential=123456789012/20261129/eu-west-1/lambda/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=" + SIGNATURE;

        assertEquals(Optional.of(new CallerCredential("123456789012", "20261129", "eu-west-1", "lambda")),
                CallerCredential.parse(header));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "Bearer abc",
            "AWS test:signature",
            "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/lambda/aws4_request",
            "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/lambda/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/lambda, SignedHeaders=host, Signature=" + "a",
            "AWS4-HMAC-SHA256 Credential=test/yesterday/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x"})
    void shouldRefuseWhatIsNotASigV4Signature(String header) {
        assertEquals(Optional.empty(), CallerCredential.parse(header));
    }
}
