package io.mtrec.model.optim;

import io.mtrec.model.config.OptimizerKind;

/**
 * Adagrad (Duchi, Hazan and Singer 2011): {@code acc += g^2; w -= lr * g / (sqrt(acc) + eps)}.
 *
 * <p>The step does not depend on the gradient's scale, which suits sparse embedding rows: a row
 * seen in one example of a thousand gets a gradient a thousand times smaller than a dense weight,
 * yet moves at the same rate the first time it is seen and slows as its accumulator fills.
 */
public final class Adagrad implements Optimizer {
    private final float learningRate;
    private final float epsilon;
    private final float initialAccumulator;

    public Adagrad(float learningRate, float epsilon, float initialAccumulator) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learning rate must be positive and finite, got " + learningRate);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
        }
        if (!(initialAccumulator >= 0)) {
            throw new IllegalArgumentException(
                    "initial accumulator must be >= 0, got " + initialAccumulator);
        }
        this.learningRate = learningRate;
        this.epsilon = epsilon;
        this.initialAccumulator = initialAccumulator;
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.ADAGRAD;
    }

    @Override
    public int slotsPerValue() {
        return 1;
    }

    @Override
    public boolean usesStepCount() {
        return false;
    }

    @Override
    public float initialSlotValue() {
        return initialAccumulator;
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
        for (int i = 0; i < n; i++) {
            float g = scale * grads[gOff + i];
            float acc = slots[sOff + i] + g * g;
            slots[sOff + i] = acc;
            values[vOff + i] -= learningRate * g / ((float) Math.sqrt(acc) + epsilon);
        }
    }
}
