package io.mtrec.model.sampling;

/**
 * Walker's alias method in Vose's numerically stable form (Vose 1991): after an O(n) build, each
 * draw from a discrete distribution over {@code [0, n)} costs one uniform index and one uniform
 * double, whatever the distribution's shape.
 *
 * <p>Rebuilding reuses the arrays; the build is a fixed sequence of double operations, so the same
 * weights give the same table, and the same generator state the same draws, on every JVM.
 */
public final class AliasTable {
    private double[] prob = new double[0];
    private int[] alias = new int[0];
    private double[] scaled = new double[0];
    private int[] small = new int[0];
    private int[] large = new int[0];
    private int size;

    /**
     * Builds the table over {@code weights[0..n)}; every weight must be finite and non-negative and
     * their sum, {@code total}, positive.
     */
    public void build(double[] weights, int n, double total) {
        if (n < 0 || n > weights.length) {
            throw new IllegalArgumentException(
                    "n must be in [0, " + weights.length + "], got " + n);
        }
        if (n > 0 && !(total > 0 && Double.isFinite(total))) {
            throw new IllegalArgumentException("total weight must be positive, got " + total);
        }
        if (prob.length < n) {
            int capacity = Math.max(n, prob.length * 2);
            prob = new double[capacity];
            alias = new int[capacity];
            scaled = new double[capacity];
            small = new int[capacity];
            large = new int[capacity];
        }
        size = n;
        int smallCount = 0;
        int largeCount = 0;
        double perUnit = n / total;
        for (int i = 0; i < n; i++) {
            scaled[i] = weights[i] * perUnit;
            if (scaled[i] < 1.0) {
                small[smallCount++] = i;
            } else {
                large[largeCount++] = i;
            }
        }
        while (smallCount > 0 && largeCount > 0) {
            int less = small[--smallCount];
            int more = large[--largeCount];
            prob[less] = scaled[less];
            alias[less] = more;
            // Vose: subtract what the small column borrowed as (a + b) - 1, not a - (1 - b).
            scaled[more] = (scaled[more] + scaled[less]) - 1.0;
            if (scaled[more] < 1.0) {
                small[smallCount++] = more;
            } else {
                large[largeCount++] = more;
            }
        }
        // Whatever is left is 1 up to rounding.
        while (largeCount > 0) {
            int i = large[--largeCount];
            prob[i] = 1.0;
            alias[i] = i;
        }
        while (smallCount > 0) {
            int i = small[--smallCount];
            prob[i] = 1.0;
            alias[i] = i;
        }
    }

    /** Number of outcomes. */
    public int size() {
        return size;
    }

    /** One draw: an index in {@code [0, size())} with probability proportional to its weight. */
    public int sample(SplitMix64 rng) {
        int column = rng.nextInt(size);
        return rng.nextDouble() < prob[column] ? column : alias[column];
    }

    /**
     * The probability the table gives outcome {@code i}, recomputed from its columns (for tests: it
     * equals {@code weight_i / total} up to rounding).
     */
    public double probability(int i) {
        double p = 0;
        for (int c = 0; c < size; c++) {
            if (c == i) {
                p += prob[c];
            }
            if (alias[c] == i && c != i) {
                p += 1.0 - prob[c];
            }
        }
        return p / size;
    }
}
