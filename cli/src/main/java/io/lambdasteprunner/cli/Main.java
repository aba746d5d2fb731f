package io.lambdasteprunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.handler.DependencyFactory;
import io.lambdasteprunner.handler.MetricsSink;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.lambda.LambdaClientConfig;
import io.lambdasteprunner.lambda.LambdaClients;
import io.lambdasteprunner.local.FunctionDeployment;
import io.lambdasteprunner.local.LocalLambdaConfig;
import io.lambdasteprunner.local.LocalLambdaService;
import io.lambdasteprunner.step.ResultStore;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command line.
 *
 * <pre>
 * java -jar lambda-step-runner-cli.jar run EVENT.json [--endpoint URL]
 * java -jar lambda-step-runner-cli.jar serve [--port 9001]
 * </pre>
 *
 * <p>{@code run} passes one event through the same handler Lambda runs and prints its output JSON.
 * Without {@code --endpoint} it starts the embedded local Lambda service and stops it after. Exit
 * status: 0 when the step ran (a function error is a result), 1 when it failed with a named error
 * (name and message on stderr), 2 for a usage mistake. {@code serve} runs the local Lambda service
 * until the process is stopped, with the step runner itself deployed in it as the {@code java21}
 * function {@code lambda-step-runner} ({@link LocalDeployment}).
 */
public final class Main {

    /** The execution role generated functions get locally when {@code DEFAULT_EXECUTION_ROLE_ARN} is unset. */
    public static final String LOCAL_ROLE_ARN = "arn:aws:iam::000000000000:role/lambda-step-runner-local";

    /** The name the step runner is deployed under in {@code serve} mode. */
    public static final String SELF_FUNCTION_NAME = LocalDeployment.FUNCTION_NAME;

    static final int OK = 0;
    static final int STEP_FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            usage: java -jar lambda-step-runner-cli.jar run EVENT.json [--endpoint URL]
                   java -jar lambda-step-runner-cli.jar serve [--port 9001]""";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    Main(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        // Before any connection: the JDK must never send an Invoke again by itself (LambdaClients).
        System.setProperty(LambdaClients.RETRY_POST, "false");
        if (System.getenv("POWERTOOLS_LOG_LEVEL") == null && System.getProperty("lambdasteprunner.logLevel") == null) {
            // A terminal wants the output JSON, not the runner's own INFO lines.
            System.setProperty("lambdasteprunner.logLevel", "WARN");
        }
        Main main = new Main(System.getenv(), System.out, System.err);
        int status;
        try {
            status = args.length > 0 && args[0].equals("serve") ? main.serve(List.of(args)) : main.run(List.of(args));
        } catch (RuntimeException | Error defect) {
            // A named error and one line, never "Exception in thread main" and a stack trace.
            System.err.println(StepError.INTERNAL_ERROR.errorName() + ": unexpected failure in the command line ("
                    + defect.getClass().getSimpleName() + ")");
            status = STEP_FAILED;
        }
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
            return badFile("no such file: " + eventFile);
        } catch (IOException e) {
            return badFile("cannot read " + eventFile + ": " + e.getMessage());
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
        ResultStore results;
        // A local service answers STS on the same endpoint: a step that assumes a role does it there.
        Map<String, String> runnerEnv = new HashMap<>(env);
        if (local) {
            runnerEnv.putIfAbsent("AWS_ENDPOINT_URL_STS", endpoint.toString());
        }
        try {
            config = StepConfig.fromEnvironment(runnerEnv);
            results = DependencyFactory.resultStoreFor(runnerEnv);
            Map<String, String> clientEnv = new HashMap<>(runnerEnv);
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
        try (LambdaClient client = DependencyFactory.clientWhileWarming(() -> LambdaClients.create(finalClientConfig))) {
            StepHandler handler = new StepHandler(DependencyFactory.onClient(config, client, MetricsSink.none(),
                    results));
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
            err.println(StepError.INTERNAL_ERROR.errorName() + ": " + e.getMessage());
            return STEP_FAILED;
        }
    }

    /**
     * {@code serve [--port N]}: runs the local Lambda service, with the step runner deployed in it as
     * {@code lambda-step-runner}, until the process is stopped.
     */
    int serve(List<String> args) {
        int port = 9001;
        for (int i = 1; i < args.size(); i++) {
            if (args.get(i).equals("--port") && i + 1 < args.size() && args.get(i + 1).matches("\\d{1,5}")) {
                port = Integer.parseInt(args.get(++i));
            } else {
                return usage("unexpected argument " + args.get(i));
            }
        }
        Path jar;
        String javaRic;
        try {
            jar = LocalDeployment.runnerJar();
            javaRic = LocalDeployment.javaRicClassPath(env, jar);
        } catch (IllegalStateException missing) {
            err.println("could not deploy the step runner: " + missing.getMessage());
            return STEP_FAILED;
        }
        LocalLambdaService service;
        LocalLambdaConfig serviceConfig = LocalDeployment.withJavaRuntime(
                LocalLambdaConfig.defaults().withPort(port).withEchoFunctionLogs(true), javaRic);
        try {
            service = LocalLambdaService.start(serviceConfig);
        } catch (RuntimeException e) {
            err.println("could not start the local Lambda service: " + e.getMessage());
            return USAGE;
        }
        // Said before the runner is deployed, so that a caller can deploy its own functions meanwhile.
        out.println("Local Lambda service started on " + service.endpoint() + ", deploying the step runner");
        out.flush();
        FunctionDeployment.Deployed runner;
        try {
            runner = LocalDeployment.deploy(service, jar, LOCAL_ROLE_ARN, LocalDeployment.localEnvironment(env, LOCAL_ROLE_ARN));
        } catch (RuntimeException e) {
            err.println("could not deploy the step runner from " + jar + ": " + e.getMessage());
            service.close();
            return STEP_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "local-lambda-shutdown"));
        out.println("Local Lambda service listening on " + service.endpoint());
        out.println("Use it with: AWS_ENDPOINT_URL_LAMBDA=" + service.endpoint() + " AWS_ENDPOINT_URL_STS="
                + service.endpoint() + " or aws lambda ... --endpoint-url " + service.endpoint());
        out.println("Accounts and regions: an access key id of twelve digits is that account "
                + "(AWS_ACCESS_KEY_ID=111122223333), AssumeRole's keys are the role's account, any other key is "
                + serviceConfig.accountId() + "; the region is the one requests are signed for.");
        out.println("The step runner is deployed as function " + SELF_FUNCTION_NAME + " (java21, alias "
                + LocalDeployment.ALIAS + ", " + runner.aliasArn() + "): aws lambda invoke --function-name "
                + LocalDeployment.FUNCTION_NAME + " --endpoint-url " + service.endpoint() + " --region "
                + serviceConfig.region()
                + " --cli-binary-format raw-in-base64-out --payload file://events/custom-code-python.json out.json");
        out.printf(Locale.ROOT, "Deployed it in %.2f s, in-process: CreateFunction %.2f s, then %.2f s Pending while its first environment "
                + "started (the step runner's cold start, which the first invoke carries on AWS)%n",
                (runner.created().toMillis() + runner.pending().toMillis()) / 1000.0, runner.created().toMillis() / 1000.0,
                runner.pending().toMillis() / 1000.0);
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /** An event file that is not there: one line, what to give instead (the command itself was right). */
    private int badFile(String problem) {
        err.println(problem + " (give the path of a step event, e.g. events/custom-code-python.json)");
        return USAGE;
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
