package io.lambdasteprunner.handler;

import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import org.crac.Resource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PrimingTest {

    @Test
    void shouldReturnTheClientBuiltWhileTheLocalPathsWarm() {
        assertEquals("client", Priming.whileWarming(() -> "client"));
    }

    @Test
    void shouldPrimeBeforeTheSnapshotEvenWhenLambdaCannotBeReached() {
        // Port 1 on loopback refuses the connection: priming must swallow it (a slower first request at worst).
        try (LambdaClient client = LambdaClients.create(LambdaClientConfig.local(URI.create("http://127.0.0.1:1"),
                "us-east-1"))) {
            Resource resource = Priming.forSnapshot(client);

            assertDoesNotThrow(() -> resource.beforeCheckpoint(null));
            assertDoesNotThrow(() -> resource.afterRestore(null));
        }
    }
}
