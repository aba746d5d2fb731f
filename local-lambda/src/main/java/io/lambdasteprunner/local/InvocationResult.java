package io.lambdasteprunner.local;

/**
 * What one invocation produced.
 *
 * @param payload       the response or the runtime's error payload
 * @param functionError {@code Unhandled} (or the runtime's error type) when the function failed, else null
 * @param log           this invocation's log: START, the function's output, END and REPORT
 */
record InvocationResult(byte[] payload, String functionError, String log) {
}
