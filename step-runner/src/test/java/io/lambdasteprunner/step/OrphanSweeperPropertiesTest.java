package io.lambdasteprunner.step;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweeper over generated accounts: random mixes of our functions, look-alikes (our prefix without the
 * tag, the tag without our name shape, other prefixes, near-miss names) and ages on both sides of the
 * limit. It deletes exactly the functions that have our generated name, our tag and the age, and
 * nothing else. The expected set is computed independently of the sweeper's code, with a regular
 * expression of the name and the tag read as an instant.
 */
class OrphanSweeperPropertiesTest {

    private static final int ACCOUNTS = 3000;

    private static final Instant NOW = Instant.parse("2026-11-24T09:00:00Z");
    private static final Duration MAX_AGE = Duration.ofMinutes(60);
    private static final List<String> PREFIXES = List.of("rundeck-generated-function", "rundeck-generated-functions",
            "rundeck-generated", "my-rundeck-generated-function", "ops-step", "");
    private static final List<String> SUFFIXES = List.of("-1763950000000-0123abcd", "-1763950000000-0123ABCD",
            "-1763950000000", "-1763950000000-0123abc", "-x-0123abcd", "-1763950000000-0123abcd-copy", "",
            "-17639500000001234-0123abcd", "-1-00000000");

    /** A generated account: name to tags. */
    record Account(Map<String, Map<String, String>> functions) {
    }

    private static Account account(Random random) {
        Map<String, Map<String, String>> functions = new HashMap<>();
        int count = random.nextInt(30);
        for (int i = 0; i < count; i++) {
            String name = PREFIXES.get(random.nextInt(PREFIXES.size())) + SUFFIXES.get(random.nextInt(SUFFIXES.size()));
            if (name.isEmpty() || name.startsWith("-")) {
                name = "f" + name;
            }
            Map<String, String> tags = new HashMap<>();
            switch (random.nextInt(6)) {
                case 0 -> tags.put("team", "ops");
                case 1 -> tags.put(StepRunner.CREATED_TAG, "not a time");
                case 2 -> tags.put(StepRunner.CREATED_TAG.toUpperCase(), NOW.minus(Duration.ofDays(1)).toString());
                default -> tags.put(StepRunner.CREATED_TAG,
                        NOW.minus(MAX_AGE).plusSeconds(random.nextInt(7200) - 3600).toString());
            }
            functions.put(name, tags);
        }
        return new Account(functions);
    }

    @Test
    void shouldDeleteExactlyOurOldGeneratedFunctions() {
        GeneratedInputs inputs = GeneratedInputs.seeded("OrphanSweeperPropertiesTest", 20261124L);
        for (int i = 0; i < ACCOUNTS; i++) {
            Account account = account(inputs.random(i));
            int deleted = deletesExactlyOurOldGeneratedFunctions(account, inputs.describe(i));
            inputs.count(deleted == 0 ? "accounts with nothing to delete" : "accounts with functions to delete");
            inputs.count("functions in all", account.functions().size());
            inputs.count("functions deleted", deleted);
        }
        inputs.print();
        assertTrue(inputs.reached("accounts with functions to delete") >= 100, inputs.tally().toString());
        assertTrue(inputs.reached("accounts with nothing to delete") >= 100, inputs.tally().toString());
    }

    /** @return how many functions the sweep deleted */
    private static int deletesExactlyOurOldGeneratedFunctions(Account account, String input) {
        FakeLambda.Builder given = FakeLambda.builder();
        account.functions().forEach(given::foreignFunction);
        FakeLambda lambda = given.build();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        OrphanSweeper sweeper = OrphanSweeper.forConfig(lambda,
                new StepConfig(null, List.of(), null, null).withOrphanMaxAge(MAX_AGE), clock);

        Set<String> deleted = new HashSet<>(sweeper.sweep(Deadline.after(Duration.ofMinutes(5), clock)).deleted());

        Set<String> expected = new HashSet<>();
        account.functions().forEach((name, tags) -> {
            String created = tags.get(StepRunner.CREATED_TAG);
            boolean ourName = name.matches("rundeck-generated-function-\\d{1,13}-[0-9a-f]{8}");
            boolean old = created != null && created.matches("\\d{4}-.*Z")
                    && !Instant.parse(created).isAfter(NOW.minus(MAX_AGE));
            if (ourName && old) {
                expected.add(name);
            }
        });
        assertEquals(expected, deleted, input + ": " + account);
        Set<String> left = new HashSet<>(account.functions().keySet());
        left.removeAll(expected);
        assertEquals(left, lambda.functionNames(), input + ": functions kept");
        return deleted.size();
    }
}
