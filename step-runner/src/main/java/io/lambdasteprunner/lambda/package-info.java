/**
 * The Lambda calls: {@link io.lambdasteprunner.lambda.SdkLambdaGateway} implements the step rules'
 * {@link io.lambdasteprunner.step.LambdaGateway} on the AWS SDK for Java v2, with bounded retries
 * (backoff and jitter) and in-memory zip packaging of generated functions (entries mode 0644);
 * {@link io.lambdasteprunner.lambda.LambdaClients} builds the SDK client once per container from the
 * standard environment; {@link io.lambdasteprunner.lambda.S3ResultStore} implements
 * {@link io.lambdasteprunner.step.ResultStore} (a signed S3 {@code PutObject} for {@code RESULT_BUCKET}).
 * {@link io.lambdasteprunner.lambda.TargetGateways} implements {@link io.lambdasteprunner.step.LambdaGateways}:
 * a Lambda client per region and an STS-assumed session per role ({@link io.lambdasteprunner.lambda.TargetConnections},
 * {@link io.lambdasteprunner.lambda.StsClients}), with STS's refusals as named errors.
 * Depends on {@code step} and the SDK; knows nothing of events or HTTP entry points.
 */
package io.lambdasteprunner.lambda;
