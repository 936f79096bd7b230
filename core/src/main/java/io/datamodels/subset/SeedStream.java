package io.datamodels.subset;

/**
 * A counter-based random stream for one model index: SplitMix64 (Steele, Lea and Flood 2014) started from a seed
 * derived from {@code (rootSeed, index)} alone, so any index's stream can be recomputed anywhere, in any order, in
 * any language.
 *
 * <p>Definition, for reproduction elsewhere (all arithmetic mod 2^64):
 * <pre>
 *   mix(z)   = z ^= z >>> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >>> 27; z *= 0x94D049BB133111EB; z ^ (z >>> 31)
 *   state0   = mix(rootSeed ^ mix(index + 0x9E3779B97F4A7C15)) ^ mix(salt)
 *   next()   = state += 0x9E3779B97F4A7C15; return mix(state)
 *   uniform  = (next() >>> 11) * 2^-53        in [0, 1)
 * </pre>
 * {@code salt} separates independent uses of one index (0 for the subset mask).
 */
public final class SeedStream {
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    /** The stream for {@code (rootSeed, index)} with salt 0. */
    public SeedStream(long rootSeed, long index) {
        this(rootSeed, index, 0);
    }

    /** The stream for {@code (rootSeed, index, salt)}. */
    public SeedStream(long rootSeed, long index, long salt) {
        this.state = mix(rootSeed ^ mix(index + GOLDEN)) ^ mix(salt);
    }

    /** The SplitMix64 finaliser. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next 64 random bits. */
    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** A uniform double in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A uniform int in [0, bound), without modulo bias (rejection on the top of the 63-bit range). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        while (true) {
            long r = nextLong() >>> 1;
            long v = r % bound;
            if (r - v + (bound - 1) >= 0) {
                return (int) v;
            }
        }
    }

    /** A standard normal deviate (Box-Muller; uses two uniforms). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
