package io.lambdasteprunner.step;

/**
 * What a request asks the step runner to do, decided once, from its {@code action}, by
 * {@link StepRequestParser#parseRequest}: run a step ({@link StepRequest.Invoke}, {@link StepRequest.CustomCode})
 * or sweep orphaned generated functions ({@link SweepRequest}). Entry points switch over it.
 */
public sealed interface RunnerRequest permits StepRequest, SweepRequest {

    /** Where the request acts: its {@code region}, {@code assumeRoleArn} and {@code externalId}. */
    TargetAccount target();
}
