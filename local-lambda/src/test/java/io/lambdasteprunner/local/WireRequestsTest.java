package io.lambdasteprunner.local;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** How requests are read off the wire: names, qualifiers, bodies and escapes, without a service. */
class WireRequestsTest {

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Nested
    class Names {

        @Test
        void shouldReadANameAPartialArnAndAFullArnWithQualifier() {
            assertEquals(new FunctionName(null, null, "f", null), FunctionName.parse("f"));
            assertEquals(new FunctionName(null, "000000000000", "f", "7"), FunctionName.parse("000000000000:function:f:7"));
            assertEquals(new FunctionName("eu-west-1", "123456789012", "my.fn", "$LATEST"),
                    FunctionName.parse("arn:aws:lambda:eu-west-1:123456789012:function:my.fn:$LATEST"));
        }

        @Test
        void shouldRefuseDotsWhereTheWriteShapeHasNone() {
            LambdaException e = assertThrows(LambdaException.class, () -> FunctionName.parseForUpdate("my.fn"));

            assertEquals("ValidationException", e.code());
        }

        @Test
        void shouldReportEveryBrokenConstraintOfAName() {
            LambdaException e = assertThrows(LambdaException.class,
                    () -> FunctionName.parseForCreate("arn:aws:lambda:invalid-region:000000000000:function:f" + "a".repeat(170)));

            assertEquals("ValidationException", e.code());
            assertEquals(true, e.getMessage().startsWith("2 validation errors detected: "), e.getMessage());
        }

        @Test
        void shouldRefuseAQualifierInTheNameThatDiffersFromTheParameter() {
            LambdaException e = assertThrows(LambdaException.class, () -> FunctionName.parse("f:1").qualifierWith("2"));

            assertEquals("InvalidParameterValueException", e.code());
        }
    }

    @Nested
    class Bodies {

        @Test
        void shouldReadCreateFunctionWithEnvironmentInTheOrderSent() throws Exception {
            var request = WireRequests.newFunction(json("""
                    {"FunctionName": "f", "Runtime": "python3.12", "Role": "arn:aws:iam::000000000000:role/r",
                     "Handler": "app.handler", "Code": {"ZipFile": "UEs="},
                     "Environment": {"Variables": {"B2": "2", "A1": "1"}}, "Publish": true}
                    """));

            assertEquals(List.of("B2", "A1"), List.copyOf(request.environment().keySet()));
            assertEquals(true, request.publish());
            assertNull(request.timeout());
        }

        @Test
        void shouldAnswerAWronglyTypedMemberAsInvalidContentNotA500() throws Exception {
            LambdaException e = assertThrows(LambdaException.class, () -> WireRequests.configurationChange(
                    json("{\"Timeout\": \"soon\"}")));

            assertEquals("InvalidRequestContentException", e.code());
            assertEquals(400, e.status());
        }

        @Test
        void shouldKeepRoutingAbsentOrEmptyApart() throws Exception {
            assertNull(WireRequests.aliasUpdate("live", json("{}")).weights());
            assertEquals(Map.of(), WireRequests.aliasUpdate("live",
                    json("{\"RoutingConfig\": {\"AdditionalVersionWeights\": {}}}")).weights());
        }
    }

    @Nested
    class Escapes {

        @Test
        void shouldDecodePathSegmentsKeepingPlusAndColons() {
            ApiRequest request = ApiRequest.of("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Aa+b",
                    "tagKeys=a+b&tagKeys=c%2Fd", name -> null, new ByteArrayInputStream(new byte[0]));

            assertEquals("arn:aws:lambda:us-east-1:1:function:a+b", request.path().get(2));
            assertEquals(List.of("a b", "c/d"), request.queryValues("tagKeys"));
        }

        @Test
        void shouldRefuseABrokenEscapeAsTheCallersError() {
            LambdaException e = assertThrows(LambdaException.class, () -> ApiRequest.of("GET",
                    "/2015-03-31/functions/f", "Qualifier=%ZZ", name -> null, new ByteArrayInputStream(new byte[0])));

            assertEquals(400, e.status());
        }
    }
}
