package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Objects;

/**
 * A validated step request, with data variables already expanded. Built by {@link StepRequestParser}.
 */
public sealed interface StepRequest extends RunnerRequest permits StepRequest.Invoke, StepRequest.CustomCode {

    /** The fields every invocation shares, whether of an existing or a generated function. */
    InvokeOptions invokeOptions();

    /** The action name as the request writes it. */
    String action();

    /** How Lambda is asked to run the function ({@code Request} is accepted as an alias). */
    enum InvocationType {
        REQUEST_RESPONSE("RequestResponse"), EVENT("Event"), DRY_RUN("DryRun");

        private final String wireName;

        InvocationType(String wireName) {
            this.wireName = wireName;
        }

        /** The name Lambda's API uses. */
        public String wireName() {
            return wireName;
        }
    }

    /** Whether Lambda returns the last 4 KB of the function's log. */
    enum LogType {
        TAIL("Tail"), NONE("None");

        private final String wireName;

        LogType(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * @param payload             the event sent to the function (any JSON value)
     * @param invocationType      how Lambda runs it
     * @param clientContext       sent base64-encoded in {@code X-Amz-Client-Context}; {@code null} for none
     * @param logType             whether the log tail comes back
     * @param failOnFunctionError whether a function error fails the step ({@code FunctionFailed})
     */
    record InvokeOptions(JsonNode payload, InvocationType invocationType, ObjectNode clientContext,
                         LogType logType, boolean failOnFunctionError) {
        public InvokeOptions {
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(invocationType, "invocationType");
            Objects.requireNonNull(logType, "logType");
        }
    }

    /**
     * Execute Lambda Function: invoke an existing function.
     *
     * @param functionName name, partial or full ARN, as given (a {@code :qualifier} suffix kept)
     * @param qualifier    version or alias from the {@code qualifier} field; {@code null} when absent
     * @param target       the account and region the function is in
     */
    record Invoke(String functionName, String qualifier, InvokeOptions invokeOptions, TargetAccount target)
            implements StepRequest {
        public Invoke {
            Objects.requireNonNull(functionName, "functionName");
            Objects.requireNonNull(invokeOptions, "invokeOptions");
            Objects.requireNonNull(target, "target");
        }

        /** A function of the runner's own account and region. */
        public Invoke(String functionName, String qualifier, InvokeOptions invokeOptions) {
            this(functionName, qualifier, invokeOptions, TargetAccount.RUNNERS_OWN);
        }

        @Override
        public String action() {
            return "invoke";
        }
    }

    /**
     * Lambda Custom Code Execution: create a function from one source file, invoke it, delete it.
     *
     * @param source               the file, its name in the zip and the full handler string
     * @param roleArn              the requested execution role; {@code null} for the default role
     * @param timeoutSeconds       {@code null} for Lambda's default (3 s)
     * @param memorySize           {@code null} for Lambda's default (128 MB)
     * @param reuse                the function is named by a hash of its definition, reused when it
     *                             exists and kept after the step ({@code deleteAfterExecution} is false)
     * @param target               the account and region the function is created in
     */
    record CustomCode(String runtime, FunctionSource source, String roleArn, boolean deleteAfterExecution,
                      String description, Map<String, String> tags, Integer timeoutSeconds, Integer memorySize,
                      Map<String, String> environment, InvokeOptions invokeOptions, boolean reuse,
                      TargetAccount target)
            implements StepRequest {
        public CustomCode {
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(invokeOptions, "invokeOptions");
            Objects.requireNonNull(target, "target");
            tags = Map.copyOf(tags);
            environment = Map.copyOf(environment);
            if (reuse && deleteAfterExecution) {
                throw new IllegalArgumentException("a reused function is never deleted by the step");
            }
        }

        /** A function of the runner's own account and region. */
        public CustomCode(String runtime, FunctionSource source, String roleArn, boolean deleteAfterExecution,
                          String description, Map<String, String> tags, Integer timeoutSeconds, Integer memorySize,
                          Map<String, String> environment, InvokeOptions invokeOptions, boolean reuse) {
            this(runtime, source, roleArn, deleteAfterExecution, description, tags, timeoutSeconds, memorySize,
                    environment, invokeOptions, reuse, TargetAccount.RUNNERS_OWN);
        }

        /** A throwaway function (no reuse). */
        public CustomCode(String runtime, FunctionSource source, String roleArn, boolean deleteAfterExecution,
                          String description, Map<String, String> tags, Integer timeoutSeconds, Integer memorySize,
                          Map<String, String> environment, InvokeOptions invokeOptions) {
            this(runtime, source, roleArn, deleteAfterExecution, description, tags, timeoutSeconds, memorySize,
                    environment, invokeOptions, false);
        }

        @Override
        public String action() {
            return "customCode";
        }
    }
}
