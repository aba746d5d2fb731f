package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;

import java.util.Base64;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every interpreted runtime family runs for real under the built-in bootstraps. */
class RuntimesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();
    private static LambdaClient lambda;

    /** One echo function and one failing function per runtime, in that runtime's packaging. */
    record Sample(String runtime, String file, String handler, String echo, String failing,
                  String expectedErrorType) {
        @Override
        public String toString() {
            return runtime + " " + file;
        }
    }

    static Stream<Arguments> samples() {
        return Stream.of(
                new Sample("python3.12", "lambda_function.py", "lambda_function.lambda_handler", """
                        import os
                        def lambda_handler(event, context):
                            print("log from python")
                            return {"event": event, "name": context.function_name, "requestId": context.aws_request_id,
                                    "clientContext": {"custom": context.client_context.custom}, "remaining": context.get_remaining_time_in_millis(),
                                    "region": os.environ["AWS_REGION"], "memory": context.memory_limit_in_mb}
                        """, """
                        def lambda_handler(event, context):
                            raise ValueError("boom")
                        """, "ValueError"),
                new Sample("nodejs22.x", "index.js", "index.handler", """
                        exports.handler = async (event, context) => {
                          console.log('log from node');
                          return { event, name: context.functionName, requestId: context.awsRequestId,
                                   clientContext: context.clientContext, remaining: context.getRemainingTimeInMillis(),
                                   region: process.env.AWS_REGION, memory: context.memoryLimitInMB };
                        };
                        """, """
                        exports.handler = async () => { throw new TypeError('boom'); };
                        """, "TypeError"),
                new Sample("nodejs24.x", "index.mjs", "index.handler", """
                        export const handler = async (event, context) => {
                          console.log('log from node');
                          return { event, name: context.functionName, requestId: context.awsRequestId,
                                   clientContext: context.clientContext, remaining: context.getRemainingTimeInMillis(),
                                   region: process.env.AWS_REGION, memory: context.memoryLimitInMB };
                        };
                        """, """
                        export const handler = async () => { throw new Error('boom'); };
                        """, "Error"),
                new Sample("nodejs20.x", "index.js", "index.handler", """
                        exports.handler = (event, context, callback) => {
                          console.log('log from node');
                          callback(null, { event, name: context.functionName, requestId: context.awsRequestId,
                                   clientContext: context.clientContext, remaining: context.getRemainingTimeInMillis(),
                                   region: process.env.AWS_REGION, memory: context.memoryLimitInMB });
                        };
                        """, """
                        exports.handler = (event, context, callback) => callback(new RangeError('boom'));
                        """, "RangeError"),
                new Sample("ruby3.4", "lambda_function.rb", "lambda_function.lambda_handler", """
                        def lambda_handler(event:, context:)
                          puts 'log from ruby'
                          { 'event' => event, 'name' => context.function_name, 'requestId' => context.aws_request_id,
                            'clientContext' => context.client_context, 'remaining' => context.get_remaining_time_in_millis,
                            'region' => ENV['AWS_REGION'], 'memory' => context.memory_limit_in_mb }
                        end
                        """, """
                        def lambda_handler(event:, context:)
                          raise ArgumentError, 'boom'
                        end
                        """, "Function<ArgumentError>")
        ).map(Arguments::of);
    }

    @BeforeAll
    static void client() {
        lambda = LOCAL.lambda();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldRunTheHandlerWithEventContextAndLogs(Sample sample) throws Exception {
        String name = "rt-echo-" + sample.runtime().replace(".", "") + "-" + sample.file().replace(".", "");
        LocalLambda.create(lambda, name, sample.runtime(), sample.file(), sample.handler(), sample.echo(), 3);
        String clientContext = Base64.getEncoder().encodeToString("{\"custom\":{\"depth\":1}}".getBytes());

        InvokeResponse response = lambda.invoke(r -> r.functionName(name).logType(LogType.TAIL)
                .clientContext(clientContext).payload(SdkBytes.fromUtf8String("{\"n\":[1,2,3]}")));

        assertNull(response.functionError(), response.payload().asUtf8String());
        JsonNode body = JSON.readTree(response.payload().asUtf8String());
        assertEquals("{\"n\":[1,2,3]}", body.get("event").toString());
        assertEquals(name, body.get("name").asText());
        assertEquals(1, body.at("/clientContext/custom/depth").asInt());
        assertEquals("us-east-1", body.get("region").asText());
        assertEquals("128", body.get("memory").asText());
        assertTrue(body.get("remaining").asLong() > 1000 && body.get("remaining").asLong() <= 3000, body.toString());
        String log = LocalLambda.decodeLog(response.logResult());
        assertTrue(log.contains("START RequestId: " + body.get("requestId").asText()), log);
        assertTrue(log.contains("log from "), log);
        assertTrue(log.indexOf("log from ") < log.indexOf("END RequestId"), log);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldReportAHandlerErrorAsUnhandledWithTheRuntimesPayload(Sample sample) throws Exception {
        String name = "rt-fail-" + sample.runtime().replace(".", "") + "-" + sample.file().replace(".", "");
        LocalLambda.create(lambda, name, sample.runtime(), sample.file(), sample.handler(), sample.failing(), 3);

        InvokeResponse response = lambda.invoke(r -> r.functionName(name).logType(LogType.TAIL));

        assertEquals(200, response.statusCode());
        assertEquals("Unhandled", response.functionError());
        JsonNode error = JSON.readTree(response.payload().asUtf8String());
        assertEquals(sample.expectedErrorType(), error.get("errorType").asText());
        assertEquals("boom", error.get("errorMessage").asText());
        assertTrue(LocalLambda.decodeLog(response.logResult()).contains("boom"));
    }
}
