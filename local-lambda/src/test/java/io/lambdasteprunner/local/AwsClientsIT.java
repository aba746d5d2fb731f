package io.lambdasteprunner.local;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** boto3 and the AWS CLI, clients nobody here wrote, drive the service through a whole function life. */
class AwsClientsIT {

    @Test
    void boto3AndTheAwsCliSeeALambdaService() throws Exception {
        Path python = Path.of(".venv/bin/python").toAbsolutePath();
        assertTrue(Files.isExecutable(python), "run scripts/setup-tools.sh (the test command does)");
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults())) {
            Process check = new ProcessBuilder(python.toString(), "local-lambda/src/test/python/aws_clients_check.py",
                    service.endpoint().toString()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(120, TimeUnit.SECONDS));

            assertEquals(0, check.exitValue(), output);
            assertTrue(output.contains("all checks passed"), output);
        }
    }
}
