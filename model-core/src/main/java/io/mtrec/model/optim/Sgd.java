package io.mtrec.model.optim;

import io.mtrec.model.config.OptimizerKind;

/** Plain SGD: {@code w -= lr * g}. Keeps no state. */
public final class Sgd implements Optimizer {
    private final float learningRate;

    public Sgd(float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learning rate must be positive and finite, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    public float learningRate() {
        return learningRate;
    }

    @Override
    public OptimizerKind kind() {
        return OptimizerKind.SGD;
    }

    @Override
    public int slotsPerValue() {
        return 0;
    }

    @Override
    public boolean usesStepCount() {
        return false;
    }

    @Override
    public float initialSlotValue() {
        return 0f;
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
        float rate = learningRate * scale;
        for (int i = 0; i < n; i++) {
            values[vOff + i] -= rate * grads[gOff + i];
        }
    }
}
