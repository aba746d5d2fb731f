import io.lambdasteprunner.step.StepError;
import io.lambdasteprunner.step.StepFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StepErrorTypesTest {

    @Test
    void shouldReportEveryErrorUnderItsOwnNameAsLambdasJavaRuntimeDoes() {
        for (StepError error : StepError.values()) {
            RuntimeException thrown = StepErrorTypes.of(new StepFailure(error, "what to fix"));

            // Lambda's Java runtime reports Class.getName() as errorType; Step Functions matches on it.
            assertEquals(error.errorName(), thrown.getClass().getName());
            assertEquals("what to fix", thrown.getMessage());
            assertEquals(0, thrown.getStackTrace().length);
            assertNull(thrown.getCause());
        }
    }
}
