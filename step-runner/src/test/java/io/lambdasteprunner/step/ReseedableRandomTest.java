package io.lambdasteprunner.step;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Two copies of one snapshot: the same draws until each is reseeded, different ones after. */
class ReseedableRandomTest {

    private static final Clock FIXED = Clock.fixed(Instant.ofEpochMilli(1763937000123L), ZoneOffset.UTC);

    @Test
    void copiesOfOneSnapshotDrawTheSameUntilReseededFromTheOperatingSystem() {
        // Given two environments restored from one snapshot: the generator's state is the same in both
        ReseedableRandom first = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        ReseedableRandom second = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        assertEquals(draws(first), draws(second));

        // When each is reseeded (what the afterRestore hook does)
        first.reseed();
        second.reseed();

        // Then they part ways
        assertNotEquals(draws(first), draws(second));
    }

    @Test
    void generatedNamesDifferBetweenRestoredCopiesAtTheSameMillisecond() {
        ReseedableRandom first = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        ReseedableRandom second = new ReseedableRandom(7, ReseedableRandom::operatingSystemSeed);
        assertEquals(new FunctionNames("p", FIXED, first).next(), new FunctionNames("p", FIXED, second).next());

        first.reseed();
        second.reseed();

        assertNotEquals(new FunctionNames("p", FIXED, first).next(), new FunctionNames("p", FIXED, second).next());
    }

    @Test
    void aReseedStartsTheSequenceTheNewSeedGives() {
        ReseedableRandom random = new ReseedableRandom(7, () -> 42);

        random.reseed();

        assertEquals(draws(new java.util.Random(42)), draws(random));
    }

    private static List<Long> draws(java.util.random.RandomGenerator random) {
        return LongStream.range(0, 4).map(i -> random.nextLong()).boxed().toList();
    }
}
