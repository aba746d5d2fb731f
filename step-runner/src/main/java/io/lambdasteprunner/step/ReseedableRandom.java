package io.lambdasteprunner.step;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The randomness behind generated-name suffixes and backoff jitter, which can start over from fresh
 * entropy.
 *
 * <p>Why: with SnapStart, every execution environment resumes from one snapshot of the initialised
 * JVM, so a generator seeded at init would draw the same sequence in all of them (AWS's SnapStart
 * uniqueness guide: generate unique data or seed random generators after restore). The SnapStart
 * {@code afterRestore} hook ({@code handler.Priming}) calls {@link #reseed()}; the seed then comes from
 * the operating system ({@link SecureRandom#generateSeed}, read when asked, never from a buffer the
 * snapshot could hold). Thread-safe.
 */
public final class ReseedableRandom implements RandomGenerator {

    private final LongSupplier entropy;
    private volatile Random current;

    /** Seeded now; reseeded from the operating system's entropy when asked. */
    public ReseedableRandom() {
        this(new Random().nextLong(), ReseedableRandom::operatingSystemSeed);
    }

    /**
     * @param seed    the first seed (a test's stand-in for the state a snapshot holds)
     * @param entropy where {@link #reseed()} takes its seeds from
     */
    public ReseedableRandom(long seed, LongSupplier entropy) {
        this.entropy = entropy;
        this.current = new Random(seed);
    }

    /** Starts a new sequence from a fresh seed. */
    public void reseed() {
        current = new Random(entropy.getAsLong());
    }

    @Override
    public long nextLong() {
        return current.nextLong();
    }

    @Override
    public int nextInt() {
        return current.nextInt();
    }

    /** Eight bytes from the operating system's entropy source, read now. */
    public static long operatingSystemSeed() {
        return ByteBuffer.wrap(new SecureRandom().generateSeed(Long.BYTES)).getLong();
    }
}
