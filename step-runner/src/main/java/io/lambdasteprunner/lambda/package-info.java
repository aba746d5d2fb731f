/**
 * The Lambda calls: {@link io.lambdasteprunner.lambda.SdkLambdaGateway} implements the step rules'
 * {@link io.lambdasteprunner.step.LambdaGateway} on the AWS SDK for Java v2, with bounded retries
 * (backoff and jitter) and in-memory zip packaging of generated functions (entries mode 0644);
 * {@link io.lambdasteprunner.lambda.LambdaClients} builds the SDK client once per container from the
 * standard environment. Depends on {@code step} and the SDK; knows nothing of events or HTTP entry points.
 */
package io.lambdasteprunner.lambda;
