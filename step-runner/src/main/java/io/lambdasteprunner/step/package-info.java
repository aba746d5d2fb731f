/**
 * The step model and its rules: the request as the user writes it ({@link io.lambdasteprunner.step.StepRequestParser}),
 * data variables, validation, role scoping, generated names and the randomness behind them
 * ({@link io.lambdasteprunner.step.ReseedableRandom}), the runner that sequences create / wait /
 * invoke / delete, the result's context variables and the named errors ({@link io.lambdasteprunner.step.StepError}),
 * how JSON is read ({@link io.lambdasteprunner.step.StepJson}: exact numbers, stream limits) and how a result is kept
 * within {@code MAX_RESULT_BYTES} ({@link io.lambdasteprunner.step.ResultFitter}, writing through the
 * {@link io.lambdasteprunner.step.ResultStore} port), and where a step acts ({@link io.lambdasteprunner.step.TargetAccount}:
 * region, assumed role; the assumable roles are a {@link io.lambdasteprunner.step.RoleAllowlist} like the execution
 * roles), reaching each target's Lambda through the {@link io.lambdasteprunner.step.LambdaGateways} port.
 *
 * <p>Knows nothing of HTTP or of the AWS SDK: it talks to Lambda through the interface it defines,
 * {@link io.lambdasteprunner.step.LambdaGateway}, and to S3 through {@link io.lambdasteprunner.step.ResultStore}. Depends only on {@code runtimes} and Jackson.
 */
package io.lambdasteprunner.step;
