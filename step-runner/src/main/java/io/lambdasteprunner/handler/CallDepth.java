package io.lambdasteprunner.handler;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.Context;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import io.lambdasteprunner.step.StepRunner;

import java.util.Map;

/**
 * How many step runners invoked this one, from {@code custom.lambdaStepRunnerDepth} of the incoming client
 * context (the calling step runner sets it): 0 when there is none.
 *
 * @param steps    the depth when it is readable
 * @param readable false when the value is not a whole number, which a step refuses ({@link #orRefuse()})
 */
record CallDepth(int steps, boolean readable) {

    /** No client context: a person, Step Functions or EventBridge asked. */
    static final CallDepth NONE = new CallDepth(0, true);

    static CallDepth of(Context context) {
        ClientContext clientContext = context == null ? null : context.getClientContext();
        Map<String, String> custom = clientContext == null ? null : clientContext.getCustom();
        String depth = custom == null ? null : custom.get(StepRunner.DEPTH_KEY);
        if (depth == null) {
            return NONE;
        }
        return depth.trim().matches("\\d{1,6}") ? new CallDepth(Integer.parseInt(depth.trim()), true)
                : new CallDepth(0, false);
    }

    /** @throws StepFailure {@code RecursionRefused} when the client context's value is not a whole number */
    int orRefuse() {
        if (!readable) {
            throw new StepFailure(StepError.RECURSION_REFUSED, "the client context's custom." + StepRunner.DEPTH_KEY
                    + " is not a whole number; it is the step runners' own chain depth, so leave it out or pass on "
                    + "the value the calling step runner gave");
        }
        return steps;
    }
}
