package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A step's context variables. The first seven are exactly the Rundeck plugin's (strings, with
 * {@code "true"}/{@code "false"} flags) and are always present; the rest are ours.
 *
 * @param invokeResponsePayload the payload parsed as JSON, or {@code null} when it is empty, not JSON, or
 *                              left out to keep the result under {@code MAX_RESULT_BYTES}
 * @param statusCode            Invoke's HTTP status (200, 202 or 204), {@code null} when not invoked
 * @param shortened             how the response was shortened to fit, {@code null} when it is whole
 */
public record StepResult(String invokeResponsePayloadString, String functionName, boolean functionWasCreated,
                         boolean functionWasInvoked, boolean functionWasDeleted, String invokeFunctionError,
                         String invokeExecutionLog, JsonNode invokeResponsePayload, Integer statusCode,
                         String executedVersion, Shortened shortened) {

    /**
     * The response did not fit the result: {@code invokeResponsePayloadString} holds its beginning only
     * ({@code invokeResponsePayloadTruncated: "true"}).
     *
     * @param payloadBytes the whole response's size in bytes ({@code invokeResponsePayloadSize})
     * @param s3Uri        where the whole response was written ({@code invokeResponsePayloadS3Uri}), or
     *                     {@code null} when no bucket is configured or the write failed
     * @param s3Error      why the write failed ({@code invokeResponsePayloadS3Error}), or {@code null}
     */
    public record Shortened(long payloadBytes, String s3Uri, String s3Error) {
    }

    /** A whole result: nothing shortened. */
    public StepResult(String invokeResponsePayloadString, String functionName, boolean functionWasCreated,
                      boolean functionWasInvoked, boolean functionWasDeleted, String invokeFunctionError,
                      String invokeExecutionLog, JsonNode invokeResponsePayload, Integer statusCode,
                      String executedVersion) {
        this(invokeResponsePayloadString, functionName, functionWasCreated, functionWasInvoked, functionWasDeleted,
                invokeFunctionError, invokeExecutionLog, invokeResponsePayload, statusCode, executedVersion, null);
    }

    /** Nothing invoked yet: the state of a step that created a function and then failed. */
    public static StepResult notInvoked(String functionName, boolean created, boolean deleted) {
        return new StepResult(null, functionName, created, false, deleted, null, null, null, null, null, null);
    }

    /**
     * The result of one invocation.
     *
     * @param parsedPayload the payload as JSON, {@code null} when it is empty or not JSON
     */
    public static StepResult invoked(String functionName, boolean created, LambdaGateway.InvocationResult result,
                                     JsonNode parsedPayload) {
        return new StepResult(result.payload(), functionName, created, true, false, result.functionError(),
                result.logTail(), parsedPayload, result.statusCode(), result.executedVersion(), null);
    }

    public StepResult withDeleted(boolean deleted) {
        return new StepResult(invokeResponsePayloadString, functionName, functionWasCreated, functionWasInvoked,
                deleted, invokeFunctionError, invokeExecutionLog, invokeResponsePayload, statusCode, executedVersion,
                shortened);
    }

    /** The same result without the parsed copy of the payload. */
    public StepResult withoutParsedPayload() {
        return new StepResult(invokeResponsePayloadString, functionName, functionWasCreated, functionWasInvoked,
                functionWasDeleted, invokeFunctionError, invokeExecutionLog, null, statusCode, executedVersion,
                shortened);
    }

    /** The same result with the payload string replaced by its beginning, and what was done with the rest. */
    public StepResult withShortenedPayload(String beginning, Shortened how) {
        return new StepResult(beginning, functionName, functionWasCreated, functionWasInvoked, functionWasDeleted,
                invokeFunctionError, invokeExecutionLog, null, statusCode, executedVersion, how);
    }

    /** The same result with another execution log (a shorter tail). */
    public StepResult withExecutionLog(String log) {
        return new StepResult(invokeResponsePayloadString, functionName, functionWasCreated, functionWasInvoked,
                functionWasDeleted, invokeFunctionError, log, invokeResponsePayload, statusCode, executedVersion,
                shortened);
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
        if (shortened != null) {
            data.put("invokeResponsePayloadTruncated", "true");
            data.put("invokeResponsePayloadSize", shortened.payloadBytes());
            if (shortened.s3Uri() != null) {
                data.put("invokeResponsePayloadS3Uri", shortened.s3Uri());
            }
            if (shortened.s3Error() != null) {
                data.put("invokeResponsePayloadS3Error", shortened.s3Error());
            }
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("data", data);
        return root;
    }
}
