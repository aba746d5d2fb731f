package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A step's context variables. The first seven are exactly the Rundeck plugin's (strings, with
 * {@code "true"}/{@code "false"} flags); the rest are ours.
 *
 * @param invokeResponsePayload the payload parsed as JSON, or {@code null} when it is empty or not JSON
 * @param statusCode            Invoke's HTTP status (200, 202 or 204), {@code null} when not invoked
 */
public record StepResult(String invokeResponsePayloadString, String functionName, boolean functionWasCreated,
                         boolean functionWasInvoked, boolean functionWasDeleted, String invokeFunctionError,
                         String invokeExecutionLog, JsonNode invokeResponsePayload, Integer statusCode,
                         String executedVersion) {

    /** Nothing invoked yet: the state of a step that created a function and then failed. */
    public static StepResult notInvoked(String functionName, boolean created, boolean deleted) {
        return new StepResult(null, functionName, created, false, deleted, null, null, null, null, null);
    }

    /**
     * The result of one invocation.
     *
     * @param parsedPayload the payload as JSON, {@code null} when it is empty or not JSON
     */
    public static StepResult invoked(String functionName, boolean created, LambdaGateway.InvocationResult result,
                                     JsonNode parsedPayload) {
        return new StepResult(result.payload(), functionName, created, true, false, result.functionError(),
                result.logTail(), parsedPayload, result.statusCode(), result.executedVersion());
    }

    public StepResult withDeleted(boolean deleted) {
        return new StepResult(invokeResponsePayloadString, functionName, functionWasCreated, functionWasInvoked,
                deleted, invokeFunctionError, invokeExecutionLog, invokeResponsePayload, statusCode, executedVersion);
    }

    /** {@code {"data": {...}}}, keys in the documented order. */
    public ObjectNode toJson() {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("invokeResponsePayloadString", invokeResponsePayloadString);
        data.put("functionName", functionName);
        data.put("functionWasCreated", Boolean.toString(functionWasCreated));
        data.put("functionWasInvoked", Boolean.toString(functionWasInvoked));
        data.put("functionWasDeleted", Boolean.toString(functionWasDeleted));
        data.put("invokeFunctionError", invokeFunctionError);
        data.put("invokeExecutionLog", invokeExecutionLog);
        data.set("invokeResponsePayload", invokeResponsePayload == null ? JsonNodeFactory.instance.nullNode()
                : invokeResponsePayload);
        data.put("statusCode", statusCode);
        data.put("executedVersion", executedVersion);
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("data", data);
        return root;
    }
}
