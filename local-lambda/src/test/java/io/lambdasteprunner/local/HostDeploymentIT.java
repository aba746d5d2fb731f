package io.lambdasteprunner.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program hosting the service deploys its own function in-process, as CreateFunction + Publish + CreateAlias would. */
class HostDeploymentIT {
    private static final String ROLE = "arn:aws:iam::000000000000:role/host-deployed";

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();

    private static FunctionDeployment python(String name, String source) {
        return new FunctionDeployment(name, "python3.12", "lambda_function.lambda_handler", ROLE, "deployed by the host",
                256, 30, Map.of("GREETING", "hello"),
                LocalLambda.zip(Map.of("lambda_function.py", source)).asByteArray(), "live");
    }

    @Test
    void shouldDeployAFunctionThatCallersReachThroughTheApiByItsAlias() {
        // Given a function deployed by the host
        FunctionDeployment.Deployed deployed = LOCAL.service().deploy(python("host-echo", """
                import os
                def lambda_handler(event, context):
                    return {"greeting": os.environ["GREETING"], "version": context.function_version, "got": event}
                """), Duration.ofSeconds(30));

        // When a caller invokes its alias through the SDK
        InvokeResponse response = LOCAL.lambda().invoke(r -> r.functionName(deployed.aliasArn())
                .payload(SdkBytes.fromUtf8String("{\"host\":\"web-1\"}")));

        // Then it answers from the published version, with its settings, as a created function would
        assertEquals("1", deployed.version());
        assertTrue(deployed.aliasArn().endsWith(":function:host-echo:live"), deployed.aliasArn());
        assertNull(response.functionError());
        assertEquals("{\"greeting\": \"hello\", \"version\": \"1\", \"got\": {\"host\": \"web-1\"}}",
                response.payload().asUtf8String());
        GetFunctionConfigurationResponse alias = LOCAL.lambda().getFunctionConfiguration(r -> r.functionName("host-echo")
                .qualifier("live"));
        assertEquals("1", alias.version());
        assertEquals(256, alias.memorySize());
        assertEquals("deployed by the host", alias.description());
    }

    @Test
    void shouldRefuseWhatCreateFunctionRefuses() {
        // Given a function the host deployed
        LOCAL.service().deploy(python("host-twice", "def lambda_handler(e, c):\n    return 1\n"), Duration.ofSeconds(30));

        // When it deploys one of the same name, then it is refused as CreateFunction refuses it
        RuntimeException refused = assertThrows(RuntimeException.class, () -> LOCAL.service().deploy(
                python("host-twice", "def lambda_handler(e, c):\n    return 2\n"), Duration.ofSeconds(30)));
        assertEquals("Function already exist: host-twice", refused.getMessage());
    }
}
