package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepRequestParserTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final StepRequestParser parser = new StepRequestParser();

    private StepRequest parse(String json) throws Exception {
        return parser.parse(mapper.readTree(json));
    }

    private StepFailure refused(String json) {
        return assertThrows(StepFailure.class, () -> parse(json));
    }

    private JsonNode event(String file) throws Exception {
        return mapper.readTree(Files.readString(Path.of("events", file)));
    }

    @Test
    void shouldParseEveryInvokeFieldOfTheInvokeEvent() throws Exception {
        StepRequest.Invoke invoke = assertInstanceOf(StepRequest.Invoke.class, parser.parse(event("invoke.json")));

        assertEquals("restart-web-service", invoke.functionName());
        assertNull(invoke.qualifier());
        assertEquals("{\"host\":\"web-1\",\"ticket\":\"INC-1234\"}", invoke.invokeOptions().payload().toString());
        assertEquals(InvocationType.REQUEST_RESPONSE, invoke.invokeOptions().invocationType());
        assertEquals(LogType.TAIL, invoke.invokeOptions().logType());
        assertEquals("{\"custom\":{\"runbook\":\"restart-web\"}}", invoke.invokeOptions().clientContext().toString());
        assertTrue(invoke.invokeOptions().failOnFunctionError());
    }

    @Test
    void shouldKeepAReusedFunctionAndRefuseDeletingIt() throws Exception {
        String reused = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"x = 1\",\"reuse\":true";

        StepRequest.CustomCode step = (StepRequest.CustomCode) parse(reused + "}");
        StepRequest.CustomCode throwaway = (StepRequest.CustomCode) parse(reused.replace("true", "false") + "}");

        assertTrue(step.reuse());
        assertFalse(step.deleteAfterExecution());
        assertFalse(throwaway.reuse());
        assertTrue(throwaway.deleteAfterExecution());
        assertFalse(((StepRequest.CustomCode) parse(reused + ",\"deleteAfterExecution\":false}")).deleteAfterExecution());
        assertMessage(refused(reused + ",\"deleteAfterExecution\":true}"), StepError.INVALID_STEP_REQUEST,
                "reuse true keeps the function");
    }

    @Test
    void shouldApplyDefaultsToAMinimalInvoke() throws Exception {
        StepRequest.Invoke invoke = (StepRequest.Invoke) parse("{\"action\":\"invoke\",\"functionName\":\"f\"}");

        assertEquals("{}", invoke.invokeOptions().payload().toString());
        assertEquals(InvocationType.REQUEST_RESPONSE, invoke.invokeOptions().invocationType());
        assertEquals(LogType.TAIL, invoke.invokeOptions().logType());
        assertNull(invoke.invokeOptions().clientContext());
        assertFalse(invoke.invokeOptions().failOnFunctionError());
    }

    @ParameterizedTest
    @CsvSource({"Request,REQUEST_RESPONSE", "RequestResponse,REQUEST_RESPONSE", "Event,EVENT", "DryRun,DRY_RUN"})
    void shouldAcceptInvocationTypesAndTheRequestAlias(String given, InvocationType expected) throws Exception {
        StepRequest request = parse("{\"action\":\"invoke\",\"functionName\":\"f\",\"invocationType\":\"" + given + "\"}");

        assertEquals(expected, request.invokeOptions().invocationType());
    }

    @Test
    void shouldKeepAnyJsonValueAsPayload() throws Exception {
        assertEquals("[1,\"a\"]", parse("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":[1,\"a\"]}")
                .invokeOptions().payload().toString());
        assertEquals("\"text\"", parse("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":\"text\"}")
                .invokeOptions().payload().toString());
    }

    @Test
    void shouldAcceptQualifierOnceEitherWay() throws Exception {
        assertEquals("prod", ((StepRequest.Invoke) parse("{\"action\":\"invoke\",\"functionName\":\"f\",\"qualifier\":\"prod\"}")).qualifier());
        assertEquals("f:prod", ((StepRequest.Invoke) parse("{\"action\":\"invoke\",\"functionName\":\"f:prod\",\"qualifier\":\"prod\"}")).functionName());
        StepFailure conflict = refused("{\"action\":\"invoke\",\"functionName\":\"f:prod\",\"qualifier\":\"dev\"}");
        assertTrue(conflict.getMessage().contains("once"), conflict.getMessage());
    }

    @Test
    void shouldAcceptStringFlagsAsRundeckOptionsSendThem() throws Exception {
        StepRequest request = parse("{\"action\":\"invoke\",\"functionName\":\"f\",\"failOnFunctionError\":\"true\"}");

        assertTrue(request.invokeOptions().failOnFunctionError());
    }

    @Test
    void shouldNameWhatIsWrongWithABadRequest() {
        assertMessage(refused("[]"), StepError.INVALID_STEP_REQUEST, "JSON object");
        assertMessage(refused("{}"), StepError.INVALID_STEP_REQUEST, "action is required");
        assertMessage(refused("{\"action\":\"deploy\"}"), StepError.INVALID_STEP_REQUEST, "'deploy' is unknown");
        assertMessage(refused("{\"action\":\"invoke\"}"), StepError.INVALID_STEP_REQUEST, "functionName is required");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":7}"), StepError.INVALID_STEP_REQUEST,
                "functionName must be a string, was a number");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"functionname\":\"g\"}"),
                StepError.INVALID_STEP_REQUEST, "'functionname' is not part of a invoke step (check its spelling)");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"runtime\":\"python3.12\"}"),
                StepError.INVALID_STEP_REQUEST, "belongs to the other action");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"invocationType\":\"Async\"}"),
                StepError.INVALID_STEP_REQUEST, "RequestResponse (or Request), Event or DryRun");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"logType\":\"All\"}"),
                StepError.INVALID_STEP_REQUEST, "Tail or None");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"failOnFunctionError\":\"yes\"}"),
                StepError.INVALID_STEP_REQUEST, "true or false");
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"clientContext\":\"x\"}"),
                StepError.INVALID_STEP_REQUEST, "clientContext must be a JSON object");
    }

    @Test
    void shouldRefuseTooLargePayloadsPerInvocationType() {
        String big = "x".repeat(LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES);
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"invocationType\":\"Event\",\"payload\":\"" + big + "\"}"),
                StepError.PAYLOAD_TOO_LARGE, "for invocationType Event");
        String huge = "x".repeat(LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES);
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"payload\":\"" + huge + "\"}"),
                StepError.PAYLOAD_TOO_LARGE, "6291456 bytes");
    }

    @Test
    void shouldRefuseTooLargeClientContext() {
        String big = "x".repeat(3000);
        assertMessage(refused("{\"action\":\"invoke\",\"functionName\":\"f\",\"clientContext\":{\"custom\":{\"a\":\"" + big + "\"}}}"),
                StepError.PAYLOAD_TOO_LARGE, "3583");
    }

    @Test
    void shouldPackPythonAsLambdaFunctionWithExpandedVariables() throws Exception {
        StepRequest.CustomCode step = (StepRequest.CustomCode) parser.parse(event("custom-code-python.json"));

        assertEquals("python3.12", step.runtime());
        assertEquals("lambda_function.py", step.source().fileName());
        assertEquals("lambda_function.lambda_handler", step.source().handler());
        assertTrue(step.source().code().contains("'env': 'staging'"), step.source().code());
        assertEquals("Disk check on web-1 (staging)", step.description());
        assertEquals("{\"host\":\"web-1\"}", step.invokeOptions().payload().toString());
        assertTrue(step.deleteAfterExecution());
        assertEquals(30, step.timeoutSeconds());
    }

    @Test
    void shouldPackNodeCommonJsAsIndexJsAndLeaveTemplateLiterals() throws Exception {
        StepRequest.CustomCode step = (StepRequest.CustomCode) parser.parse(event("custom-code-nodejs.json"));

        assertEquals("index.js", step.source().fileName());
        assertEquals("index.handler", step.source().handler());
        assertTrue(step.source().code().contains("`Hello, ${event.name}!`"));
        assertTrue(step.source().code().contains("env: 'staging'"));
    }

    @Test
    void shouldPackNodeEsModuleAsIndexMjs() throws Exception {
        StepRequest.CustomCode step = (StepRequest.CustomCode) parser.parse(event("custom-code-nodejs-esm.json"));

        assertEquals("index.mjs", step.source().fileName());
        assertEquals("index.handler", step.source().handler());
    }

    @Test
    void shouldPackRubyAsLambdaFunctionRb() throws Exception {
        StepRequest.CustomCode step = (StepRequest.CustomCode) parser.parse(event("custom-code-ruby.json"));

        assertEquals("lambda_function.rb", step.source().fileName());
        assertEquals("lambda_function.lambda_handler", step.source().handler());
        assertTrue(step.source().code().contains("'ticket' => 'INC-1234'"));
        assertTrue(step.source().code().contains("#{event['text'].length}"));
    }

    @Test
    void shouldParseTheStepFunctionsTaskInput() throws Exception {
        StepRequest.CustomCode step = (StepRequest.CustomCode) parser.parse(event("stepfunctions-task.json"));

        assertEquals("lambda_function.lambda_handler", step.source().handler());
        assertEquals("{\"previous\":\"healthy\"}", step.invokeOptions().payload().toString());
        assertTrue(step.source().code().contains("int('1') + 1"));
        assertTrue(step.invokeOptions().failOnFunctionError());
    }

    @Test
    void shouldDefaultTheHandlerPerRuntime() throws Exception {
        assertEquals("lambda_function.lambda_handler", customCode("python3.13", "def lambda_handler(e, c): pass").source().handler());
        assertEquals("index.handler", customCode("nodejs20.x", "exports.handler = async () => 1;").source().handler());
        assertEquals("lambda_function.lambda_handler", customCode("ruby3.4", "def lambda_handler(event:, context:) end").source().handler());
    }

    @Test
    void shouldTellCommonJsFromEsModules() {
        assertFalse(FunctionSource.isEsModule("const fs = require('fs');\nexports.handler = async () => 1;"));
        assertFalse(FunctionSource.isEsModule("module.exports.handler = async () => { const s = 'import x from y'; };"));
        assertTrue(FunctionSource.isEsModule("import fs from 'fs';\nexport async function handler() {}"));
        assertTrue(FunctionSource.isEsModule("export const handler = async () => 1;"));
        assertTrue(FunctionSource.isEsModule("export default { handler };"));
        assertTrue(FunctionSource.isEsModule("import { readFile } from 'node:fs/promises';\nexport { handler };"));
    }

    @Test
    void shouldRefuseRuntimesAStepCannotShipWithTheSupportedList() {
        for (String runtime : new String[]{"java21", "python3.7", "Python3.12", "go1.x", "provided.al2023"}) {
            StepFailure failure = refused("{\"action\":\"customCode\",\"runtime\":\"" + runtime + "\",\"code\":\"x\"}");
            assertEquals(StepError.UNSUPPORTED_RUNTIME, failure.error(), runtime);
            assertTrue(failure.getMessage().contains(String.join(", ", LambdaRuntimes.INTERPRETED)), failure.getMessage());
        }
        assertTrue(refused("{\"action\":\"customCode\",\"runtime\":\"python3.7\",\"code\":\"x\"}").getMessage()
                .startsWith("The runtime parameter of python3.7 is no longer supported"));
    }

    @Test
    void shouldRefuseBadCustomCodeFields() {
        String base = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"def f(e, c): pass\"";
        assertMessage(refused(base + ",\"handler\":\"not a name\"}"), StepError.INVALID_STEP_REQUEST, "handler 'not a name'");
        assertMessage(refused(base + ",\"handler\":\"index.f\"}"), StepError.INVALID_STEP_REQUEST, "lambda_function.py");
        assertMessage(refused(base + ",\"timeoutSeconds\":901}"), StepError.INVALID_STEP_REQUEST, "from 1 to 900");
        assertMessage(refused(base + ",\"memorySize\":64}"), StepError.INVALID_STEP_REQUEST, "from 128 to 10240");
        assertMessage(refused(base + ",\"memorySize\":1.5}"), StepError.INVALID_STEP_REQUEST, "whole number");
        assertMessage(refused(base + ",\"description\":\"" + "d".repeat(257) + "\"}"), StepError.INVALID_STEP_REQUEST, "256");
        assertMessage(refused(base + ",\"tags\":{\"aws:x\":\"1\"}}"), StepError.INVALID_STEP_REQUEST, "aws:");
        assertMessage(refused(base + ",\"tags\":[\"a\"]}"), StepError.INVALID_STEP_REQUEST, "tags must be an object");
        assertMessage(refused(base + ",\"environment\":{\"1BAD\":\"x\"}}"), StepError.INVALID_STEP_REQUEST, "environment variable name");
        assertMessage(refused(base + ",\"environment\":{\"BIG\":\"" + "v".repeat(4100) + "\"}}"), StepError.INVALID_STEP_REQUEST, "4 KB");
        // Lambda measures the variables as JSON, {"BIG":"vvv..."}: 4,097 bytes here, though key and value are 4,090
        assertMessage(refused(base + ",\"environment\":{\"BIG\":\"" + "v".repeat(4087) + "\"}}"), StepError.INVALID_STEP_REQUEST,
                "environment is 4097 bytes as Lambda measures it");
        assertMessage(refused(base + ",\"invocationType\":\"Event\"}"), StepError.INVALID_STEP_REQUEST, "deleteAfterExecution");
        assertMessage(refused(base + ",\"functionName\":\"f\"}"), StepError.INVALID_STEP_REQUEST, "other action");
        assertMessage(refused("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"  \"}"),
                StepError.INVALID_STEP_REQUEST, "code is empty");
        assertMessage(refused("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"${option.x}\"}"),
                StepError.UNKNOWN_VARIABLE, "${option.x} in code");
    }

    @Test
    void shouldRefuseCodeOverTheLimit() throws Exception {
        ObjectNode request = mapper.createObjectNode().put("action", "customCode").put("runtime", "python3.12")
                .put("code", "#".repeat(FunctionSource.MAX_CODE_BYTES + 1));

        StepFailure failure = assertThrows(StepFailure.class, () -> parser.parse(request));

        assertEquals(StepError.CODE_TOO_LARGE, failure.error());
    }

    @Test
    void shouldAllowEventInvocationWhenTheFunctionIsKept() throws Exception {
        StepRequest.CustomCode step = customCode("python3.12", "def lambda_handler(e, c): pass",
                Map.of("invocationType", "Event", "deleteAfterExecution", false));

        assertEquals(InvocationType.EVENT, step.invokeOptions().invocationType());
        assertFalse(step.deleteAfterExecution());
    }

    @Test
    void shouldExpandVariablesInEveryTextFieldAStepSends() throws Exception {
        StepRequest.Invoke invoke = (StepRequest.Invoke) parse("{\"action\":\"invoke\",\"functionName\":\"${option.fn}\","
                + "\"qualifier\":\"${option.alias}\",\"clientContext\":{\"custom\":{\"t\":\"${data.ticket}\"}},"
                + "\"variables\":{\"option\":{\"fn\":\"restart\",\"alias\":\"live\"},\"data\":{\"ticket\":\"INC-9\"}}}");
        assertEquals("restart", invoke.functionName());
        assertEquals("live", invoke.qualifier());
        assertEquals("{\"custom\":{\"t\":\"INC-9\"}}", invoke.invokeOptions().clientContext().toString());

        StepRequest.CustomCode step = customCode("python3.12", "x = 1", Map.of(
                "environment", Map.of("STAGE", "${option.stage}"), "tags", Map.of("ticket", "${data.ticket}"),
                "roleArn", "arn:aws:iam::123456789012:role/${option.role}",
                "variables", Map.of("option", Map.of("stage", "dev", "role", "runbook"), "data", Map.of("ticket", "INC-9"))));
        assertEquals("dev", step.environment().get("STAGE"));
        assertEquals("INC-9", step.tags().get("ticket"));
        assertEquals("arn:aws:iam::123456789012:role/runbook", step.roleArn());

        assertMessage(refused("{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"code\":\"x\","
                + "\"environment\":{\"A\":\"${option.a}\"}}"), StepError.UNKNOWN_VARIABLE, "in environment.A");
    }

    private StepRequest.CustomCode customCode(String runtime, String code) throws Exception {
        return customCode(runtime, code, Map.of());
    }

    private StepRequest.CustomCode customCode(String runtime, String code, Map<String, Object> more) throws Exception {
        ObjectNode request = mapper.createObjectNode().put("action", "customCode").put("runtime", runtime).put("code", code);
        more.forEach((k, v) -> request.set(k, mapper.valueToTree(v)));
        return (StepRequest.CustomCode) parser.parse(request);
    }

    private static void assertMessage(StepFailure failure, StepError error, String fragment) {
        assertEquals(error, failure.error(), failure.getMessage());
        assertTrue(failure.getMessage().contains(fragment), "'" + failure.getMessage() + "' lacks '" + fragment + "'");
    }
}
