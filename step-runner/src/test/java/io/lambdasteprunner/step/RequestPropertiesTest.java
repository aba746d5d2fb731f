package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Properties of the request parser and the step rules over generated and mutated requests: nothing but
 * the parser's named errors escapes, and a parsed request runs to a result or a caller's named error
 * against a Lambda that answers everything (so any other error would be the runner's own defect).
 * In memory, no Lambda.
 */
class RequestPropertiesTest {

    static final int TRIES = 30_000;
    private static final Set<StepError> PARSER_ERRORS = Set.of(StepError.INVALID_STEP_REQUEST,
            StepError.UNKNOWN_VARIABLE, StepError.UNSUPPORTED_RUNTIME, StepError.CODE_TOO_LARGE,
            StepError.PAYLOAD_TOO_LARGE);
    private static final JsonMutator MUTATOR = JsonMutator.fromEvents();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final StepRequestParser parser = new StepRequestParser();
    private final StepRunner runner = new StepRunner(new AnsweringLambda(), new StepConfig(
            "arn:aws:iam::123456789012:role/step-default", List.of("arn:aws:iam::123456789012:role/runbook-*"), null,
            "lambda-step-runner"), StepListener.NONE, MAPPER, Clock.systemUTC(), new Random(1));

    @Provide
    Arbitrary<JsonNode> requests() {
        return Arbitraries.randomValue(MUTATOR::request);
    }

    @Property(tries = TRIES)
    void parserEndsInARequestOrANamedParserError(@ForAll("requests") JsonNode json) {
        StepRequest request;
        try {
            request = parser.parse(json);
        } catch (StepFailure refused) {
            assertTrue(PARSER_ERRORS.contains(refused.error()), refused + " for " + json);
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), json.toString());
            return;
        } catch (RuntimeException | StackOverflowError escaped) {
            fail("parser let " + escaped + " escape for " + json, escaped);
            return;
        }
        try {
            StepResult result = runner.run(request, Deadline.after(Duration.ofSeconds(30), Clock.systemUTC()));
            assertTrue(result.functionWasInvoked(), json.toString());
        } catch (StepFailure failure) {
            assertTrue(failure.error().isCallerMistake() || failure.error() == StepError.FUNCTION_FAILED,
                    failure + " for " + json);
        } catch (RuntimeException escaped) {
            fail("runner let " + escaped + " escape for " + json, escaped);
        }
    }
}
