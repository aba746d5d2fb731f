/**
 * Entry points, a thin adapter between Lambda's events and the step rules:
 * {@link io.lambdasteprunner.handler.StepHandler}, the one {@code RequestStreamHandler};
 * {@link io.lambdasteprunner.handler.IncomingEvent}, which recognises a step request (direct, Step Functions,
 * {@code sam local invoke}), an API Gateway REST or HTTP API proxy event, an EventBridge event or EventBridge's
 * scheduled event; {@code ApiGatewayProxy}, the API Gateway mapping; {@link io.lambdasteprunner.handler.RequestRunner},
 * which runs a request with its logs and metrics; {@link io.lambdasteprunner.handler.DependencyFactory}, which
 * builds all of it once. Structured logs and EMF metrics go through Powertools here.
 *
 * <p>The deployed handler is {@code StepRunnerHandler} in the unnamed package, which translates a
 * {@link io.lambdasteprunner.step.StepFailure} into its {@code StepErrorTypes} class as it leaves, so Lambda
 * reports each error's bare name as its type for Step Functions. Depends on {@code step}, {@code lambda},
 * Powertools and Jackson.
 */
package io.lambdasteprunner.handler;
