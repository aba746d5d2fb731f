/**
 * Entry points: {@link io.lambdasteprunner.handler.StepHandler}, the one {@code RequestStreamHandler},
 * which recognises a step request (direct, Step Functions, {@code sam local invoke}), an API Gateway
 * REST or HTTP API proxy event ({@code POST /steps}) or an EventBridge event, and only translates
 * between them and a step. Structured logs and EMF metrics go through Powertools here.
 *
 * <p>The deployed handler is {@code StepRunnerHandler} in the unnamed package, a subclass that throws
 * {@code StepErrorTypes}, so Lambda reports each error's bare name as its type for Step Functions.
 * Depends on {@code step}, {@code lambda}, Powertools and Jackson.
 */
package io.lambdasteprunner.handler;
