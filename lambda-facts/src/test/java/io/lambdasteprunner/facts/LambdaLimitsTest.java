package io.lambdasteprunner.facts;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LambdaLimitsTest {

    @Nested
    class Environment {

        @Test
        void shouldMeasureTheVariablesAsTheJsonLambdaQuotesBack() {
            // Given the variables Lambda would quote as {"STAGE":"prod","N":"1"}
            Map<String, String> variables = new LinkedHashMap<>();
            variables.put("STAGE", "prod");
            variables.put("N", "1");

            // Then the size is that string's length
            assertEquals("{\"STAGE\":\"prod\",\"N\":\"1\"}".length(), LambdaLimits.environmentBytes(variables));
        }

        @Test
        void shouldCountEscapesAndMultiByteCharactersAsTheirJsonBytes() {
            // "a\"b" is 4 bytes escaped, "é" 2 bytes in UTF-8, a newline 2 escaped, an emoji 4
            assertEquals("{\"K\":\"a\\\"b\"}".length(), LambdaLimits.environmentBytes(Map.of("K", "a\"b")));
            assertEquals(8 + 2, LambdaLimits.environmentBytes(Map.of("K", "é")));
            assertEquals(8 + 2, LambdaLimits.environmentBytes(Map.of("K", "\n")));
            assertEquals(8 + 4, LambdaLimits.environmentBytes(Map.of("K", "\uD83D\uDE00")));
            assertEquals(8 + 6, LambdaLimits.environmentBytes(Map.of("K", "\u0001")));
        }

        @Test
        void shouldMeasureNoVariablesAsNothing() {
            assertEquals(0, LambdaLimits.environmentBytes(Map.of()));
        }
    }

    @Nested
    class LastModified {

        @Test
        void shouldWriteAndReadLambdasFormat() {
            Instant instant = Instant.parse("2026-11-24T08:00:00.123Z");

            assertEquals("2026-11-24T08:00:00.123+0000", LambdaLimits.formatLastModified(instant));
            assertEquals(Optional.of(instant), LambdaLimits.parseLastModified("2026-11-24T08:00:00.123+0000"));
        }

        @Test
        void shouldReadOtherOffsets() {
            assertEquals(Optional.of(Instant.parse("2026-11-24T06:00:00Z")),
                    LambdaLimits.parseLastModified("2026-11-24T08:00:00.000+0200"));
        }

        @Test
        void shouldGiveNothingForMissingOrForeignFormats() {
            assertEquals(Optional.empty(), LambdaLimits.parseLastModified(null));
            assertEquals(Optional.empty(), LambdaLimits.parseLastModified("2026-11-24T08:00:00Z"));
        }
    }

    @Test
    void shouldStatePayloadLimitsAsLambdaDocumentsThem() {
        assertEquals(6 * 1024 * 1024, LambdaLimits.SYNC_REQUEST_PAYLOAD_BYTES);
        assertEquals(6 * 1024 * 1024 + 100, LambdaLimits.SYNC_RESPONSE_PAYLOAD_BYTES);
        assertEquals(1024 * 1024, LambdaLimits.ASYNC_REQUEST_PAYLOAD_BYTES);
        assertEquals(50 * 1024 * 1024, LambdaLimits.ZIPPED_CODE_BYTES);
        assertEquals(250 * 1024 * 1024, LambdaLimits.UNZIPPED_CODE_BYTES);
    }
}
