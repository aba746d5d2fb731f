package io.lambdasteprunner.lambda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoleSessionNamesTest {

    @Test
    void namesTheRunnerAlone() {
        assertEquals("lambda-step-runner", RoleSessionNames.forStep(null));
    }

    @Test
    void namesTheExecutionWithinStsRule() {
        String name = RoleSessionNames.forStep("restart web-1 (ticket #42)");

        assertEquals("lambda-step-runner@restart-web-1--ticket--42-", name);
    }

    @Test
    void keepsTheEndOfALongOrigin() {
        String name = RoleSessionNames.forStep("x".repeat(80) + "-unique-end");

        assertEquals(64, name.length());
        assertTrue(name.startsWith("lambda-step-runner@"));
        assertTrue(name.endsWith("-unique-end"));
    }
}
