package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in bootstraps log as Lambda's runtimes do, and each runtime runs on its own language version
 * where the machine has it (pyenv's Pythons, npm's Node.js 22 and 24, a JDK at least as new), saying
 * so in the function's log where it does not.
 */
class LogsAndVersionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
    private static final String ID = "[0-9a-f-]{36}";

    @RegisterExtension
    static final LocalLambdaExtension LOCAL = new LocalLambdaExtension();

    private static InvokeResponse invoke(String name) {
        return LOCAL.lambda().invoke(r -> r.functionName(name).logType(LogType.TAIL));
    }

    private static String create(String name, String runtime, String file, String handler, String code,
                                 Map<String, String> variables) {
        LambdaClient lambda = LOCAL.lambda();
        lambda.createFunction(r -> r.functionName(name).runtime(runtime).role(LocalLambda.ROLE).handler(handler)
                .environment(e -> e.variables(variables))
                .code(c -> c.zipFile(LocalLambda.zip(Map.of(file, code)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return name;
    }

    @Nested
    class Python {
        private static final String CODE = """
                import logging
                logger = logging.getLogger()
                def lambda_handler(event, context):
                    logger.setLevel(logging.INFO)
                    logger.debug("not shown")
                    logger.info("an info line")
                    logger.warning("a warning")
                    return context.aws_request_id
                """;

        @Test
        void shouldWriteTheRootLoggersLinesAsLambdaDoesAndHonourSetLevel() throws Exception {
            create("log-python", "python3.12", "lambda_function.py", "lambda_function.lambda_handler", CODE, Map.of());

            InvokeResponse response = invoke("log-python");

            String requestId = JSON.readTree(response.payload().asUtf8String()).asText();
            String log = LocalLambda.decodeLog(response.logResult());
            assertTrue(log.contains("START RequestId: " + requestId + " Version: $LATEST"), log);
            assertTrue(Pattern.compile("(?m)^\\[INFO]\\t" + TIME + "\\t" + requestId + "\\tan info line$").matcher(log).find(), log);
            assertTrue(Pattern.compile("(?m)^\\[WARNING]\\t" + TIME + "\\t" + requestId + "\\ta warning$").matcher(log).find(), log);
            assertFalse(log.contains("not shown"), log);
            assertTrue(log.contains("END RequestId: " + requestId) && log.contains("REPORT RequestId: " + requestId), log);
        }

        @Test
        void shouldWriteJsonLinesAtTheConfiguredLevel() throws Exception {
            create("log-python-json", "python3.12", "lambda_function.py", "lambda_function.lambda_handler", """
                    import logging
                    def lambda_handler(event, context):
                        logging.getLogger().debug("a debug line")
                        return context.aws_request_id
                    """, Map.of("AWS_LAMBDA_LOG_FORMAT", "JSON", "AWS_LAMBDA_LOG_LEVEL", "DEBUG"));

            InvokeResponse response = invoke("log-python-json");

            String requestId = JSON.readTree(response.payload().asUtf8String()).asText();
            JsonNode line = JSON.readTree(LocalLambda.decodeLog(response.logResult()).lines()
                    .filter(l -> l.contains("a debug line")).findFirst().orElseThrow());
            assertEquals("DEBUG", line.get("level").asText());
            assertEquals(requestId, line.get("requestId").asText());
            assertEquals("root", line.get("logger").asText());
            assertTrue(line.get("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), line.toString());
        }

        @Test
        void shouldApplyTheFunctionsLoggingConfig() throws Exception {
            LOCAL.lambda().createFunction(r -> r.functionName("log-python-config").runtime("python3.12")
                    .role(LocalLambda.ROLE).handler("lambda_function.lambda_handler")
                    .loggingConfig(c -> c.logFormat("JSON").applicationLogLevel("DEBUG"))
                    .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py", """
                            import logging
                            def lambda_handler(event, context):
                                logging.getLogger("app").debug("configured debug")
                                return 1
                            """)))));
            LOCAL.lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("log-python-config"));

            String log = LocalLambda.decodeLog(invoke("log-python-config").logResult());

            JsonNode line = JSON.readTree(log.lines().filter(l -> l.contains("configured debug")).findFirst().orElseThrow(
                    () -> new AssertionError(log)));
            assertEquals("DEBUG", line.get("level").asText());
            assertEquals("app", line.get("logger").asText());
        }

        /**
         * With the JSON log format Lambda writes its own lines as JSON records ({"time","type","record"},
         * as CloudWatch shows them: platform.start with requestId and version, platform.report with
         * metrics and status), and SystemLogLevel filters them: start and report at INFO, runtimeDone
         * only at DEBUG, none at WARN.
         */
        @Test
        void shouldWriteLambdasOwnLinesAsJsonRecordsFilteredBySystemLogLevel() throws Exception {
            for (String level : List.of("DEBUG", "INFO", "WARN")) {
                LOCAL.lambda().createFunction(r -> r.functionName("log-system-" + level).runtime("python3.12")
                        .role(LocalLambda.ROLE).handler("lambda_function.lambda_handler")
                        .loggingConfig(c -> c.logFormat("JSON").systemLogLevel(level))
                        .code(c -> c.zipFile(LocalLambda.zip(Map.of("lambda_function.py",
                                "def lambda_handler(event, context):\n    return 1\n")))));
                LOCAL.lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("log-system-" + level));
            }

            InvokeResponse debug = invoke("log-system-DEBUG");
            InvokeResponse info = invoke("log-system-INFO");
            InvokeResponse warn = invoke("log-system-WARN");

            List<JsonNode> records = records(debug);
            assertEquals(List.of("platform.start", "platform.runtimeDone", "platform.report"),
                    records.stream().map(r -> r.get("type").asText()).toList(), records.toString());
            JsonNode start = records.get(0);
            JsonNode report = records.get(2);
            String requestId = debug.responseMetadata().requestId();
            assertTrue(start.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), start.toString());
            assertEquals(requestId, start.get("record").get("requestId").asText());
            assertEquals("$LATEST", start.get("record").get("version").asText());
            assertEquals(requestId, report.get("record").get("requestId").asText());
            assertEquals("success", report.get("record").get("status").asText());
            JsonNode metrics = report.get("record").get("metrics");
            assertEquals(128, metrics.get("memorySizeMB").asInt());
            for (String field : List.of("durationMs", "billedDurationMs", "maxMemoryUsedMB", "initDurationMs")) {
                assertTrue(metrics.has(field), field + " in " + metrics);
            }
            assertEquals(List.of("platform.start", "platform.report"),
                    records(info).stream().map(r -> r.get("type").asText()).toList());
            assertEquals(List.of(), records(warn), "WARN keeps no START or REPORT");
            assertFalse(LocalLambda.decodeLog(info.logResult()).contains("REPORT RequestId"), "no text lines in JSON");
        }

        private static List<JsonNode> records(InvokeResponse response) throws Exception {
            List<JsonNode> records = new java.util.ArrayList<>();
            String log = response.logResult() == null ? "" : LocalLambda.decodeLog(response.logResult());
            for (String line : log.split("\n")) {
                if (line.startsWith("{\"time\"")) {
                    records.add(JSON.readTree(line));
                }
            }
            return records;
        }

        @Test
        void shouldLogAHandlersErrorAsOneRecord() throws Exception {
            create("log-python-error", "python3.12", "lambda_function.py", "lambda_function.lambda_handler",
                    "def lambda_handler(event, context):\n    raise ValueError('boom')\n", Map.of());

            String log = LocalLambda.decodeLog(invoke("log-python-error").logResult());

            assertTrue(log.contains("[ERROR] ValueError: boom\rTraceback (most recent call last):\r"), log);
        }

        @Test
        void shouldRunOnItsOwnPythonVersion() throws Exception {
            for (String runtime : new String[] {"python3.11", "python3.12", "python3.13"}) {
                String name = create("ver-" + runtime.replace(".", ""), runtime, "lambda_function.py",
                        "lambda_function.lambda_handler", """
                        import sys
                        def lambda_handler(event, context):
                            return "%d.%d" % sys.version_info[:2]
                        """, Map.of());

                assertEquals("\"" + runtime.substring("python".length()) + "\"", invoke(name).payload().asUtf8String());
            }
        }
    }

    @Nested
    class Node {
        @Test
        void shouldWriteConsoleLinesAsLambdaDoesAndHonourTheLogLevel() throws Exception {
            create("log-node", "nodejs22.x", "index.js", "index.handler", """
                    exports.handler = async (event, context) => {
                      console.log('a log line');
                      console.warn('a warning');
                      console.debug('not shown');
                      return context.awsRequestId;
                    };
                    """, Map.of("AWS_LAMBDA_LOG_LEVEL", "INFO"));

            InvokeResponse response = invoke("log-node");

            String requestId = JSON.readTree(response.payload().asUtf8String()).asText();
            String log = LocalLambda.decodeLog(response.logResult());
            assertTrue(Pattern.compile("(?m)^" + TIME + "\\t" + requestId + "\\tINFO\\ta log line$").matcher(log).find(), log);
            assertTrue(Pattern.compile("(?m)^" + TIME + "\\t" + requestId + "\\tWARN\\ta warning$").matcher(log).find(), log);
            assertFalse(log.contains("not shown"), log);
        }

        @Test
        void shouldRunOnItsOwnNodeVersion() throws Exception {
            for (String runtime : new String[] {"nodejs20.x", "nodejs22.x", "nodejs24.x"}) {
                String name = create("ver-" + runtime.replace(".", ""), runtime, "index.js", "index.handler",
                        "exports.handler = async () => process.versions.node.split('.')[0];\n", Map.of());

                assertEquals("\"" + runtime.replaceAll("\\D", "") + "\"", invoke(name).payload().asUtf8String());
            }
        }
    }

    @Nested
    class Ruby {
        @Test
        void shouldFormatALoggerOnStandardOutputAsLambdasRubyRuntimeDoes() throws Exception {
            create("log-ruby", "ruby3.3", "lambda_function.rb", "lambda_function.handler", """
                    require 'logger'
                    def handler(event:, context:)
                      Logger.new($stdout).info('a ruby line')
                      context.aws_request_id
                    end
                    """, Map.of());

            InvokeResponse response = invoke("log-ruby");

            String requestId = JSON.readTree(response.payload().asUtf8String()).asText();
            String log = LocalLambda.decodeLog(response.logResult());
            assertTrue(Pattern.compile("(?m)^I, \\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6} #\\d+]  INFO "
                    + requestId + " -- : a ruby line$").matcher(log).find(), log);
        }

        @Test
        void shouldSayWhichRubyRunsAFunctionWhenItIsNotTheRuntimesVersion() throws Exception {
            create("ver-ruby", "ruby3.4", "lambda_function.rb", "lambda_function.handler",
                    "def handler(event:, context:)\n  RUBY_VERSION\nend\n", Map.of());

            InvokeResponse response = invoke("ver-ruby");

            String version = JSON.readTree(response.payload().asUtf8String()).asText();
            String functionLog = LOCAL.service().functionLog("ver-ruby");
            if (!version.startsWith("3.4")) {
                assertTrue(functionLog.startsWith("LOCAL_LAMBDA_NOTE ruby3.4 runs on Ruby " + version + " here"),
                        functionLog);
            }
            // As Lambda's INIT_START: in the function's log, never in a log tail (AWS's tails start with START).
            assertTrue(LocalLambda.decodeLog(response.logResult()).startsWith("START RequestId: "));
            invoke("ver-ruby");
            assertEquals(functionLog.contains("LOCAL_LAMBDA_NOTE") ? 1 : 0,
                    LOCAL.service().functionLog("ver-ruby").split("LOCAL_LAMBDA_NOTE", -1).length - 1,
                    "said once, in the first log");
        }
    }
}
