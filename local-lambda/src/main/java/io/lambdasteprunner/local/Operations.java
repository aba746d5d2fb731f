package io.lambdasteprunner.local;

import java.util.List;
import java.util.Map;

/**
 * Names the Lambda operations the local service does not implement, from their paths in Lambda's API
 * model, so a caller reads which one it called instead of a bare 404.
 */
final class Operations {

    static final String IMPLEMENTED = "It implements functions (create, get, list, update, delete), versions, "
            + "aliases, Invoke, tags, resource policies (AddPermission, GetPolicy, RemovePermission), reserved "
            + "concurrency, event invoke configs, recursion settings and GetAccountSettings, and reads of what it "
            + "never configures (URLs, code signing, provisioned concurrency, event source mappings, layers) as empty.";

    /** A path segment of Lambda's model, and the operations on it by HTTP method. */
    private record Resource(String create, String get, String update, String delete) {
        String by(String method) {
            return switch (method) {
                case "POST" -> create;
                case "GET" -> get;
                case "PUT" -> update;
                case "DELETE" -> delete;
                default -> null;
            };
        }
    }

    private static final Map<String, Resource> UNIMPLEMENTED = Map.ofEntries(
            Map.entry("event-source-mappings", new Resource("CreateEventSourceMapping",
                    "GetEventSourceMapping or ListEventSourceMappings", "UpdateEventSourceMapping",
                    "DeleteEventSourceMapping")),
            Map.entry("layers", new Resource("PublishLayerVersion or AddLayerVersionPermission",
                    "ListLayers, ListLayerVersions or GetLayerVersion", null,
                    "DeleteLayerVersion or RemoveLayerVersionPermission")),
            Map.entry("url", new Resource("CreateFunctionUrlConfig", "GetFunctionUrlConfig", "UpdateFunctionUrlConfig",
                    "DeleteFunctionUrlConfig")),
            Map.entry("urls", new Resource(null, "ListFunctionUrlConfigs", null, null)),
            Map.entry("provisioned-concurrency", new Resource(null,
                    "GetProvisionedConcurrencyConfig or ListProvisionedConcurrencyConfigs",
                    "PutProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig")),
            Map.entry("code-signing-configs", new Resource("CreateCodeSigningConfig",
                    "GetCodeSigningConfig or ListCodeSigningConfigs", "UpdateCodeSigningConfig",
                    "DeleteCodeSigningConfig")),
            Map.entry("code-signing-config", new Resource(null, "GetFunctionCodeSigningConfig",
                    "PutFunctionCodeSigningConfig", "DeleteFunctionCodeSigningConfig")),
            Map.entry("runtime-management-config", new Resource(null, "GetRuntimeManagementConfig",
                    "PutRuntimeManagementConfig", null)),
            Map.entry("response-streaming-invocations", new Resource("InvokeWithResponseStream", null, null, null)),
            Map.entry("invoke-async", new Resource("InvokeAsync", null, null, null)),
            Map.entry("capacity-providers", new Resource("CreateCapacityProvider",
                    "GetCapacityProvider or ListCapacityProviders", "UpdateCapacityProvider", "DeleteCapacityProvider")),
            Map.entry("durable-executions", new Resource(null, "GetDurableExecution or ListDurableExecutions", null,
                    null)));

    private Operations() {
    }

    /**
     * The error for a path and method the service does not answer: 501 naming the operation when it is
     * one of Lambda's, else AWS's 404 {@code UnknownOperationException}.
     */
    static LambdaException unsupported(String method, List<String> path) {
        String shown = method + " /" + String.join("/", path);
        for (int i = path.size() - 1; i >= 0; i--) {
            Resource resource = UNIMPLEMENTED.get(path.get(i));
            String operation = resource == null ? null : resource.by(method);
            if (operation != null) {
                return new LambdaException(501, "NotImplementedException", "The local Lambda service does not "
                        + "implement " + operation + " (" + shown + "). " + IMPLEMENTED);
            }
        }
        return new LambdaException(404, "UnknownOperationException", "The action or operation requested is invalid. "
                + "Verify that the action is typed correctly. (" + shown + ")");
    }
}
