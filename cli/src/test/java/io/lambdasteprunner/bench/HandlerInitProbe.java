package io.lambdasteprunner.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Cold start of the deployed handler in a fresh JVM, the way the Lambda Java runtime drives it:
 * class loading of {@code StepRunnerHandler}, its constructor (configuration, SDK client, Jackson,
 * logging), and the first request (Powertools logging with a Lambda context, the first SDK call).
 * Prints one line: {@code init <ms> first <ms> second <ms> peakRssMB <MB>}. Environment: {@code AWS_ENDPOINT_URL_LAMBDA},
 * {@code AWS_REGION}; usage {@code HandlerInitProbe EVENT.json}.
 */
public final class HandlerInitProbe {
    public static void main(String[] args) throws Exception {
        byte[] event = Files.readAllBytes(Path.of(args[0]));
        long t0 = System.nanoTime();
        Class<?> type = Class.forName("StepRunnerHandler");
        Object handler = type.getConstructor().newInstance();
        long t1 = System.nanoTime();
        invoke(handler, event);
        long t2 = System.nanoTime();
        invoke(handler, event);
        long t3 = System.nanoTime();
        String peakRss = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmHWM:")).map(line -> line.replaceAll("\\D", "")).findFirst().orElse("0");
        System.out.printf(Locale.ROOT, "init %.1f first %.1f second %.1f peakRssMB %d%n", (t1 - t0) / 1e6,
                (t2 - t1) / 1e6, (t3 - t2) / 1e6, Long.parseLong(peakRss) / 1024);
    }

    private static void invoke(Object handler, byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ((com.amazonaws.services.lambda.runtime.RequestStreamHandler) handler)
                .handleRequest(new ByteArrayInputStream(event), out, new BenchContext());
    }

    /** A Lambda context with 60 s left. */
    static final class BenchContext implements Context {
        private final long deadline = System.currentTimeMillis() + 60_000;

        @Override public String getAwsRequestId() { return "00000000-0000-0000-0000-000000000000"; }
        @Override public String getLogGroupName() { return "/aws/lambda/lambda-step-runner"; }
        @Override public String getLogStreamName() { return "bench"; }
        @Override public String getFunctionName() { return "lambda-step-runner"; }
        @Override public String getFunctionVersion() { return "$LATEST"; }
        @Override public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:lambda-step-runner";
        }
        @Override public CognitoIdentity getIdentity() { return null; }
        @Override public ClientContext getClientContext() { return null; }
        @Override public int getRemainingTimeInMillis() { return (int) (deadline - System.currentTimeMillis()); }
        @Override public int getMemoryLimitInMB() { return 1024; }
        @Override public LambdaLogger getLogger() { return null; }
    }

}
