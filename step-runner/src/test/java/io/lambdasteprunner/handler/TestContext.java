package io.lambdasteprunner.handler;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import io.lambdasteprunner.step.StepRunner;

import java.util.Map;

/** A Lambda context as the Java runtime gives one, with a fixed remaining time and the caller's client context. */
record TestContext(int remainingMillis, ClientContext clientContext) implements Context {

    TestContext(int remainingMillis) {
        this(remainingMillis, null);
    }

    /** 60 s left, and a client context whose {@code custom.lambdaStepRunnerDepth} says how many step runners came before. */
    static TestContext withDepth(String depth) {
        return withCustom(Map.of(StepRunner.DEPTH_KEY, depth));
    }

    /** 60 s left, and a client context with {@code custom} as the caller sent it. */
    static TestContext withCustom(Map<String, String> custom) {
        return new TestContext(60_000, new ClientContext() {
            @Override
            public Client getClient() {
                return null;
            }

            @Override
            public Map<String, String> getCustom() {
                return custom;
            }

            @Override
            public Map<String, String> getEnvironment() {
                return Map.of();
            }
        });
    }

    @Override
    public String getAwsRequestId() {
        return "6f1f2a4e-0000-4000-8000-000000000001";
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/lambda-step-runner";
    }

    @Override
    public String getLogStreamName() {
        return "2026/11/24/[$LATEST]0123456789abcdef";
    }

    @Override
    public String getFunctionName() {
        return "lambda-step-runner";
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:us-east-1:000000000000:function:lambda-step-runner";
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return clientContext;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return remainingMillis;
    }

    @Override
    public int getMemoryLimitInMB() {
        return 512;
    }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                System.err.print(message);
            }

            @Override
            public void log(byte[] message) {
                System.err.write(message, 0, message.length);
            }
        };
    }
}
