import io.lambdasteprunner.handler.DependencyFactory;
import io.lambdasteprunner.handler.StepHandler;
import io.lambdasteprunner.step.FakeLambda;
import io.lambdasteprunner.step.StepConfig;
import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The error types Lambda reports for the deployed handler, which Step Functions' Retry and Catch match on. */
class StepErrorTypesTest {

    @Nested
    class EveryError {

        @Test
        void isReportedUnderItsOwnName() {
            for (StepError error : StepError.values()) {
                RuntimeException thrown = StepErrorTypes.of(new StepFailure(error, "what to fix"));

                // Lambda's Java runtime reports Class.getName() as errorType; Step Functions matches on it.
                assertEquals(error.errorName(), thrown.getClass().getName());
                assertEquals("what to fix", thrown.getMessage());
                assertEquals(0, thrown.getStackTrace().length);
                assertNull(thrown.getCause());
            }
        }

        @Test
        void hasANameNoJavaLangClassHas() {
            for (StepError error : StepError.values()) {
                assertThrows(ClassNotFoundException.class, () -> Class.forName("java.lang." + error.errorName()),
                        error.errorName() + " shadows a java.lang class in the unnamed package");
            }
        }
    }

    @Nested
    class TheDeployedHandler {

        private final StepRunnerHandler handler = new StepRunnerHandler(new StepHandler(DependencyFactory.onGateway(
                new StepConfig("arn:aws:iam::123456789012:role/step-default", List.of(), null, "lambda-step-runner"),
                FakeLambda.builder().build())));

        @Test
        void throwsTheFailureAsItsNamedType() {
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> handle("""
                    {"action": "invoke", "functionName": "missing"}"""));

            assertEquals("FunctionNotFound", thrown.getClass().getName());
        }

        @Test
        void throwsACallersMistakeAsItsNamedType() {
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> handle("""
                    {"action": "deploy"}"""));

            assertEquals("InvalidStepRequest", thrown.getClass().getName());
        }

        private void handle(String event) throws Exception {
            handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
                    new ByteArrayOutputStream(), null);
        }
    }
}
