package io.mtrec.model.sampling;

/**
 * SplitMix64 (Steele, Lea and Flood 2014): a fast generator whose whole state is one {@code long},
 * so it can be saved in a snapshot and restored to continue the exact same sequence.
 *
 * <p>Not thread-safe; every component that draws random numbers owns its own instance.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(long state) {
        this.state = state;
    }

    /** The complete state: {@code new SplitMix64(s.state())} continues the same sequence. */
    public long state() {
        return state;
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, bound), without modulo bias (Lemire's multiply-and-reject). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long product = (nextLong() >>> 32) * bound;
        long low = product & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                product = (nextLong() >>> 32) * bound;
                low = product & 0xFFFFFFFFL;
            }
        }
        return (int) (product >>> 32);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * A standard normal draw (Box-Muller, one of the pair). Uses {@link StrictMath} so the values
     * are the same on every JVM and platform.
     */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** The SplitMix64 finaliser: a bijective 64-bit mix, also useful to derive seeds. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed for an independent stream, derived from a base seed and a component name. */
    public static long derive(long seed, String component) {
        return mix(seed ^ mix(hash64(component)));
    }

    /**
     * 64-bit FNV-1a over the UTF-16 code units of {@code s}: stable across JVMs, unlike hashCode.
     */
    public static long hash64(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xFF)) * 0x100000001B3L;
            h = (h ^ (c >>> 8)) * 0x100000001B3L;
        }
        return h;
    }
}
