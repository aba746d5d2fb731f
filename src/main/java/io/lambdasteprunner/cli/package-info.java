/**
 * The command line: {@code run EVENT.json [--endpoint URL]} and {@code serve [--port N]}.
 */
package io.lambdasteprunner.cli;
