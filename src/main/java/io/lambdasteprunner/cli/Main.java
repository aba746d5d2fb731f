package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.handler.MetricsSink;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.runtimes.LambdaRuntimes;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepFailure;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The command line.
 *
 * <pre>
 * java -jar lambda-step-runner.jar run EVENT.json [--endpoint URL]
 * java -jar lambda-step-runner.jar serve [--port 9001]
 * </pre>
 *
 * <p>{@code run} passes one event through the same handler Lambda runs and prints its output JSON.
 * Without {@code --endpoint} it starts the embedded local Lambda service and stops it after. Exit
 * status: 0 when the step ran (a function error is a result), 1 when it failed with a named error
 * (name and message on stderr), 2 for a usage mistake. {@code serve} runs the local Lambda service
 * until the process is stopped; when the Java runtime interface client is available
 * ({@code LOCAL_LAMBDA_JAVA_RIC}) it also deploys this jar in it as the function
 * {@value #SELF_FUNCTION_NAME} ({@code java21}), so a step can be run the way Step Functions runs it.
 */
public final class Main {

    /** The execution role generated functions get locally when {@code DEFAULT_EXECUTION_ROLE_ARN} is unset. */
    public static final String LOCAL_ROLE_ARN = "arn:aws:iam::000000000000:role/lambda-step-runner-local";

    /** The name the step runner is deployed under in {@code serve} mode. */
    public static final String SELF_FUNCTION_NAME = "lambda-step-runner";
    /** The deployed handler: the unnamed-package subclass that reports errors by name. */
    static final String SELF_HANDLER = "StepRunnerHandler::handleRequest";

    static final int OK = 0;
    static final int STEP_FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            usage: java -jar lambda-step-runner.jar run EVENT.json [--endpoint URL]
                   java -jar lambda-step-runner.jar serve [--port 9001]""";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    Main(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (System.getenv("POWERTOOLS_LOG_LEVEL") == null && System.getProperty("lambdasteprunner.logLevel") == null) {
            // A terminal wants the output JSON, not the runner's own INFO lines.
            System.setProperty("lambdasteprunner.logLevel", "WARN");
        }
        Main main = new Main(System.getenv(), System.out, System.err);
        int status = args.length > 0 && args[0].equals("serve") ? main.serve(List.of(args)) : main.run(List.of(args));
        System.exit(status);
    }

    /** {@code run EVENT.json [--endpoint URL]}; returns the exit status. */
    int run(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("run") || args.size() < 2) {
            return usage(args.isEmpty() ? "no command given" : "unknown command or missing EVENT.json");
        }
        Path eventFile = Path.of(args.get(1));
        URI endpoint = null;
        for (int i = 2; i < args.size(); i++) {
            if (args.get(i).equals("--endpoint") && i + 1 < args.size()) {
                try {
                    endpoint = URI.create(args.get(++i));
                } catch (IllegalArgumentException e) {
                    return usage("--endpoint must be a URL such as http://127.0.0.1:9001");
                }
            } else {
                return usage("unexpected argument " + args.get(i));
            }
        }
        byte[] event;
        try {
            event = Files.readAllBytes(eventFile);
        } catch (NoSuchFileException e) {
            return usage("no such file: " + eventFile);
        } catch (IOException e) {
            return usage("cannot read " + eventFile + ": " + e.getMessage());
        }
        if (endpoint == null) {
            try (LocalLambdaService service = LocalLambdaService.start(LocalLambdaConfig.defaults())) {
                return runEvent(event, service.endpoint(), true);
            }
        }
        return runEvent(event, endpoint, isLoopback(endpoint));
    }

    private int runEvent(byte[] event, URI endpoint, boolean local) {
        StepConfig config;
        LambdaClientConfig clientConfig;
        try {
            config = StepConfig.fromEnvironment(env);
            Map<String, String> clientEnv = new HashMap<>(env);
            clientEnv.put("AWS_ENDPOINT_URL_LAMBDA", endpoint.toString());
            clientConfig = local ? LambdaClientConfig.local(endpoint,
                    env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1")))
                    : LambdaClientConfig.fromEnvironment(clientEnv);
        } catch (IllegalArgumentException misconfigured) {
            return usage(misconfigured.getMessage());
        }
        if (local && config.defaultRoleArn() == null) {
            config = config.withDefaultRoleArn(LOCAL_ROLE_ARN);
        }
        ObjectMapper mapper = new ObjectMapper();
        LambdaClientConfig finalClientConfig = clientConfig;
        try (LambdaClient client = StepHandler.clientWhileWarming(() -> LambdaClients.create(finalClientConfig))) {
            StepHandler handler = new StepHandler(config, client, MetricsSink.none(), failure -> failure);
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), output, null);
            JsonNode result = mapper.readTree(output.toByteArray());
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            if (result.has("statusCode") && result.has("body") && result.path("statusCode").asInt() >= 400) {
                JsonNode body = mapper.readTree(result.path("body").asText());
                err.println(body.path("error").asText() + ": " + body.path("message").asText());
                return STEP_FAILED;
            }
            return OK;
        } catch (StepFailure failure) {
            if (failure.partialResult().isPresent()) {
                out.println(failure.partialResult().get().toJson().toPrettyString());
            }
            err.println(failure.error().errorName() + ": " + failure.getMessage());
            return STEP_FAILED;
        } catch (IOException e) {
            err.println("InternalError: " + e.getMessage());
            return STEP_FAILED;
        }
    }

    /** {@code serve [--port N]}: runs the local Lambda service until the process is stopped. */
    int serve(List<String> args) {
        int port = 9001;
        for (int i = 1; i < args.size(); i++) {
            if (args.get(i).equals("--port") && i + 1 < args.size() && args.get(i + 1).matches("\\d{1,5}")) {
                port = Integer.parseInt(args.get(++i));
            } else {
                return usage("unexpected argument " + args.get(i));
            }
        }
        LocalLambdaService service;
        LocalLambdaConfig serviceConfig = LocalLambdaConfig.defaults().withPort(port).withEchoFunctionLogs(true);
        try {
            service = LocalLambdaService.start(serviceConfig);
        } catch (RuntimeException e) {
            err.println("could not start the local Lambda service: " + e.getMessage());
            return USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "local-lambda-shutdown"));
        out.println("Local Lambda service listening on " + service.endpoint());
        out.println("Use it with: AWS_ENDPOINT_URL_LAMBDA=" + service.endpoint()
                + " or aws lambda ... --endpoint-url " + service.endpoint());
        Optional<Path> jar = runningJar();
        if (serviceConfig.interpreters().clients().containsKey(LambdaRuntimes.Family.JAVA) && jar.isPresent()) {
            try {
                deploySelf(service.endpoint(), serviceConfig.region(), jar.get());
                out.println("The step runner is deployed as function " + SELF_FUNCTION_NAME + " (java21): aws lambda "
                        + "invoke --function-name " + SELF_FUNCTION_NAME + " --endpoint-url " + service.endpoint()
                        + " --cli-binary-format raw-in-base64-out --payload file://events/custom-code-python.json out.json");
            } catch (RuntimeException | IOException e) {
                err.println("could not deploy " + SELF_FUNCTION_NAME + ": " + e.getMessage());
            }
        } else {
            out.println("To deploy the step runner itself as function " + SELF_FUNCTION_NAME + ", run serve from the "
                    + "jar with LOCAL_LAMBDA_JAVA_RIC set to the Java runtime interface client's class path.");
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /** Creates {@value #SELF_FUNCTION_NAME} from this jar and waits until it is Active. */
    private void deploySelf(URI endpoint, String region, Path jar) throws IOException {
        Map<String, String> environment = new HashMap<>();
        environment.put("DEFAULT_EXECUTION_ROLE_ARN", env.getOrDefault("DEFAULT_EXECUTION_ROLE_ARN", LOCAL_ROLE_ARN));
        for (String name : List.of("ALLOWED_EXECUTION_ROLE_ARNS", "GENERATED_FUNCTION_PREFIX", "POWERTOOLS_LOG_LEVEL")) {
            if (env.get(name) != null) {
                environment.put(name, env.get(name));
            }
        }
        environment.put("POWERTOOLS_SERVICE_NAME", env.getOrDefault("POWERTOOLS_SERVICE_NAME", SELF_FUNCTION_NAME));
        byte[] code = Files.readAllBytes(jar);
        try (LambdaClient client = LambdaClients.create(LambdaClientConfig.local(endpoint, region))) {
            client.createFunction(r -> r.functionName(SELF_FUNCTION_NAME).runtime("java21").handler(SELF_HANDLER)
                    .role(LOCAL_ROLE_ARN).timeout(900).memorySize(1024)
                    .description("The step runner, deployed by serve")
                    .environment(e -> e.variables(environment))
                    .code(c -> c.zipFile(SdkBytes.fromByteArray(code))));
            client.waiter().waitUntilFunctionActiveV2(r -> r.functionName(SELF_FUNCTION_NAME));
        }
    }

    /** The jar this class was loaded from, when it runs as {@code java -jar}. */
    private static Optional<Path> runningJar() {
        java.security.CodeSource source = Main.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path location = Path.of(source.getLocation().toURI());
            return location.toString().endsWith(".jar") && Files.isRegularFile(location)
                    ? Optional.of(location) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private int usage(String problem) {
        err.println(problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }

    private static boolean isLoopback(URI endpoint) {
        try {
            return endpoint.getHost() != null && InetAddress.getByName(endpoint.getHost()).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
