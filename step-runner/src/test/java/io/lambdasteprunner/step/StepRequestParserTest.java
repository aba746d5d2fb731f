package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaLimits;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.facts.LambdaRuntimes;
import io.lambdasteprunner.step.StepRequest.InvocationType;
import io.lambdasteprunner.step.StepRequest.LogType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step request as users write it (the files in {@code events/} and text blocks), parsed or refused. */
class StepRequestParserTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final StepRequestParser PARSER = new StepRequestParser();

    static StepRequest parse(String json) throws Exception {
        return PARSER.parse(MAPPER.readTree(json));
    }

    static StepRequest parseEvent(String file) throws Exception {
        return PARSER.parse(MAPPER.readTree(Files.readString(Path.of("events", file))));
    }

    static StepFailure refused(String json) {
        return assertThrows(StepFailure.class, () -> parse(json));
    }

    static void assertRefused(String json, StepError error, String fragment) {
        StepFailure failure = refused(json);
        assertEquals(error, failure.error(), failure.getMessage());
        assertTrue(failure.getMessage().contains(fragment), "'" + failure.getMessage() + "' lacks '" + fragment + "'");
    }

    @Nested
    class Invoke {

        @Test
        void shouldParseEveryInvokeFieldOfTheInvokeEvent() throws Exception {
            StepRequest.Invoke invoke = assertInstanceOf(StepRequest.Invoke.class, parseEvent("invoke.json"));

            assertEquals("restart-web-service", invoke.functionName());
            assertNull(invoke.qualifier());
            assertEquals(MAPPER.readTree("""
                    {"host": "web-1", "ticket": "INC-1234"}"""), invoke.invokeOptions().payload());
            assertEquals(InvocationType.REQUEST_RESPONSE, invoke.invokeOptions().invocationType());
            assertEquals(LogType.TAIL, invoke.invokeOptions().logType());
            assertEquals(MAPPER.readTree("""
                    {"custom": {"runbook": "restart-web"}}"""), invoke.invokeOptions().clientContext());
            assertTrue(invoke.invokeOptions().failOnFunctionError());
        }

        @Test
        void shouldApplyDefaultsToAMinimalInvoke() throws Exception {
            StepRequest.Invoke invoke = (StepRequest.Invoke) parse("""
                    {"action": "invoke", "functionName": "f"}""");

            assertEquals(MAPPER.createObjectNode(), invoke.invokeOptions().payload());
            assertEquals(InvocationType.REQUEST_RESPONSE, invoke.invokeOptions().invocationType());
            assertEquals(LogType.TAIL, invoke.invokeOptions().logType());
            assertNull(invoke.invokeOptions().clientContext());
            assertFalse(invoke.invokeOptions().failOnFunctionError());
        }

        @ParameterizedTest
        @CsvSource({"Request,REQUEST_RESPONSE", "RequestResponse,REQUEST_RESPONSE", "Event,EVENT", "DryRun,DRY_RUN"})
        void shouldAcceptInvocationTypesAndTheRequestAlias(String given, InvocationType expected) throws Exception {
            StepRequest request = parse("""
                    {"action": "invoke", "functionName": "f", "invocationType": "%s"}""".formatted(given));

            assertEquals(expected, request.invokeOptions().invocationType());
        }

        @Test
        void shouldKeepAnyJsonValueAsPayload() throws Exception {
            assertEquals(MAPPER.readTree("[1, \"a\"]"), parse("""
                    {"action": "invoke", "functionName": "f", "payload": [1, "a"]}""").invokeOptions().payload());
            assertEquals(MAPPER.readTree("\"text\""), parse("""
                    {"action": "invoke", "functionName": "f", "payload": "text"}""").invokeOptions().payload());
        }

        @Test
        void shouldAcceptQualifierOnceEitherWay() throws Exception {
            StepRequest.Invoke byField = (StepRequest.Invoke) parse("""
                    {"action": "invoke", "functionName": "f", "qualifier": "prod"}""");
            StepRequest.Invoke both = (StepRequest.Invoke) parse("""
                    {"action": "invoke", "functionName": "f:prod", "qualifier": "prod"}""");

            assertEquals("prod", byField.qualifier());
            assertEquals("f:prod", both.functionName());
            assertRefused("""
                    {"action": "invoke", "functionName": "f:prod", "qualifier": "dev"}""",
                    StepError.INVALID_STEP_REQUEST, "give the version or alias once");
        }

        @Test
        void shouldAcceptStringFlagsAsRundeckOptionsSendThem() throws Exception {
            StepRequest request = parse("""
                    {"action": "invoke", "functionName": "f", "failOnFunctionError": "true"}""");

            assertTrue(request.invokeOptions().failOnFunctionError());
        }
    }

    @Nested
    class CustomCode {

        @Test
        void shouldPackPythonAsLambdaFunctionWithExpandedVariables() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parseEvent("custom-code-python.json");

            assertEquals("python3.12", step.runtime());
            assertEquals("lambda_function.py", step.source().fileName());
            assertEquals("lambda_function.lambda_handler", step.source().handler());
            assertTrue(step.source().code().contains("'env': 'staging'"), step.source().code());
            assertEquals("Disk check on web-1 (staging)", step.description());
            assertEquals(MAPPER.readTree("""
                    {"host": "web-1"}"""), step.invokeOptions().payload());
            assertTrue(step.deleteAfterExecution());
            assertEquals(30, step.timeoutSeconds());
        }

        @Test
        void shouldPackNodeCommonJsAsIndexJsAndLeaveTemplateLiterals() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parseEvent("custom-code-nodejs.json");

            assertEquals("index.js", step.source().fileName());
            assertEquals("index.handler", step.source().handler());
            assertTrue(step.source().code().contains("`Hello, ${event.name}!`"), step.source().code());
            assertTrue(step.source().code().contains("env: 'staging'"), step.source().code());
        }

        @Test
        void shouldPackNodeEsModuleAsIndexMjs() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parseEvent("custom-code-nodejs-esm.json");

            assertEquals("index.mjs", step.source().fileName());
            assertEquals("index.handler", step.source().handler());
        }

        @Test
        void shouldPackRubyAsLambdaFunctionRb() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parseEvent("custom-code-ruby.json");

            assertEquals("lambda_function.rb", step.source().fileName());
            assertEquals("lambda_function.lambda_handler", step.source().handler());
            assertTrue(step.source().code().contains("'ticket' => 'INC-1234'"), step.source().code());
            assertTrue(step.source().code().contains("#{event['text'].length}"), step.source().code());
        }

        @Test
        void shouldParseTheStepFunctionsTaskInput() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parseEvent("stepfunctions-task.json");

            assertEquals("lambda_function.lambda_handler", step.source().handler());
            assertEquals(MAPPER.readTree("""
                    {"previous": "healthy"}"""), step.invokeOptions().payload());
            assertTrue(step.source().code().contains("int('1') + 1"), step.source().code());
            assertTrue(step.invokeOptions().failOnFunctionError());
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "python3.13 | def lambda_handler(e, c): pass              | lambda_function.lambda_handler",
                "nodejs20.x | exports.handler = async () => 1;            | index.handler",
                "ruby3.4    | def lambda_handler(event:, context:) end    | lambda_function.lambda_handler"})
        void shouldDefaultTheHandlerPerRuntime(String runtime, String code, String handler) throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parse("""
                    {"action": "customCode", "runtime": "%s", "code": "%s"}""".formatted(runtime, code));

            assertEquals(handler, step.source().handler());
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
        void shouldKeepAReusedFunctionAndRefuseDeletingIt() throws Exception {
            StepRequest.CustomCode reused = (StepRequest.CustomCode) parse("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "reuse": true}""");
            StepRequest.CustomCode throwaway = (StepRequest.CustomCode) parse("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "reuse": false}""");
            StepRequest.CustomCode keptOnPurpose = (StepRequest.CustomCode) parse("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass",
                     "reuse": true, "deleteAfterExecution": false}""");

            assertTrue(reused.reuse());
            assertFalse(reused.deleteAfterExecution());
            assertFalse(throwaway.reuse());
            assertTrue(throwaway.deleteAfterExecution());
            assertFalse(keptOnPurpose.deleteAfterExecution());
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass",
                     "reuse": true, "deleteAfterExecution": true}""",
                    StepError.INVALID_STEP_REQUEST,
                    "reuse true keeps the function");
        }

        @Test
        void shouldAllowEventInvocationWhenTheFunctionIsKept() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parse("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass",
                     "invocationType": "Event", "deleteAfterExecution": false}""");

            assertEquals(InvocationType.EVENT, step.invokeOptions().invocationType());
            assertFalse(step.deleteAfterExecution());
        }
    }

    @Nested
    class Variables {

        @Test
        void shouldExpandVariablesInEveryTextFieldOfAnInvoke() throws Exception {
            StepRequest.Invoke invoke = (StepRequest.Invoke) parse("""
                    {
                      "action": "invoke",
                      "functionName": "${option.fn}",
                      "qualifier": "${option.alias}",
                      "clientContext": {"custom": {"t": "${data.ticket}"}},
                      "variables": {"option": {"fn": "restart", "alias": "live"}, "data": {"ticket": "INC-9"}}
                    }""");

            assertEquals("restart", invoke.functionName());
            assertEquals("live", invoke.qualifier());
            assertEquals(MAPPER.readTree("""
                    {"custom": {"t": "INC-9"}}"""), invoke.invokeOptions().clientContext());
        }

        @Test
        void shouldExpandVariablesInEveryTextFieldOfCustomCode() throws Exception {
            StepRequest.CustomCode step = (StepRequest.CustomCode) parse("""
                    {
                      "action": "customCode",
                      "runtime": "python3.12",
                      "code": "x = 1",
                      "environment": {"STAGE": "${option.stage}"},
                      "tags": {"ticket": "${data.ticket}"},
                      "roleArn": "arn:aws:iam::123456789012:role/${option.role}",
                      "variables": {"option": {"stage": "dev", "role": "runbook"}, "data": {"ticket": "INC-9"}}
                    }""");

            assertEquals("dev", step.environment().get("STAGE"));
            assertEquals("INC-9", step.tags().get("ticket"));
            assertEquals("arn:aws:iam::123456789012:role/runbook", step.roleArn());
        }

        @Test
        void shouldNameTheFieldOfAnUnknownVariable() {
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "${option.x}"}""",
                    StepError.UNKNOWN_VARIABLE, "${option.x} in code");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass",
                     "environment": {"A": "${option.a}"}}""",
                    StepError.UNKNOWN_VARIABLE, "in environment.A");
        }
    }

    @Nested
    class Mistakes {

        @Test
        void shouldNameWhatIsWrongWithTheRequestAsAWhole() {
            assertRefused("[]", StepError.INVALID_STEP_REQUEST, "JSON object");
            assertRefused("{}", StepError.INVALID_STEP_REQUEST, "action is required");
            assertRefused("""
                    {"action": "deploy"}""", StepError.INVALID_STEP_REQUEST, "'deploy' is unknown");
            assertRefused("""
                    {"action": "invoke"}""", StepError.INVALID_STEP_REQUEST, "functionName is required");
            assertRefused("""
                    {"action": "invoke", "functionName": 7}""", StepError.INVALID_STEP_REQUEST,
                    "functionName must be a string, was a number");
        }

        @Test
        void shouldRefuseAFieldThatIsMisspeltOrOfTheOtherAction() {
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "functionname": "g"}""", StepError.INVALID_STEP_REQUEST,
                    "'functionname' is not part of a invoke step (check its spelling)");
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "runtime": "python3.12"}""",
                    StepError.INVALID_STEP_REQUEST, "belongs to the other action");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "functionName": "f"}""",
                    StepError.INVALID_STEP_REQUEST, "other action");
        }

        @Test
        void shouldNameTheValuesAnInvokeFieldTakes() {
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "invocationType": "Async"}""",
                    StepError.INVALID_STEP_REQUEST,
                    "RequestResponse (or Request), Event or DryRun");
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "logType": "All"}""",
                    StepError.INVALID_STEP_REQUEST, "Tail or None");
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "failOnFunctionError": "yes"}""",
                    StepError.INVALID_STEP_REQUEST, "true or false");
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "clientContext": "x"}""",
                    StepError.INVALID_STEP_REQUEST, "clientContext must be a JSON object");
        }

        @ParameterizedTest
        @ValueSource(strings = {"java21", "python3.7", "Python3.12", "go1.x", "provided.al2023"})
        void shouldRefuseRuntimesAStepCannotShipWithTheSupportedList(String runtime) {
            StepFailure failure = refused("""
                    {"action": "customCode", "runtime": "%s", "code": "x"}""".formatted(runtime));

            assertEquals(StepError.UNSUPPORTED_RUNTIME, failure.error(), runtime);
            assertTrue(failure.getMessage().contains(String.join(", ", LambdaRuntimes.INTERPRETED)), failure.getMessage());
        }

        @Test
        void shouldSayADeprecatedRuntimeIsNoLongerSupportedAsLambdaDoes() {
            assertTrue(refused("""
                    {"action": "customCode", "runtime": "python3.7", "code": "x"}""").getMessage()
                    .startsWith("The runtime parameter of python3.7 is no longer supported"));
        }

        @Test
        void shouldRefuseBadCustomCodeFields() {
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "handler": "not a name"}""",
                    StepError.INVALID_STEP_REQUEST, "handler 'not a name'");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "handler": "index.f"}""",
                    StepError.INVALID_STEP_REQUEST, "lambda_function.py");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "timeoutSeconds": 901}""",
                    StepError.INVALID_STEP_REQUEST, "from 1 to 900");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "memorySize": 64}""",
                    StepError.INVALID_STEP_REQUEST, "from 128 to 10240");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "memorySize": 1.5}""",
                    StepError.INVALID_STEP_REQUEST, "whole number");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "tags": {"aws:x": "1"}}""",
                    StepError.INVALID_STEP_REQUEST, "aws:");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "tags": ["a"]}""",
                    StepError.INVALID_STEP_REQUEST, "tags must be an object");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "environment": {"1BAD": "x"}}""",
                    StepError.INVALID_STEP_REQUEST, "environment variable name");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "def f(e, c): pass", "invocationType": "Event"}""",
                    StepError.INVALID_STEP_REQUEST, "deleteAfterExecution");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "  "}""",
                    StepError.INVALID_STEP_REQUEST, "code is empty");
        }
    }

    @Nested
    class Limits {

        @Test
        void shouldRefuseTooLargePayloadsPerInvocationType() {
            String big = "x".repeat(LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES);
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "invocationType": "Event", "payload": "%s"}"""
                    .formatted(big),
                    StepError.PAYLOAD_TOO_LARGE, "for invocationType Event");
            String huge = "x".repeat(LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES);
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "payload": "%s"}""".formatted(huge),
                    StepError.PAYLOAD_TOO_LARGE, "6291456 bytes");
        }

        @Test
        void shouldRefuseTooLargeClientContext() {
            assertRefused("""
                    {"action": "invoke", "functionName": "f", "clientContext": {"custom": {"a": "%s"}}}"""
                    .formatted("x".repeat(3000)),
                    StepError.PAYLOAD_TOO_LARGE, "3583");
        }

        @Test
        void shouldRefuseTooLongDescriptionAndEnvironment() {
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1", "description": "%s"}"""
                    .formatted("d".repeat(257)), StepError.INVALID_STEP_REQUEST, "256");
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1", "environment": {"BIG": "%s"}}"""
                    .formatted("v".repeat(4100)), StepError.INVALID_STEP_REQUEST, "4 KB");
        }

        @Test
        void shouldMeasureTheEnvironmentAsLambdaDoes() {
            // Lambda measures the variables as JSON, {"BIG":"vvv..."}: 4,097 bytes here, though key and value are 4,090
            assertRefused("""
                    {"action": "customCode", "runtime": "python3.12", "code": "x = 1", "environment": {"BIG": "%s"}}"""
                    .formatted("v".repeat(4087)), StepError.INVALID_STEP_REQUEST, "environment is 4097 bytes as Lambda measures it");
        }

        @Test
        void shouldRefuseCodeOverTheLimit() {
            ObjectNode request = MAPPER.createObjectNode().put("action", "customCode").put("runtime", "python3.12")
                    .put("code", "#".repeat(FunctionSource.MAX_CODE_BYTES + 1));

            StepFailure failure = assertThrows(StepFailure.class, () -> PARSER.parse(request));

            assertEquals(StepError.CODE_TOO_LARGE, failure.error());
        }
    }
}
