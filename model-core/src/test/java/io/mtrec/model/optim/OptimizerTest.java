package io.mtrec.model.optim;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OptimizerTest {

    @Test
    void sgdStepsAgainstTheScaledGradient() {
        Sgd sgd = new Sgd(0.5f);
        float[] w = {1f, -2f};
        sgd.update(w, 0, new float[] {0.2f, -0.4f}, 0, new float[0], 0, 2, 0.5f);
        // w - lr * scale * g = 1 - 0.5*0.5*0.2, -2 + 0.5*0.5*0.4
        assertThat(w[0]).isCloseTo(0.95f, within(1e-7f));
        assertThat(w[1]).isCloseTo(-1.9f, within(1e-7f));
        assertThat(sgd.slotsPerValue()).isZero();
    }

    @Test
    void adagradMatchesHandComputedSteps() {
        Adagrad adagrad = new Adagrad(0.1f, 1e-8f, 0f);
        float[] w = {1f};
        float[] acc = {adagrad.initialSlotValue()};
        adagrad.update(w, 0, new float[] {0.5f}, 0, acc, 0, 1, 1f);
        // acc = 0.25; w = 1 - 0.1 * 0.5 / 0.5 = 0.9
        assertThat(acc[0]).isEqualTo(0.25f);
        assertThat(w[0]).isCloseTo(0.9f, within(1e-6f));
        adagrad.update(w, 0, new float[] {1f}, 0, acc, 0, 1, 1f);
        // acc = 1.25; w = 0.9 - 0.1 / sqrt(1.25)
        assertThat(acc[0]).isEqualTo(1.25f);
        assertThat(w[0]).isCloseTo((float) (0.9 - 0.1 / Math.sqrt(1.25)), within(1e-6f));
    }

    @Test
    void adagradStepIsScaleInvariantOnTheFirstUpdate() {
        Adagrad adagrad = new Adagrad(0.05f, 1e-10f, 0f);
        float[] small = {0f};
        float[] large = {0f};
        adagrad.update(small, 0, new float[] {1e-4f}, 0, new float[1], 0, 1, 1f);
        adagrad.update(large, 0, new float[] {10f}, 0, new float[1], 0, 1, 1f);
        assertThat(small[0]).isCloseTo(-0.05f, within(1e-6f));
        assertThat(large[0]).isCloseTo(-0.05f, within(1e-6f));
    }

    @Test
    void restoredDenseParamContinuesExactlyWhereTheSavedOneStopped() {
        Optimizer adagrad = Optimizer.fromConfig(ModelConfig.defaults());
        DenseParam live = new DenseParam("w", 3, adagrad);
        float[][] gradients = {{0.1f, -0.3f, 2f}, {0.7f, 0.2f, -1f}, {-0.4f, 0.05f, 0.3f}};
        System.arraycopy(gradients[0], 0, live.grads(), 0, 3);
        live.step(adagrad, 1f);

        DenseParam restored = new DenseParam("w", 3, adagrad);
        restored.restore(live.values().clone(), live.slots().clone());
        for (int step = 1; step < gradients.length; step++) {
            System.arraycopy(gradients[step], 0, live.grads(), 0, 3);
            System.arraycopy(gradients[step], 0, restored.grads(), 0, 3);
            live.step(adagrad, 0.5f);
            restored.step(adagrad, 0.5f);
        }
        assertThat(restored.values()).containsExactly(live.values());
        assertThat(restored.slots()).containsExactly(live.slots());
    }

    @Test
    void configChoosesTheOptimizer() {
        ModelConfig sgd = ModelConfig.builder().optimizer(OptimizerKind.SGD).build();
        assertThat(Optimizer.fromConfig(sgd)).isInstanceOf(Sgd.class);
        assertThat(Optimizer.fromConfig(ModelConfig.defaults())).isInstanceOf(Adagrad.class);
    }

    @Test
    void clippingScalesOnlyNormsAboveTheThreshold() {
        assertThat(GlobalNormClipping.scale(4.0, 1.0)).isEqualTo(0.25f);
        assertThat(GlobalNormClipping.scale(0.5, 1.0)).isEqualTo(1f);
        assertThat(GlobalNormClipping.scale(1e9, 0.0)).isEqualTo(1f);
    }
}
