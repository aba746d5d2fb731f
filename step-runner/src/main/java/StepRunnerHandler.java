import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.step.StepFailure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The deployed Lambda handler ({@code StepRunnerHandler::handleRequest}): {@link StepHandler}, with each
 * {@link StepFailure} that leaves it translated into its {@link StepErrorTypes} class, so Lambda and Step
 * Functions report the error's stable name ({@code InvalidStepRequest}, {@code Throttled}, ...) as its type.
 *
 * <p>It lives in the unnamed package only for that reason, and it alone knows those classes; all logic is in
 * {@code io.lambdasteprunner}.
 */
public final class StepRunnerHandler implements RequestStreamHandler {

    private final StepHandler handler;

    /** Lambda's constructor: the handler wired from the environment. */
    public StepRunnerHandler() {
        this(new StepHandler());
    }

    StepRunnerHandler(StepHandler handler) {
        this.handler = handler;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try {
            handler.handleRequest(input, output, context);
        } catch (StepFailure failure) {
            throw StepErrorTypes.of(failure);
        }
    }
}
