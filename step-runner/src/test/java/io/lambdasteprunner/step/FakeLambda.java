package io.lambdasteprunner.step;

import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory Lambda account for fast tests of the step rules and entry points (the integration tests
 * use the real local Lambda service). Built with {@link #builder()}:
 *
 * <pre>{@code
 * FakeLambda lambda = FakeLambda.builder()
 *         .function("restart-web-service")                       // exists, echoes its event
 *         .function("f", FakeLambda.Answer.functionError("ValueError", "disk full"))
 *         .foreignFunction("payments-api", Map.of("team", "ops"))  // someone else's, for the sweeper
 *         .failing(FakeLambda.Call.DELETE, new StepFailure(StepError.LAMBDA_UNAVAILABLE, "down"))
 *         .build();
 * }</pre>
 *
 * <p>Behaves as Lambda does where the step rules can tell: an unknown function is {@code FunctionNotFound},
 * a created function is {@code Pending} until a wait for Active ends it in {@link Builder#finalState}
 * ({@code Active} by default; {@code pendingPolls(Integer.MAX_VALUE)} keeps it Pending past any wait), a taken name is
 * {@code FunctionConflict}, Invoke answers 200 / 202 / 204 by invocation type and returns the log tail only
 * for a synchronous {@code Tail} call. Records every call in order ({@link #calls()}). Thread-safe.
 */
public final class FakeLambda implements LambdaGateway {

    /** The account's ARN prefix; a function's ARN is this plus its name. */
    public static final String ARN = "arn:aws:lambda:us-east-1:123456789012:function:";
    /** The log tail every default answer carries for a synchronous {@code Tail} invoke. */
    public static final String LOG_TAIL = "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n";

    /** The calls a test can make fail. */
    public enum Call { INVOKE, CREATE, DELETE, LIST }

    /** What a function answers to one invocation (throwing is a defect inside the gateway). */
    @FunctionalInterface
    public interface Answer {
        InvocationResult answer(Invocation invocation);

        /**
         * Lambda's answer for a function that returns {@code {"echo": <event>}}: 200 with the payload for
         * RequestResponse, 202 or 204 and no payload for Event or DryRun.
         */
        static Answer echo() {
            return invocation -> succeeded(invocation, "{\"echo\":" + invocation.payloadJson() + "}");
        }

        /** A function that returns its event unchanged. */
        static Answer returnsEvent() {
            return invocation -> succeeded(invocation, invocation.payloadJson());
        }

        /** A function that raises {@code errorType: errorMessage} (200, {@code X-Amz-Function-Error: Unhandled}). */
        static Answer functionError(String errorType, String errorMessage) {
            return invocation -> invocation.invocationType() != InvocationType.REQUEST_RESPONSE
                    ? succeeded(invocation, "")
                    : new InvocationResult(200, "Unhandled", logTail(invocation),
                    "{\"errorMessage\":\"" + errorMessage + "\",\"errorType\":\"" + errorType + "\"}", "$LATEST");
        }

        private static InvocationResult succeeded(Invocation invocation, String payload) {
            return switch (invocation.invocationType()) {
                case REQUEST_RESPONSE -> new InvocationResult(200, null, logTail(invocation), payload, "$LATEST");
                case EVENT -> new InvocationResult(202, null, null, "", null);
                case DRY_RUN -> new InvocationResult(204, null, null, "", null);
            };
        }

        private static String logTail(Invocation invocation) {
            return invocation.logType() == LogType.TAIL ? LOG_TAIL : null;
        }
    }

    /** One function in the account. {@code created} is set for functions a step created. */
    private record Function(String name, Map<String, String> tags, NewFunction created, Answer answer) {
    }

    private final Map<String, Function> functions = new ConcurrentHashMap<>();
    private final Map<String, Integer> pollsLeft = new ConcurrentHashMap<>();
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<Invocation> invocations = Collections.synchronizedList(new ArrayList<>());
    private final List<NewFunction> creations = Collections.synchronizedList(new ArrayList<>());
    private final Map<Call, StepFailure> failures = Collections.synchronizedMap(new EnumMap<>(Call.class));
    private final Map<String, StepFailure> tagFailures = new ConcurrentHashMap<>();
    private final Set<String> takenNames = ConcurrentHashMap.newKeySet();
    private volatile Answer defaultAnswer = Answer.echo();
    private volatile boolean anyFunctionExists;
    private volatile int pendingPolls = 2;
    private final List<java.time.Duration> waitTimeouts = Collections.synchronizedList(new ArrayList<>());
    private volatile java.util.function.Consumer<java.time.Duration> onWait = timeout -> { };
    private volatile String finalState = "Active";
    private volatile String finalStateReason;

    private FakeLambda() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A healthy Lambda for generated requests: every function exists, created ones are Active at once,
     * every function returns its event. Any failure a test sees is then the caller's, or a defect.
     */
    public static FakeLambda answeringEverything() {
        return builder().anyFunctionExists().pendingPolls(0).answer(Answer.returnsEvent()).build();
    }

    /** Sets up the account before the test; {@link #build()} hands it over. */
    public static final class Builder {
        private final FakeLambda lambda = new FakeLambda();

        /** A function that exists and echoes its event ({@link Answer#echo()}, or the {@link #answer} given). */
        public Builder function(String name) {
            lambda.functions.put(name, new Function(name, Map.of(), null, null));
            return this;
        }

        /** A function that exists and answers so. */
        public Builder function(String name, Answer answer) {
            lambda.functions.put(name, new Function(name, Map.of(), null, answer));
            return this;
        }

        /** A function someone else made, with these tags: the sweeper lists it. */
        public Builder foreignFunction(String name, Map<String, String> tags) {
            lambda.functions.put(name, new Function(name, Map.copyOf(tags), null, null));
            return this;
        }

        /** Every function name that is invoked exists (for generated requests naming arbitrary functions). */
        public Builder anyFunctionExists() {
            lambda.anyFunctionExists = true;
            return this;
        }

        /** How every function without its own answer answers, those the steps create included. */
        public Builder answer(Answer answer) {
            lambda.defaultAnswer = answer;
            return this;
        }

        /** How many GetFunction polls a created function stays Pending (2 unless set; 0 is Active at once). */
        public Builder pendingPolls(int polls) {
            lambda.pendingPolls = polls;
            return this;
        }

        /** The state a created function ends in after Pending, e.g. {@code Failed} with Lambda's reason. */
        public Builder finalState(String state, String reason) {
            lambda.finalState = state;
            lambda.finalStateReason = reason;
            return this;
        }

        /** The next CreateFunction of a name starting with this is refused as taken (once). */
        public Builder nameTaken(String namePrefix) {
            lambda.takenNames.add(namePrefix);
            return this;
        }

        /** Every call of this kind fails so (after Lambda's retries, as the SDK gateway reports it). */
        public Builder failing(Call call, StepFailure failure) {
            lambda.failures.put(call, failure);
            return this;
        }

        /** ListTags of this function fails so. */
        public Builder failingTags(String functionName, StepFailure failure) {
            lambda.tagFailures.put(functionName, failure);
            return this;
        }

        public FakeLambda build() {
            return lambda;
        }
    }

    // ---- changes while a test runs (the handler tests share one fake between requests) ----------

    /** Adds a function that answers with the default answer. */
    public FakeLambda addFunction(String name) {
        functions.put(name, new Function(name, Map.of(), null, null));
        return this;
    }

    /** Adds a function someone else made, with these tags. */
    public FakeLambda addForeignFunction(String name, Map<String, String> tags) {
        functions.put(name, new Function(name, Map.copyOf(tags), null, null));
        return this;
    }

    /** Makes every call of this kind fail so from now on; {@code null} lets them succeed again. */
    public FakeLambda failing(Call call, StepFailure failure) {
        if (failure == null) {
            failures.remove(call);
        } else {
            failures.put(call, failure);
        }
        return this;
    }

    /** How many polls functions created from now on stay Pending. */
    public FakeLambda pendingPolls(int polls) {
        pendingPolls = polls;
        return this;
    }

    /** Changes how every function without its own answer answers. */
    public FakeLambda answer(Answer answer) {
        defaultAnswer = answer;
        return this;
    }

    /** Forgets the calls, invocations and creations seen so far (tests that send many events keep memory flat). */
    public FakeLambda forgetCalls() {
        calls.clear();
        invocations.clear();
        creations.clear();
        return this;
    }

    /** Removes every function a step created and kept. */
    public FakeLambda removeCreatedFunctions() {
        functions.values().removeIf(function -> function.created() != null);
        return this;
    }

    // ---- what the test observes ------------------------------------------------------------------

    /** Every call so far, in order: {@code "create NAME"}, {@code "state NAME"}, {@code "invoke NAME"}, ... */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** How many calls of one verb ({@code create}, {@code state}, {@code invoke}, {@code delete}, {@code tags}...). */
    public long count(String verb) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.startsWith(verb + " ")).count();
        }
    }

    /** Every Invoke the gateway received, as the step rules sent it. */
    public List<Invocation> invocations() {
        synchronized (invocations) {
            return List.copyOf(invocations);
        }
    }

    /** Every CreateFunction request that Lambda accepted, in order (deleted functions included). */
    public List<NewFunction> creations() {
        synchronized (creations) {
            return List.copyOf(creations);
        }
    }

    /** The functions steps created that still exist, by name. */
    public Map<String, NewFunction> createdFunctions() {
        Map<String, NewFunction> created = new HashMap<>();
        functions.values().forEach(f -> {
            if (f.created() != null) {
                created.put(f.name(), f.created());
            }
        });
        return created;
    }

    /** The names of every function that exists now, sorted. */
    public Set<String> functionNames() {
        return new TreeSet<>(functions.keySet());
    }

    // ---- LambdaGateway ---------------------------------------------------------------------------

    @Override
    public InvocationResult invoke(Invocation invocation) {
        calls.add("invoke " + invocation.functionName());
        invocations.add(invocation);
        String name = FunctionNames.parse(invocation.functionName()).name();
        Function function = functions.get(name);
        if (function == null && !anyFunctionExists) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + ARN + name);
        }
        failIfSet(Call.INVOKE);
        Answer answer = function != null && function.answer() != null ? function.answer() : defaultAnswer;
        return answer.answer(invocation);
    }

    @Override
    public void createFunction(NewFunction function) {
        String name = function.functionName();
        calls.add("create " + name);
        failIfSet(Call.CREATE);
        boolean taken = false;
        for (String prefix : new HashSet<>(takenNames)) {
            if (name.startsWith(prefix) && takenNames.remove(prefix)) {
                taken = true;
            }
        }
        if (taken || functions.putIfAbsent(name, new Function(name, function.tags(), function, null)) != null) {
            throw new StepFailure(StepError.FUNCTION_CONFLICT, "Function already exist: " + name);
        }
        creations.add(function);
        pollsLeft.put(name, pendingPolls);
    }

    /**
     * The gateway's wait for Active, as the SDK's waiter ends it: in {@code finalState}, or still Pending
     * when the function never leaves it ({@code pendingPolls(Integer.MAX_VALUE)}), after all of
     * {@code timeout}, which is handed to {@link #onWait} (tests advance a clock with it).
     */
    @Override
    public FunctionState awaitActive(String functionName, java.time.Duration timeout) {
        calls.add("wait " + functionName);
        waitTimeouts.add(timeout);
        if (!functions.containsKey(functionName)) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + ARN + functionName);
        }
        if (pollsLeft.getOrDefault(functionName, -1) == Integer.MAX_VALUE) {
            onWait.accept(timeout);
            return new FunctionState("Pending", "The function is being created.");
        }
        pollsLeft.put(functionName, -1);
        return new FunctionState(finalState, finalStateReason);
    }

    /** The time each wait for Active was given, in order. */
    public List<java.time.Duration> waitTimeouts() {
        return List.copyOf(waitTimeouts);
    }

    /** Told how long a wait that ends still Pending took (all of its time). */
    public FakeLambda onWait(java.util.function.Consumer<java.time.Duration> listener) {
        onWait = listener;
        return this;
    }

    @Override
    public void deleteFunction(String functionName) {
        calls.add("delete " + functionName);
        failIfSet(Call.DELETE);
        if (functions.remove(functionName) == null) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + ARN + functionName);
        }
        pollsLeft.remove(functionName);
    }

    @Override
    public List<FunctionSummary> listFunctions() {
        calls.add("list *");
        failIfSet(Call.LIST);
        return functions.keySet().stream().sorted().map(name -> new FunctionSummary(name, ARN + name, null)).toList();
    }

    @Override
    public Map<String, String> tags(String functionArn) {
        String name = functionArn.substring(ARN.length());
        calls.add("tags " + name);
        StepFailure failure = tagFailures.get(name);
        if (failure != null) {
            throw failure;
        }
        Function function = functions.get(name);
        if (function == null) {
            throw new StepFailure(StepError.FUNCTION_NOT_FOUND, "Function not found: " + functionArn);
        }
        return function.tags();
    }

    @Override
    public Optional<FunctionInfo> findFunction(String functionName) {
        calls.add("find " + functionName);
        Function function = functions.get(functionName);
        if (function == null) {
            return Optional.empty();
        }
        String sha = function.created() == null ? "foreign" : codeSha256(function.created().source());
        int left = pollsLeft.getOrDefault(functionName, -1);
        String state = left >= 0 ? "Pending" : finalState;
        return Optional.of(new FunctionInfo(ARN + functionName, state, null, sha, function.tags()));
    }

    @Override
    public void tagFunction(String functionArn, Map<String, String> tags) {
        String name = functionArn.substring(ARN.length());
        calls.add("tag " + name);
        functions.computeIfPresent(name, (key, function) -> {
            Map<String, String> merged = new HashMap<>(function.tags());
            merged.putAll(tags);
            return new Function(key, Map.copyOf(merged), function.created(), function.answer());
        });
    }

    /** Equal sources give equal digests, as with the real gateway's deterministic zip. */
    @Override
    public String codeSha256(FunctionSource source) {
        return Integer.toHexString(source.hashCode());
    }

    private void failIfSet(Call call) {
        StepFailure failure = failures.get(call);
        if (failure != null) {
            throw failure;
        }
    }
}
