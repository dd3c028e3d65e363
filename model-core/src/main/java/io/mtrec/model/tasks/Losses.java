package io.mtrec.model.tasks;

/**
 * Per-example losses of the heads and their derivatives with respect to the head's output.
 *
 * <p>Binary cross-entropy is taken on the logit, never on a rounded probability: {@code max(z, 0) -
 * z y + log(1 + exp(-|z|))} is finite for every finite logit, and its derivative is simply {@code
 * sigmoid(z) - y}.
 */
public final class Losses {
    private Losses() {}

    /** Logistic function, without overflow for large |z|. */
    public static float sigmoid(float z) {
        if (z >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }

    /** Binary cross-entropy of label {@code y} in [0, 1] given logit {@code z}. */
    public static double bceWithLogits(double z, double y) {
        return Math.max(z, 0.0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }

    /** d bceWithLogits / dz. */
    public static float bceWithLogitsGradient(float z, float y) {
        return sigmoid(z) - y;
    }

    /** Squared error {@code (prediction - target)^2}. */
    public static double squaredError(double prediction, double target) {
        double e = prediction - target;
        return e * e;
    }

    /** d squaredError / d prediction. */
    public static float squaredErrorGradient(float prediction, float target) {
        return 2f * (prediction - target);
    }
}
