package io.mtrec.model.tasks;

/**
 * Per-example losses of the heads and their derivatives with respect to the head's output.
 *
 * <p>Binary cross-entropy is taken on the logit, never on a rounded probability: {@code max(z, 0) -
 * z y + log(1 + exp(-|z|))} is finite for every finite logit, and its derivative is simply {@code
 * sigmoid(z) - y}.
 *
 * <p>The ESMM loss, BCE of {@code p = sigmoid(zc) * sigmoid(zp)}, is written in log space with
 * {@code log p = -softplus(-zc) - softplus(-zp)} and {@code log(1 - p) = softplus(zc -
 * softplus(zp)) - softplus(zc)} (from {@code 1 - p = sigmoid(-zc) + sigmoid(zc) sigmoid(-zp)}), so
 * it needs no clamping and never takes the log of a rounded 0. Its derivatives {@code (p - y)(1 -
 * sigmoid(z)) / (1 - p)} are rewritten the same way: for {@code y = 0} they become {@code p *
 * sigmoid(softplus(zp) - zc)} and {@code p * sigmoid(softplus(zc) - zp)}, products of numbers in
 * [0, 1], so they stay finite and bounded by 1 for every finite pair of logits.
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

    /** {@code log(1 + exp(x))}, without overflow. */
    public static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** Logistic function in double precision. */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /**
     * Binary cross-entropy of label {@code y} in [0, 1] given {@code p = sigmoid(zc) *
     * sigmoid(zp)}: the click-and-purchase (CTCVR) loss of ESMM.
     */
    public static double ctcvrBce(double zc, double zp, double y) {
        double logP = -softplus(-zc) - softplus(-zp);
        double logOneMinusP = softplus(zc - softplus(zp)) - softplus(zc);
        return -y * logP - (1 - y) * logOneMinusP;
    }

    /** d ctcvrBce / d zc, the click logit. */
    public static double ctcvrGradientClick(double zc, double zp, double y) {
        double p = sigmoid(zc) * sigmoid(zp);
        return (1 - y) * p * sigmoid(softplus(zp) - zc) - y * sigmoid(-zc);
    }

    /** d ctcvrBce / d zp, the purchase (conversion) logit. */
    public static double ctcvrGradientPurchase(double zc, double zp, double y) {
        double p = sigmoid(zc) * sigmoid(zp);
        return (1 - y) * p * sigmoid(softplus(zc) - zp) - y * sigmoid(-zp);
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

    /**
     * Huber loss scaled by 2, so that it equals {@link #squaredError} inside {@code delta}: {@code
     * e^2} for {@code |e| <= delta}, {@code 2 delta |e| - delta^2} beyond, with {@code e =
     * prediction - target}. Switching {@code rating.loss} from mse to huber then changes only how
     * far errors beyond delta pull, not the rating task's scale.
     */
    public static double huber(double prediction, double target, double delta) {
        double e = prediction - target;
        double a = Math.abs(e);
        return a <= delta ? e * e : 2 * delta * a - delta * delta;
    }

    /** d huber / d prediction: {@code 2e} inside delta, {@code 2 delta sign(e)} beyond. */
    public static float huberGradient(float prediction, float target, float delta) {
        float e = prediction - target;
        return 2f * Math.max(-delta, Math.min(delta, e));
    }
}
