package io.mtrec.model.optim;

import io.mtrec.model.config.OptimizerKind;

/**
 * Adam (Kingma and Ba 2015): {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr * m_hat
 * / (sqrt(v_hat) + eps)}, with {@code m_hat = m / (1 - b1^t)} and {@code v_hat = v / (1 - b2^t)}.
 *
 * <p>Two slots per value, interleaved ({@code m} at {@code sOff + 2i}, {@code v} at {@code sOff +
 * 2i + 1}), so a row's state sits next to itself in memory. Embedding rows are updated lazily: only
 * rows touched by a batch move their moments, and {@code t} is the row's own update count, not the
 * global step. A row's moments are averages over its own updates only, so they are debiased by that
 * count: with the global step a row first seen at step 10,000 would skip the correction, and its
 * first move would be {@code (1 - b1) / sqrt(1 - b2)} ≈ 3.2 times the learning rate instead of one
 * learning rate, as a fresh Adam's first step is.
 *
 * <p>The bias corrections are computed in double with {@link StrictMath#pow}, so the same state
 * gives bit-identical steps on every JVM.
 */
public final class Adam implements Optimizer {
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;

    public Adam(float learningRate, double beta1, double beta2, float epsilon) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learning rate must be positive and finite, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.epsilon = epsilon;
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAM;
    }

    @Override
    public int slotsPerValue() {
        return 2;
    }

    @Override
    public float initialSlotValue() {
        return 0f;
    }

    @Override
    public boolean usesStepCount() {
        return true;
    }

    @Override
    public void update(
            float[] values,
            int vOff,
            float[] grads,
            int gOff,
            float[] slots,
            int sOff,
            int n,
            float scale,
            long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Adam step must be >= 1, got " + step);
        }
        double correction1 = 1.0 - StrictMath.pow(beta1, step);
        double correction2 = 1.0 - StrictMath.pow(beta2, step);
        // lr * m_hat / (sqrt(v_hat) + eps) == stepSize * m / (sqrt(v) + epsHat): two
        // multiplications per call instead of two divisions per value.
        float stepSize = (float) (learningRate * Math.sqrt(correction2) / correction1);
        float epsHat = (float) (epsilon * Math.sqrt(correction2));
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < n; i++) {
            float g = scale * grads[gOff + i];
            int s = sOff + 2 * i;
            float m = beta1 * slots[s] + oneMinusBeta1 * g;
            float v = beta2 * slots[s + 1] + oneMinusBeta2 * g * g;
            slots[s] = m;
            slots[s + 1] = v;
            values[vOff + i] -= stepSize * m / ((float) Math.sqrt(v) + epsHat);
        }
    }
}
