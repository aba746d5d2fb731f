/**
 * The command line: {@code run EVENT.json [--endpoint URL]}, which passes one event through
 * {@link io.lambdasteprunner.handler.StepHandler} (on the embedded local Lambda service unless an
 * endpoint is given), and {@code serve [--port N]}, which runs the local Lambda service.
 */
package io.lambdasteprunner.cli;
