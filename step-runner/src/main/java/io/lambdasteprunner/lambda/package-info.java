/**
 * The Lambda calls: {@link io.lambdasteprunner.lambda.SdkLambdaGateway} implements the step rules'
 * {@link io.lambdasteprunner.step.LambdaGateway} on the AWS SDK for Java v2, with the SDK doing the
 * retrying ({@link io.lambdasteprunner.lambda.LambdaRetries}: one retry strategy for Invoke, which runs
 * a function at most once, one for the control plane) and the waiting ({@code waitUntilFunctionActiveV2}),
 * and packs generated functions into zips in memory (entries mode 0644);
 * {@link io.lambdasteprunner.lambda.LambdaClients} builds the SDK client once per container from the
 * standard environment, its request bodies buffered where the JDK will not resend a POST
 * ({@link io.lambdasteprunner.lambda.BufferedRequestBodies}); {@link io.lambdasteprunner.lambda.S3ResultStore} implements
 * {@link io.lambdasteprunner.step.ResultStore} (a signed S3 {@code PutObject} for {@code RESULT_BUCKET}).
 * {@link io.lambdasteprunner.lambda.TargetGateways} implements {@link io.lambdasteprunner.step.LambdaGateways}:
 * a Lambda client per region and an STS-assumed session per role ({@link io.lambdasteprunner.lambda.TargetConnections},
 * {@link io.lambdasteprunner.lambda.StsClients}), with STS's refusals as named errors.
 * Depends on {@code step}, the facts module and the SDK; knows nothing of events or HTTP entry points.
 */
package io.lambdasteprunner.lambda;
