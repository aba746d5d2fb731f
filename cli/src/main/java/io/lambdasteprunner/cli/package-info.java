/**
 * The command line: {@code run EVENT.json [--endpoint URL]}, which passes one event through
 * {@link io.lambdasteprunner.handler.StepHandler} (on the embedded local Lambda service unless an
 * endpoint is given), and {@code serve [--port N]}, which runs the local Lambda service with the step
 * runner itself deployed in it as the {@code java21} function {@code lambda-step-runner}
 * ({@link io.lambdasteprunner.cli.LocalDeployment}, also used by the tests that run the example workflow).
 */
package io.lambdasteprunner.cli;
