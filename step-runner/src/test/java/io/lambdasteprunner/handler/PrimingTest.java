package io.lambdasteprunner.handler;

import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.step.ReseedableRandom;
import org.crac.Resource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.net.URI;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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

    @Test
    void shouldReseedTheRandomnessAfterASnapStartRestore() throws Exception {
        // Given two environments restored from one snapshot, whose generators hold the same state
        ReseedableRandom first = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        ReseedableRandom second = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        assertEquals(draws(first), draws(second));
        Resource firstHook = Priming.reseedAfterRestore(first);
        Resource secondHook = Priming.reseedAfterRestore(second);

        // When CRaC resumes each (SnapStart calls afterRestore)
        firstHook.afterRestore(null);
        secondHook.afterRestore(null);

        // Then they draw different sequences
        assertNotEquals(draws(first), draws(second));
    }

    @Test
    void shouldGiveTheHandlerARandomThatIsReseededAfterRestore() {
        assertDoesNotThrow(() -> Priming.restoreSafeRandom().nextLong());
    }

    private static List<Long> draws(ReseedableRandom random) {
        return Stream.generate(random::nextLong).limit(4).toList();
    }
}
