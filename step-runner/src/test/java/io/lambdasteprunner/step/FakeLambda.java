package io.lambdasteprunner.step;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An in-memory {@link LambdaGateway} for fast tests of the step rules (the integration tests use the
 * real local Lambda service). Records every call; a wait for Active ends in {@link #finalState}.
 */
public final class FakeLambda implements LambdaGateway {

    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    public final Map<String, NewFunction> created = new ConcurrentHashMap<>();
    public final Set<String> existing = ConcurrentHashMap.newKeySet();
    public final Set<String> takenNames = ConcurrentHashMap.newKeySet();
    /** Functions someone else made, listed by {@link #listFunctions()} beside the created ones: name to tags. */
    public final Map<String, Map<String, String>> others = new ConcurrentHashMap<>();
    /** When set, ListFunctions fails with it. */
    public volatile StepFailure listFailure;
    /** Names whose ListTags fails with this. */
    public final Map<String, StepFailure> tagFailures = new ConcurrentHashMap<>();
    /** The time each wait for Active was given. */
    public final List<java.time.Duration> waitTimeouts = Collections.synchronizedList(new ArrayList<>());

    /** Where a wait for Active ends: {@code Active}, {@code Failed}, or {@code Pending} (out of time). */
    public volatile String finalState = "Active";
    /** Told how long a wait that ends {@code Pending} took (all of its time): tests advance a clock with it. */
    public volatile java.util.function.Consumer<java.time.Duration> waited = timeout -> { };
    public volatile StepFailure deleteFailure;
    public volatile StepFailure invokeFailure;
    public volatile Function<Invocation, InvocationResult> behaviour =
            invocation -> new InvocationResult(200, null, "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n",
                    "{\"echo\":" + invocation.payloadJson() + "}", "$LATEST");

    @Override
    public InvocationResult invoke(Invocation invocation) {
        calls.add("invoke " + invocation.functionName());
        String name = FunctionNames.parse(invocation.functionName()).name();
        if (!existing.contains(name) && !created.containsKey(name)) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + name);
        }
        if (invokeFailure != null) {
            throw invokeFailure;
        }
        return behaviour.apply(invocation);
    }

    @Override
    public void createFunction(NewFunction function) {
        calls.add("create " + function.functionName());
        if (takenNames.remove(function.functionName().replaceAll("-[0-9a-f]{8}$", "")) || created.containsKey(function.functionName())) {
            throw new StepFailure(StepError.FUNCTION_CONFLICT, "Function already exist: " + function.functionName());
        }
        created.put(function.functionName(), function);
    }

    @Override
    public FunctionState awaitActive(String functionName, java.time.Duration timeout) {
        calls.add("wait " + functionName);
        waitTimeouts.add(timeout);
        return switch (finalState) {
            case "Failed" -> new FunctionState("Failed", "bad zip");
            case "Pending" -> {
                waited.accept(timeout);
                yield new FunctionState("Pending", "The function is being created.");
            }
            default -> new FunctionState(finalState, null);
        };
    }

    @Override
    public void deleteFunction(String functionName) {
        calls.add("delete " + functionName);
        if (deleteFailure != null) {
            throw deleteFailure;
        }
        if (created.remove(functionName) == null && others.remove(functionName) == null) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + functionName);
        }
    }

    @Override
    public List<FunctionSummary> listFunctions() {
        calls.add("list *");
        if (listFailure != null) {
            throw listFailure;
        }
        List<FunctionSummary> all = new ArrayList<>();
        created.keySet().forEach(name -> all.add(new FunctionSummary(name, ARN + name, null)));
        others.keySet().forEach(name -> all.add(new FunctionSummary(name, ARN + name, null)));
        return all;
    }

    @Override
    public Map<String, String> tags(String functionArn) {
        String name = functionArn.substring(ARN.length());
        calls.add("tags " + name);
        if (tagFailures.containsKey(name)) {
            throw tagFailures.get(name);
        }
        NewFunction function = created.get(name);
        Map<String, String> tags = function != null ? function.tags() : others.get(name);
        if (tags == null) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + name);
        }
        return tags;
    }

    private static final String ARN = "arn:aws:lambda:us-east-1:123456789012:function:";

    public long count(String verb) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.startsWith(verb + " ")).count();
        }
    }
}
