package io.lambdasteprunner.local;

/**
 * Lambda's advanced logging controls as a function version carries them. With {@code Text} the
 * levels are null (AWS refuses levels with Text); with {@code JSON} they default to {@code INFO}.
 *
 * @param logFormat           {@code Text} or {@code JSON}
 * @param applicationLogLevel TRACE, DEBUG, INFO, WARN, ERROR or FATAL with JSON, else null
 * @param systemLogLevel      DEBUG, INFO or WARN with JSON, else null
 * @param logGroup            the log group name, {@code /aws/lambda/<function>} by default
 */
record LoggingConfig(String logFormat, String applicationLogLevel, String systemLogLevel, String logGroup) {

    static LoggingConfig defaultFor(String functionName) {
        return new LoggingConfig("Text", null, null, "/aws/lambda/" + functionName);
    }

    boolean isJson() {
        return "JSON".equals(logFormat);
    }
}
