import io.lambdasteprunner.handler.StepHandler;

/**
 * The deployed Lambda handler ({@code StepRunnerHandler::handleRequest}): {@link StepHandler} whose
 * failures are thrown as {@link StepErrorTypes}, so Lambda and Step Functions report the error's
 * stable name ({@code InvalidStepRequest}, {@code Throttled}, ...) as its type.
 *
 * <p>It lives in the unnamed package only for that reason; all logic is in {@code io.lambdasteprunner}.
 */
public final class StepRunnerHandler extends StepHandler {

    public StepRunnerHandler() {
        super(System.getenv(), StepErrorTypes::of);
    }
}
