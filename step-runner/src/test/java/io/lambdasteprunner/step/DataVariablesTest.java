package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rundeck-style data variables as a request's {@code variables} defines them. */
class DataVariablesTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private DataVariables variables(String json) throws Exception {
        return DataVariables.from(mapper.readTree(json));
    }

    @Nested
    class Expansion {

        @Test
        void shouldReplaceOptionAndDataReferences() throws Exception {
            DataVariables vars = variables("""
                    {"option": {"env": "prod", "n": 3}, "data": {"x": true}}""");

            assertEquals("env=prod n=3 x=true", vars.expand("env=${option.env} n=${option.n} x=${data.x}", "code"));
        }

        @Test
        void shouldTreatDoubleDollarAsLiteral() throws Exception {
            DataVariables vars = variables("""
                    {"option": {"env": "prod"}}""");

            assertEquals("${option.env} is prod", vars.expand("$${option.env} is ${option.env}", "code"));
        }

        @Test
        void shouldLeaveTemplateLiteralsOfOtherLanguagesAlone() throws Exception {
            DataVariables vars = variables("""
                    {"option": {"env": "prod"}}""");

            String expanded = vars.expand("`Hello, ${event.name}! ${HOME} ${ x } ${option.env}`", "code");

            assertEquals("`Hello, ${event.name}! ${HOME} ${ x } prod`", expanded);
        }

        @Test
        void shouldExpandOnlyStringValuesOfPayload() throws Exception {
            DataVariables vars = variables("""
                    {"option": {"host": "web-1"}}""");
            JsonNode payload = mapper.readTree("""
                    {"${option.host}": 1, "h": "${option.host}", "list": ["a-${option.host}", 2]}""");

            JsonNode expanded = vars.expand(payload, "payload");

            assertEquals(mapper.readTree("""
                    {"${option.host}": 1, "h": "web-1", "list": ["a-web-1", 2]}"""), expanded);
        }
    }

    @Nested
    class UnknownVariables {

        @Test
        void shouldRefuseUnknownKeyInDefinedGroupNamingTheKnownKeys() throws Exception {
            DataVariables vars = variables("""
                    {"option": {"env": "prod", "region": "eu"}}""");

            StepFailure failure = assertThrows(StepFailure.class, () -> vars.expand("x ${option.envv}", "code"));

            assertEquals(StepError.UNKNOWN_VARIABLE, failure.error());
            assertTrue(failure.getMessage().contains("${option.envv} in code"), failure.getMessage());
            assertTrue(failure.getMessage().contains("env, region"), failure.getMessage());
            assertTrue(failure.getMessage().contains("$${"), failure.getMessage());
        }

        @Test
        void shouldRefuseRundeckGroupEvenWhenRequestDefinesNoVariables() {
            StepFailure failure = assertThrows(StepFailure.class,
                    () -> DataVariables.none().expand("${data.ticket}", "description"));

            assertEquals(StepError.UNKNOWN_VARIABLE, failure.error());
            assertTrue(failure.getMessage().contains("in description"), failure.getMessage());
        }

        @Test
        void shouldNameThePayloadPathOfAnUnknownVariable() throws Exception {
            JsonNode payload = mapper.readTree("""
                    {"a": [{"b": "${option.missing}"}]}""");

            StepFailure failure = assertThrows(StepFailure.class, () -> DataVariables.none().expand(payload, "payload"));

            assertEquals(StepError.UNKNOWN_VARIABLE, failure.error());
            assertTrue(failure.getMessage().contains("payload.a[0].b"), failure.getMessage());
        }
    }

    @Nested
    class Definitions {

        @Test
        void shouldRefuseVariablesThatAreNotGroupsOfValues() {
            StepFailure failure = assertThrows(StepFailure.class, () -> variables("""
                    {"option": "env=prod"}"""));

            assertEquals(StepError.INVALID_STEP_REQUEST, failure.error());
            assertTrue(failure.getMessage().contains("variables.option must be an object"), failure.getMessage());
        }
    }
}
