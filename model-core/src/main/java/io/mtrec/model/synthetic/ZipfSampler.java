package io.mtrec.model.synthetic;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Draws indices 0..n-1 with probability proportional to (index+1)^-s in O(1) per draw, through
 * Vose's alias table (one uniform index and one uniform double per draw).
 */
final class ZipfSampler {
    private final double[] acceptance;
    private final int[] alias;
    private final double exponent;
    private final double normalizer;

    ZipfSampler(int n, double exponent) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        this.exponent = exponent;
        double[] scaled = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            scaled[k] = weight(k);
            sum += scaled[k];
        }
        this.normalizer = sum;
        for (int k = 0; k < n; k++) {
            scaled[k] = scaled[k] * n / sum;
        }
        this.acceptance = new double[n];
        this.alias = new int[n];
        // Vose: pair each under-full column with an over-full one that tops it up to 1.
        int[] small = new int[n];
        int[] large = new int[n];
        int smallCount = 0;
        int largeCount = 0;
        for (int k = 0; k < n; k++) {
            if (scaled[k] < 1.0) {
                small[smallCount++] = k;
            } else {
                large[largeCount++] = k;
            }
        }
        while (smallCount > 0 && largeCount > 0) {
            int s = small[--smallCount];
            int l = large[--largeCount];
            acceptance[s] = scaled[s];
            alias[s] = l;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if (scaled[l] < 1.0) {
                small[smallCount++] = l;
            } else {
                large[largeCount++] = l;
            }
        }
        // What is left is 1 up to rounding.
        while (largeCount > 0) {
            int l = large[--largeCount];
            acceptance[l] = 1.0;
            alias[l] = l;
        }
        while (smallCount > 0) {
            int s = small[--smallCount];
            acceptance[s] = 1.0;
            alias[s] = s;
        }
    }

    private double weight(int index) {
        return exponent == 0.0 ? 1.0 : StrictMath.pow(index + 1.0, -exponent);
    }

    int size() {
        return acceptance.length;
    }

    /** The probability of drawing {@code index}. */
    double share(int index) {
        Objects.checkIndex(index, acceptance.length);
        return weight(index) / normalizer;
    }

    int sample(SplittableRandom rng) {
        int column = rng.nextInt(acceptance.length);
        return rng.nextDouble() < acceptance[column] ? column : alias[column];
    }
}
