package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads (and deletes) of features the local service never configures: function URLs, code signing, provisioned concurrency, runtime management settings, event
 * source mappings and layers. No function here can have one, so each is answered as AWS answers for a
 * function that has none (recorded in LocalStack's snapshot files), and tools that read them around a
 * function (Terraform, SAM, the console's SDK calls) go on. What would create or change one stays a
 * named 501 ({@link Operations}).
 */
final class NothingConfigured {

    private static final String NO_RESOURCE = "The resource you requested does not exist.";
    /** A function URL's qualifier: an alias, never a version or $LATEST (botocore's FunctionUrlQualifier). */
    private static final Pattern URL_QUALIFIER = Pattern.compile("((?!^\\d+$)^[0-9a-zA-Z-_]+$)");

    private final FunctionRegistry functions;

    NothingConfigured(FunctionRegistry functions) {
        this.functions = functions;
    }

    /** The answer for {@code request}, or empty when it is no read of an unconfigured feature. */
    Optional<ApiResponse> answer(ApiRequest request) throws IOException {
        List<String> path = request.path();
        String method = request.method();
        if (path.size() < 2) {
            return Optional.empty();
        }
        String api = path.get(0);
        String kind = path.get(1);
        List<String> rest = path.subList(2, path.size());
        if (kind.equals("functions") && rest.size() >= 2) {
            return function(api, method, FunctionName.parse(rest.get(0)), rest.subList(1, rest.size()), request);
        }
        return switch (api + " " + kind + " " + method + " " + rest.size()) {
            case "2015-03-31 event-source-mappings GET 0" -> Optional.of(empty("EventSourceMappings"));
            case "2015-03-31 event-source-mappings GET 1", "2015-03-31 event-source-mappings DELETE 1",
                 "2015-03-31 event-source-mappings PUT 1" -> throw LambdaException.notFound(NO_RESOURCE);
            case "2018-10-31 layers GET 0" -> {
                if (request.query("Arn") != null) { // GetLayerVersionByArn: no layer exists here
                    throw LambdaException.notFound(NO_RESOURCE);
                }
                yield Optional.of(empty("Layers"));
            }
            case "2018-10-31 layers GET 2" -> rest.get(1).equals("versions")
                    ? Optional.of(empty("LayerVersions")) : Optional.empty();
            case "2018-10-31 layers GET 3", "2018-10-31 layers DELETE 3" -> layerVersion(method, rest);
            case "2020-04-22 code-signing-configs GET 0" -> Optional.of(empty("CodeSigningConfigs"));
            case "2020-04-22 code-signing-configs GET 1", "2020-04-22 code-signing-configs DELETE 1" ->
                // Recorded without the Type member.
                    throw LambdaException.notFound("The Lambda code signing configuration " + rest.get(0)
                            + " can not be found.").untyped();
            default -> Optional.empty();
        };
    }

    private Optional<ApiResponse> function(String api, String method, FunctionName name, List<String> rest,
                                           ApiRequest request) throws IOException {
        String resource = String.join("/", rest);
        String qualifierParameter = request.query("Qualifier");
        switch (api + " " + resource + " " + method) {
            case "2021-10-31 url GET", "2021-10-31 url DELETE" -> {
                checkUrlQualifier(qualifierParameter);
                functions.checkScope(name);
                name.qualifierWith(qualifierParameter);
                throw LambdaException.notFound(NO_RESOURCE);
            }
            case "2021-10-31 urls GET" -> {
                existing(name, "Function does not exist");
                return Optional.of(empty("FunctionUrlConfigs"));
            }
            case "2020-06-30 code-signing-config GET" -> {
                existing(name, null);
                return Optional.of(ApiResponse.json(200, Json.object()));
            }
            case "2020-06-30 code-signing-config DELETE" -> {
                existing(name, null);
                return Optional.of(ApiResponse.empty(204));
            }
            case "2019-09-30 provisioned-concurrency GET", "2019-09-30 provisioned-concurrency DELETE" -> {
                return Optional.of(provisionedConcurrency(method, name, request));
            }
            case "2021-07-20 runtime-management-config GET" -> {
                String qualifier = qualifier(name, qualifierParameter);
                existing(name, null);
                String arn = functions.functionArn(name.name()) + (qualifier == null ? "" : ":" + qualifier);
                return Optional.of(ApiResponse.json(200, Json.object().put("UpdateRuntimeOn", "Auto")
                        .put("FunctionArn", arn)));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private ApiResponse provisionedConcurrency(String method, FunctionName name, ApiRequest request) {
        if (method.equals("GET") && "ALL".equals(request.query("List"))) {
            existing(name, null);
            return empty("ProvisionedConcurrencyConfigs");
        }
        String qualifier = qualifier(name, request.query("Qualifier"));
        if (qualifier == null) {
            throw LambdaException.validation(null, "qualifier", "Member must not be null");
        }
        if (qualifier.equals(FunctionVersion.LATEST)) {
            throw LambdaException.invalidParameter("The function resource provided must be an alias or a published "
                    + "version.");
        }
        String arn = functions.functionArn(name.name()) + ":" + qualifier;
        LocalFunction function = functions.find(name).orElse(null);
        if (LocalFunction.isVersionNumber(qualifier)) {
            if (function == null || !function.hasVersion(qualifier)) {
                throw LambdaException.functionNotFound(arn);
            }
        } else if (function == null || function.alias(qualifier).isEmpty()) {
            throw LambdaException.notFound("Cannot find alias arn: " + arn);
        }
        if (method.equals("DELETE")) {
            return ApiResponse.empty(204);
        }
        throw new LambdaException(404, "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function");
    }

    private Optional<ApiResponse> layerVersion(String method, List<String> rest) {
        if (!rest.get(1).equals("versions")) {
            return Optional.empty();
        }
        long number;
        try {
            number = Long.parseLong(rest.get(2));
        } catch (NumberFormatException e) {
            throw LambdaException.validation(rest.get(2), "versionNumber", "Member must be a number");
        }
        if (number < 1) {
            throw LambdaException.invalidParameter("Layer Version Cannot be less than 1");
        }
        if (method.equals("DELETE")) {
            return Optional.of(ApiResponse.empty(204));
        }
        throw LambdaException.notFound(NO_RESOURCE);
    }

    private String qualifier(FunctionName name, String parameter) {
        functions.checkScope(name);
        return name.qualifierWith(FunctionName.checkQualifier(parameter));
    }

    /** The function, which must exist: else AWS's message for the operation (null: "Function not found: ARN"). */
    private LocalFunction existing(FunctionName name, String missing) {
        functions.checkScope(name);
        return functions.find(name).orElseThrow(() -> missing == null
                ? LambdaException.functionNotFound(functions.functionArn(name.name()))
                : LambdaException.notFound(missing));
    }

    private static void checkUrlQualifier(String qualifier) {
        if (qualifier != null && !URL_QUALIFIER.matcher(qualifier).matches()) {
            throw LambdaException.validation(qualifier, "qualifier", "Member must satisfy regular expression pattern: "
                    + URL_QUALIFIER.pattern());
        }
    }

    private static ApiResponse empty(String listMember) {
        ObjectNode body = Json.object();
        body.putArray(listMember);
        return ApiResponse.json(200, body);
    }
}
