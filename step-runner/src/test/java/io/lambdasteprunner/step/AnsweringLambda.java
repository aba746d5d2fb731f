package io.lambdasteprunner.step;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link LambdaGateway} that answers every call as a healthy Lambda would, for the property tests:
 * created functions are Active at once and remembered (so reusable functions are found again), invokes
 * echo the payload. Any failure a test sees is therefore the caller's, or a defect. Thread-safe.
 */
public final class AnsweringLambda implements LambdaGateway {

    private static final String ARN = "arn:aws:lambda:us-east-1:123456789012:function:";
    private final Map<String, Map<String, String>> functions = new ConcurrentHashMap<>();

    @Override
    public InvocationResult invoke(Invocation invocation) {
        int status = switch (invocation.invocationType()) {
            case EVENT -> 202;
            case DRY_RUN -> 204;
            case REQUEST_RESPONSE -> 200;
        };
        return new InvocationResult(status, null, "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n",
                invocation.payloadJson(), "$LATEST");
    }

    @Override
    public void createFunction(NewFunction function) {
        functions.put(function.functionName(), function.tags());
    }

    @Override
    public FunctionState awaitActive(String functionName, java.time.Duration timeout) {
        return new FunctionState("Active", null);
    }

    @Override
    public void deleteFunction(String functionName) {
        functions.remove(functionName);
    }

    @Override
    public List<FunctionSummary> listFunctions() {
        return functions.keySet().stream().map(name -> new FunctionSummary(name, ARN + name, null)).toList();
    }

    @Override
    public Map<String, String> tags(String functionArn) {
        return functions.getOrDefault(functionArn.substring(ARN.length()), Map.of());
    }

    @Override
    public Optional<FunctionInfo> findFunction(String functionName) {
        Map<String, String> tags = functions.get(functionName);
        return tags == null ? Optional.empty()
                : Optional.of(new FunctionInfo(ARN + functionName, "Active", null, "sha", tags));
    }

    @Override
    public void tagFunction(String functionArn, Map<String, String> tags) {
    }

    @Override
    public String codeSha256(FunctionSource source) {
        return "sha";
    }
}
