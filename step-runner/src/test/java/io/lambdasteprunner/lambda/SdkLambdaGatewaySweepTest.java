package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.LambdaGateway.FunctionSummary;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.ListFunctionsRequest;
import software.amazon.awssdk.services.lambda.model.ListFunctionsResponse;
import software.amazon.awssdk.services.lambda.model.ListTagsRequest;
import software.amazon.awssdk.services.lambda.model.ListTagsResponse;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the orphan sweeper asks of the SDK gateway: every page of ListFunctions and ListTags, on a
 * hand-written client that answers pages (retries are the SDK's: {@code LambdaRetriesIT} runs them).
 */
class SdkLambdaGatewaySweepTest {

    private final List<String> markers = new ArrayList<>();
    private boolean throttled;

    private final LambdaClient client = new LambdaClient() {
        @Override
        public ListFunctionsResponse listFunctions(ListFunctionsRequest request) {
            markers.add(request.marker());
            if (throttled) {
                throw (TooManyRequestsException) TooManyRequestsException.builder().statusCode(429)
                        .message("Rate Exceeded.").awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("TooManyRequestsException").errorMessage("Rate Exceeded.").build()).build();
            }
            int from = request.marker() == null ? 0 : Integer.parseInt(request.marker());
            List<FunctionConfiguration> page = new ArrayList<>();
            for (int i = from; i < Math.min(from + request.maxItems(), 120); i++) {
                page.add(FunctionConfiguration.builder().functionName("f" + i)
                        .functionArn("arn:aws:lambda:us-east-1:123456789012:function:f" + i)
                        .lastModified(i == 0 ? "2026-11-24T08:00:00.000+0000" : i == 1 ? "garbage" : null).build());
            }
            return ListFunctionsResponse.builder().functions(page)
                    .nextMarker(from + request.maxItems() < 120 ? Integer.toString(from + request.maxItems()) : null)
                    .build();
        }

        @Override
        public ListTagsResponse listTags(ListTagsRequest request) {
            return ListTagsResponse.builder().tags(Map.of("arn", request.resource())).build();
        }

        @Override
        public String serviceName() {
            return "lambda";
        }

        @Override
        public void close() {
        }
    };
    private final SdkLambdaGateway gateway = new SdkLambdaGateway(client,
            new LambdaRetries(5, Duration.ofMillis(1), Duration.ofMillis(5), new Random(3)));

    @Test
    void shouldListEveryPageAndReadLastModifiedAsLambdaWritesIt() {
        List<FunctionSummary> functions = gateway.listFunctions();

        assertEquals(120, functions.size());
        assertEquals("f119", functions.get(119).functionName());
        assertEquals(Instant.parse("2026-11-24T08:00:00Z"), functions.get(0).lastModified());
        assertNull(functions.get(1).lastModified());
        assertEquals(java.util.Arrays.asList(null, "50", "100"), markers);
    }

    @Test
    void shouldReportThrottlingAsThrottled() {
        throttled = true;

        StepFailure failure = assertThrows(StepFailure.class, gateway::listFunctions);

        assertEquals(StepError.THROTTLED, failure.error());
    }

    @Test
    void shouldReadTagsByArn() {
        assertEquals(Map.of("arn", "arn:aws:lambda:us-east-1:123456789012:function:f1"),
                gateway.tags("arn:aws:lambda:us-east-1:123456789012:function:f1"));
    }
}
