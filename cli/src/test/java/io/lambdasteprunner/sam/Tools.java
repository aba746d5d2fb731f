package io.lambdasteprunner.sam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The command-line tools the SAM application is checked with, as scripts/setup-tools.sh installs
 * them: the AWS SAM CLI and cfn-lint ({@code .tools/sam-venv}), asl-validator, aws-local-stepfunctions
 * and the Node 22 it needs ({@code tools/sfn}).
 */
final class Tools {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path SAM_VENV = ROOT.resolve(".tools/sam-venv/bin");
    static final Path SFN = ROOT.resolve("tools/sfn");
    static final Path NODE22 = SFN.resolve("node_modules/.bin/node");
    static final Path TEMPLATE = ROOT.resolve("template.yaml");
    static final Path STATE_MACHINES = ROOT.resolve("statemachine");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int status, String output) {
    }

    private Tools() {
    }

    static Path sam() {
        return installed(SAM_VENV.resolve("sam"));
    }

    static Path cfnLint() {
        return installed(SAM_VENV.resolve("cfn-lint"));
    }

    static Path node22() {
        return installed(NODE22);
    }

    static Path installed(Path tool) {
        assertTrue(Files.isExecutable(tool), tool + " is missing: run scripts/setup-tools.sh (the test command does)");
        return tool;
    }

    /** Runs {@code command} in {@code dir} with {@code env} added, stdout and stderr together; fails the test after {@code timeoutSeconds}. */
    static Result run(Path dir, Map<String, String> env, long timeoutSeconds, List<String> command) {
        try {
            Path output = Files.createTempFile("tool", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                builder.environment().putAll(quiet());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s:\n"
                            + Files.readString(output));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The SAM CLI without telemetry, update checks or a need for an AWS profile. */
    private static Map<String, String> quiet() {
        Map<String, String> env = new HashMap<>();
        env.put("SAM_CLI_TELEMETRY", "0");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_REGION", "us-east-1");
        return env;
    }

    /** template.yaml as JSON, intrinsic functions as CloudFormation writes them ({@code {"Ref": ...}}), parsed by cfn-lint. */
    static JsonNode templateJson() {
        return python("import json, sys\nfrom cfnlint.decode import decode\ntemplate, errors = decode(sys.argv[1])\n"
                + "assert not errors, errors\nprint(json.dumps(template))");
    }

    /**
     * template.yaml after the SAM transform, as CloudFormation deploys it (SAM's translator; the code and
     * definition locations stand in for the S3 addresses {@code sam deploy} uploads to).
     */
    static JsonNode transformedTemplateJson() {
        return python("""
                import json, sys
                from cfnlint.decode import decode
                from samtranslator.translator.transform import transform
                template, errors = decode(sys.argv[1])
                assert not errors, errors
                for resource in template["Resources"].values():
                    for key in ("CodeUri", "DefinitionUri"):
                        if isinstance(resource.get("Properties", {}).get(key), str):
                            resource["Properties"][key] = "s3://bucket/" + key
                class Policies:
                    def load(self):
                        return {"AWSLambdaBasicExecutionRole":
                                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                                "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"}
                print(json.dumps(transform(template, {}, Policies())))
                """);
    }

    private static JsonNode python(String script) {
        Result parsed = run(ROOT, Map.of(), 60, List.of(SAM_VENV.resolve("python").toString(), "-c", script,
                TEMPLATE.toString()));
        if (parsed.status() != 0) {
            fail("cannot read template.yaml:\n" + parsed.output());
        }
        try {
            return JSON.readTree(parsed.output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
