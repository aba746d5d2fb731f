package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReusableFunctionsTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/step-default";
    private static final String BASE = "{\"action\":\"customCode\",\"runtime\":\"python3.12\",\"reuse\":true,"
            + "\"code\":\"def lambda_handler(e, c):\\n    return e\\n\"";

    private StepRequest.CustomCode step(String json) throws Exception {
        return (StepRequest.CustomCode) new StepRequestParser().parse(new ObjectMapper().readTree(json));
    }

    private String name(String prefix, String json) throws Exception {
        return new ReusableFunctions(prefix).name(ReusableFunctions.definitionHash(prefix, step(json), ROLE));
    }

    @Test
    void shouldNameTheSameDefinitionAlikeWhateverThePayloadOrFieldOrder() throws Exception {
        String a = name("p", BASE + ",\"payload\":{\"x\":1},\"environment\":{\"A\":\"1\",\"B\":\"2\"}}");
        String b = name("p", BASE + ",\"environment\":{\"B\":\"2\",\"A\":\"1\"},\"payload\":{\"x\":2}}");

        assertEquals(a, b);
        assertTrue(ReusableFunctions.isReusableName("p", a), a);
    }

    @Test
    void shouldNameEveryDifferentDefinitionDifferently() throws Exception {
        List<String> variants = List.of(BASE + "}", BASE.replace("return e", "return 1") + "}",
                BASE.replace("python3.12", "python3.13") + "}", BASE + ",\"memorySize\":256}",
                BASE + ",\"timeoutSeconds\":9}", BASE + ",\"environment\":{\"A\":\"1\"}}",
                BASE + ",\"environment\":{\"A\":\"2\"}}", BASE + ",\"description\":\"d\"}", BASE + ",\"tags\":{\"t\":\"1\"}}",
                BASE.replace("lambda_handler", "main") + ",\"handler\":\"main\"}");
        Set<String> names = new HashSet<>();
        for (String variant : variants) {
            names.add(name("p", variant));
        }
        names.add(name("q", BASE + "}"));
        names.add(new ReusableFunctions("p").name(ReusableFunctions.definitionHash("p", step(BASE + "}"),
                "arn:aws:iam::123456789012:role/other")));

        assertEquals(variants.size() + 2, names.size());
    }

    @Test
    void shouldKeepNamesWithinLambdasLimitWithALongPrefix() throws Exception {
        String prefix = "a".repeat(64);
        String name = name(prefix, BASE + "}");

        assertEquals(64, name.length());
        assertTrue(ReusableFunctions.isReusableName(prefix, name));
        assertFalse(ReusableFunctions.isReusableName(prefix, prefix.substring(0, 33) + "-1763937000123-7f3a0000"));
        assertFalse(ReusableFunctions.isReusableName("rundeck-generated-function", "rundeck-generated-function-1763937000123-7f3a0000"));
    }

    @Test
    void shouldReadLastUseFromTheLastUsedTagThenTheCreatedTag() {
        assertEquals(Optional.of(Instant.parse("2026-11-24T09:05:00Z")), ReusableFunctions.lastUsed(Map.of(
                ReusableFunctions.LAST_USED_TAG, "2026-11-24T09:05:00Z", StepRunner.CREATED_TAG, "2026-11-24T09:00:00Z")));
        assertEquals(Optional.of(Instant.parse("2026-11-24T09:00:00Z")), ReusableFunctions.lastUsed(Map.of(
                ReusableFunctions.LAST_USED_TAG, "soon", StepRunner.CREATED_TAG, "2026-11-24T09:00:00Z")));
        assertEquals(Optional.empty(), ReusableFunctions.lastUsed(Map.of()));
    }
}
