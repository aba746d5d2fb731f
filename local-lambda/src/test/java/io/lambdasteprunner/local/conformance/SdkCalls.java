package io.lambdasteprunner.local.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingKnownType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.awscore.AwsResponse;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.PutFunctionEventInvokeConfigRequest;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionEventInvokeConfigRequest;
import software.amazon.awssdk.services.lambda.model.GetFunctionEventInvokeConfigRequest;
import software.amazon.awssdk.services.lambda.model.DeleteFunctionEventInvokeConfigRequest;
import software.amazon.awssdk.services.lambda.model.ListFunctionEventInvokeConfigsRequest;
import software.amazon.awssdk.services.lambda.model.*;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityRequest;
import software.amazon.awssdk.utils.builder.SdkBuilder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Calls a Lambda (or STS) operation through the real AWS SDK for Java v2 from a case's JSON parameters (member
 * names as in Lambda's API model), and turns its typed answer back into JSON for the checks. The
 * request is built, and the answer read, through the SDK's own member metadata ({@link SdkField}),
 * so the SDK marshals and unmarshals exactly as it does for users.
 */
final class SdkCalls {

    /** An SDK answer: status and the response's members as JSON. */
    record Answer(int status, ObjectNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LambdaClient lambda;
    private final StsClient sts;

    SdkCalls(LambdaClient lambda, StsClient sts) {
        this.lambda = lambda;
        this.sts = sts;
    }

    /**
     * Calls {@code operation} (Lambda's, or STS's as {@code sts:AssumeRole}); a service error is thrown
     * as the SDK throws it.
     */
    Answer call(String operation, JsonNode params) {
        return switch (operation) {
            case "sts:AssumeRole" -> run(AssumeRoleRequest.builder(), params, sts::assumeRole);
            case "sts:GetCallerIdentity" -> run(GetCallerIdentityRequest.builder(), params, sts::getCallerIdentity);
            case "CreateFunction" -> run(CreateFunctionRequest.builder(), params, lambda::createFunction);
            case "GetFunction" -> run(GetFunctionRequest.builder(), params, lambda::getFunction);
            case "GetFunctionConfiguration" ->
                    run(GetFunctionConfigurationRequest.builder(), params, lambda::getFunctionConfiguration);
            case "UpdateFunctionConfiguration" ->
                    run(UpdateFunctionConfigurationRequest.builder(), params, lambda::updateFunctionConfiguration);
            case "UpdateFunctionCode" -> run(UpdateFunctionCodeRequest.builder(), params, lambda::updateFunctionCode);
            case "DeleteFunction" -> run(DeleteFunctionRequest.builder(), params, lambda::deleteFunction);
            case "ListFunctions" -> run(ListFunctionsRequest.builder(), params, lambda::listFunctions);
            case "PublishVersion" -> run(PublishVersionRequest.builder(), params, lambda::publishVersion);
            case "ListVersionsByFunction" ->
                    run(ListVersionsByFunctionRequest.builder(), params, lambda::listVersionsByFunction);
            case "CreateAlias" -> run(CreateAliasRequest.builder(), params, lambda::createAlias);
            case "GetAlias" -> run(GetAliasRequest.builder(), params, lambda::getAlias);
            case "UpdateAlias" -> run(UpdateAliasRequest.builder(), params, lambda::updateAlias);
            case "DeleteAlias" -> run(DeleteAliasRequest.builder(), params, lambda::deleteAlias);
            case "ListAliases" -> run(ListAliasesRequest.builder(), params, lambda::listAliases);
            case "TagResource" -> run(TagResourceRequest.builder(), params, lambda::tagResource);
            case "UntagResource" -> run(UntagResourceRequest.builder(), params, lambda::untagResource);
            case "ListTags" -> run(ListTagsRequest.builder(), params, lambda::listTags);
            case "Invoke" -> run(InvokeRequest.builder(), params, lambda::invoke);
            case "AddPermission" -> run(AddPermissionRequest.builder(), params, lambda::addPermission);
            case "GetPolicy" -> run(GetPolicyRequest.builder(), params, lambda::getPolicy);
            case "RemovePermission" -> run(RemovePermissionRequest.builder(), params, lambda::removePermission);
            case "PutFunctionConcurrency" ->
                    run(PutFunctionConcurrencyRequest.builder(), params, lambda::putFunctionConcurrency);
            case "GetFunctionConcurrency" ->
                    run(GetFunctionConcurrencyRequest.builder(), params, lambda::getFunctionConcurrency);
            case "DeleteFunctionConcurrency" ->
                    run(DeleteFunctionConcurrencyRequest.builder(), params, lambda::deleteFunctionConcurrency);
            case "GetAccountSettings" -> run(GetAccountSettingsRequest.builder(), params, lambda::getAccountSettings);
            case "ListEventSourceMappings" ->
                    run(ListEventSourceMappingsRequest.builder(), params, lambda::listEventSourceMappings);
            case "GetFunctionUrlConfig" ->
                    run(GetFunctionUrlConfigRequest.builder(), params, lambda::getFunctionUrlConfig);
            case "PutFunctionEventInvokeConfig" ->
                    run(PutFunctionEventInvokeConfigRequest.builder(), params, lambda::putFunctionEventInvokeConfig);
            case "UpdateFunctionEventInvokeConfig" ->
                    run(UpdateFunctionEventInvokeConfigRequest.builder(), params, lambda::updateFunctionEventInvokeConfig);
            case "GetFunctionEventInvokeConfig" ->
                    run(GetFunctionEventInvokeConfigRequest.builder(), params, lambda::getFunctionEventInvokeConfig);
            case "DeleteFunctionEventInvokeConfig" ->
                    run(DeleteFunctionEventInvokeConfigRequest.builder(), params, lambda::deleteFunctionEventInvokeConfig);
            case "ListFunctionEventInvokeConfigs" ->
                    run(ListFunctionEventInvokeConfigsRequest.builder(), params, lambda::listFunctionEventInvokeConfigs);
            default -> throw new IllegalArgumentException("no SDK call for operation " + operation);
        };
    }

    @SuppressWarnings("unchecked")
    private static <R, O extends AwsResponse> Answer run(SdkBuilder<?, R> builder, JsonNode params,
                                                            Function<R, O> operation) {
        fill((SdkPojo) builder, params);
        O response = operation.apply(builder.build());
        return new Answer(response.sdkHttpResponse().statusCode(), toJson(response));
    }

    private static void fill(SdkPojo builder, JsonNode params) {
        for (SdkField<?> field : builder.sdkFields()) {
            JsonNode value = params.get(field.memberName());
            if (value != null) {
                field.set(builder, value(field, value));
            }
        }
    }

    private static Object value(SdkField<?> field, JsonNode json) {
        MarshallingKnownType type = field.marshallingType().getKnownType();
        return switch (type) {
            case STRING -> json.asText();
            case INTEGER -> json.asInt();
            case LONG -> json.asLong();
            case DOUBLE -> json.asDouble();
            case FLOAT -> (float) json.asDouble();
            case BOOLEAN -> json.asBoolean();
            case SDK_BYTES -> json.isBinary() ? SdkBytes.fromByteArray(binary(json))
                    : SdkBytes.fromString(json.isTextual() ? json.asText() : json.toString(), StandardCharsets.UTF_8);
            case LIST -> {
                SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
                List<Object> list = new ArrayList<>();
                json.forEach(item -> list.add(value(member, item)));
                yield list;
            }
            case MAP -> {
                SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
                Map<String, Object> map = new LinkedHashMap<>();
                json.properties().forEach(entry -> map.put(entry.getKey(), value(member, entry.getValue())));
                yield map;
            }
            case SDK_POJO -> {
                SdkPojo nested = field.constructor().get();
                fill(nested, json);
                yield ((SdkBuilder<?, ?>) nested).build();
            }
            default -> throw new IllegalArgumentException("unsupported member type " + type + " of "
                    + field.memberName());
        };
    }

    private static byte[] binary(JsonNode json) {
        try {
            return json.binaryValue();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A typed SDK object as JSON with the model's member names; a blob as UTF-8 text. */
    static ObjectNode toJson(SdkPojo pojo) {
        ObjectNode node = JSON.createObjectNode();
        for (SdkField<?> field : pojo.sdkFields()) {
            Object value = field.getValueOrDefault(pojo);
            if (value != null && !isAbsentCollection(value)) {
                node.set(field.memberName(), json(value));
            }
        }
        return node;
    }

    /** The SDK answers an absent list or map as an auto-construct empty one; a check sees it as absent. */
    private static boolean isAbsentCollection(Object value) {
        return value instanceof software.amazon.awssdk.core.util.SdkAutoConstructList<?>
                || value instanceof software.amazon.awssdk.core.util.SdkAutoConstructMap<?, ?>;
    }

    private static JsonNode json(Object value) {
        if (value instanceof SdkPojo pojo) {
            return toJson(pojo);
        }
        if (value instanceof SdkBytes bytes) {
            return JSON.getNodeFactory().textNode(bytes.asUtf8String());
        }
        if (value instanceof List<?> list) {
            ArrayNode array = JSON.createArrayNode();
            list.forEach(item -> array.add(json(item)));
            return array;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = JSON.createObjectNode();
            map.forEach((key, item) -> object.set(String.valueOf(key), json(item)));
            return object;
        }
        if (value instanceof Enum<?> || value instanceof java.time.Instant) {
            return JSON.getNodeFactory().textNode(value.toString());
        }
        return JSON.valueToTree(value);
    }
}
