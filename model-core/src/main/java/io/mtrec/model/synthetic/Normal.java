package io.mtrec.model.synthetic;

import java.util.SplittableRandom;

/**
 * The normal distribution as the generator needs it: draws, CDF, density, and the mean of a clipped
 * normal.
 *
 * <p>StrictMath keeps the draws bit-identical across JVMs and CPUs, which Math does not promise.
 */
final class Normal {
    private static final double SQRT_2 = Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** Coefficients of t^0..t^9 in the exponent of the erfc fit. */
    private static final double[] ERFC_COEFFICIENTS = {
        -1.26551223,
        1.00002368,
        0.37409196,
        0.09678418,
        -0.18628806,
        0.27886807,
        -1.13520398,
        1.48851587,
        -0.82215223,
        0.17087277
    };

    private Normal() {}

    /** A standard normal draw (Box-Muller, one uniform pair per draw: simple and reproducible). */
    static double sample(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // in (0, 1], so the log is finite
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** Standard normal density. */
    static double pdf(double x) {
        return INV_SQRT_2PI * StrictMath.exp(-0.5 * x * x);
    }

    /** Standard normal CDF, relative error below 1.2e-7 everywhere. */
    static double cdf(double x) {
        return 0.5 * erfc(-x / SQRT_2);
    }

    /**
     * Complementary error function, Chebyshev fit of Numerical Recipes (fractional error below
     * 1.2e-7), which is plenty for a Bayes predictor whose own noise is orders larger.
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double poly = 0.0;
        for (int k = ERFC_COEFFICIENTS.length - 1; k >= 0; k--) {
            poly = poly * t + ERFC_COEFFICIENTS[k];
        }
        double r = t * StrictMath.exp(-z * z + poly);
        return x >= 0 ? r : 2.0 - r;
    }

    /**
     * E[clip(X, lo, hi)] for X ~ N(mu, sigma^2): the clipped tails put their mass on the bounds,
     * the middle contributes mu times its mass plus sigma times the density difference.
     */
    static double clippedMean(double mu, double sigma, double lo, double hi) {
        if (sigma == 0.0) {
            return Math.min(hi, Math.max(lo, mu));
        }
        double a = (lo - mu) / sigma;
        double b = (hi - mu) / sigma;
        double cdfA = cdf(a);
        double cdfB = cdf(b);
        return lo * cdfA + hi * (1.0 - cdfB) + mu * (cdfB - cdfA) + sigma * (pdf(a) - pdf(b));
    }
}
