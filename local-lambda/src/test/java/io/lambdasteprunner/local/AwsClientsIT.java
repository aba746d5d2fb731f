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
        runCheck("local-lambda/src/test/python/aws_clients_check.py");
    }

    @Test
    void boto3AndTheAwsCliSeeAccountsRegionsAndSts() throws Exception {
        runCheck("local-lambda/src/test/python/aws_accounts_check.py");
    }

    private static void runCheck(String script) throws Exception {
        Path python = Path.of(".venv/bin/python").toAbsolutePath();
        assertTrue(Files.isExecutable(python), "run scripts/setup-tools.sh (the test command does)");
        try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults())) {
            // Output to a file and a deadline on the wait: a hung client fails the test instead of blocking it.
            Path log = Files.createTempFile("aws-clients", ".out");
            Process check = new ProcessBuilder(python.toString(), script, service.endpoint().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = check.waitFor(5, TimeUnit.MINUTES);
            if (!ended) {
                check.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
            String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            Files.delete(log);
            assertTrue(ended, "the check did not end within 5 minutes:\n" + output);

            assertEquals(0, check.exitValue(), output);
            assertTrue(output.contains("all checks passed"), output);
        }
    }
}
