package io.mtrec.model.optim;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class OptimizerTest {

    @Test
    void sgdStepsAgainstTheScaledGradient() {
        Sgd sgd = new Sgd(0.5f);
        float[] w = {1f, -2f};
        sgd.update(w, 0, new float[] {0.2f, -0.4f}, 0, new float[0], 0, 2, 0.5f, 1);
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
        adagrad.update(w, 0, new float[] {0.5f}, 0, acc, 0, 1, 1f, 1);
        // acc = 0.25; w = 1 - 0.1 * 0.5 / 0.5 = 0.9
        assertThat(acc[0]).isEqualTo(0.25f);
        assertThat(w[0]).isCloseTo(0.9f, within(1e-6f));
        adagrad.update(w, 0, new float[] {1f}, 0, acc, 0, 1, 1f, 2);
        // acc = 1.25; w = 0.9 - 0.1 / sqrt(1.25)
        assertThat(acc[0]).isEqualTo(1.25f);
        assertThat(w[0]).isCloseTo((float) (0.9 - 0.1 / Math.sqrt(1.25)), within(1e-6f));
    }

    @Test
    void adagradStepIsScaleInvariantOnTheFirstUpdate() {
        Adagrad adagrad = new Adagrad(0.05f, 1e-10f, 0f);
        float[] small = {0f};
        float[] large = {0f};
        adagrad.update(small, 0, new float[] {1e-4f}, 0, new float[1], 0, 1, 1f, 1);
        adagrad.update(large, 0, new float[] {10f}, 0, new float[1], 0, 1, 1f, 1);
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
        restored.restore(live.values().clone(), live.slots().clone(), live.steps());
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
    void adamMatchesHandComputedValuesForOneAndTwoSteps() {
        Adam adam = new Adam(0.1f, 0.9, 0.999, 1e-8f);
        float[] w = {1f, -2f};
        float[] slots = new float[4];
        adam.update(w, 0, new float[] {0.5f, -4f}, 0, slots, 0, 2, 1f, 1);
        // t=1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2: a step of lr * sign(g).
        assertThat(slots[0]).isCloseTo(0.05f, within(1e-7f));
        // 1 - 0.999f is 0.00099998713 in float: v carries that relative error of 1.3e-5.
        assertThat(slots[1]).isCloseTo(0.00025f, within(1e-8f));
        assertThat(slots[2]).isCloseTo(-0.4f, within(1e-7f));
        assertThat(slots[3]).isCloseTo(0.016f, within(1e-6f));
        assertThat(w[0]).isCloseTo(0.9f, within(1e-6f));
        assertThat(w[1]).isCloseTo(-1.9f, within(1e-6f));

        adam.update(w, 0, new float[] {1f, 2f}, 0, slots, 0, 2, 1f, 2);
        // t=2, value 0: m = 0.9*0.05 + 0.1*1 = 0.145, v = 0.999*0.00025 + 0.001*1 = 0.00124975
        double m0 = 0.145;
        double v0 = 0.00124975;
        double step0 = 0.1 * (m0 / (1 - 0.81)) / (Math.sqrt(v0 / (1 - 0.998001)) + 1e-8);
        // value 1: m = 0.9*-0.4 + 0.1*2 = -0.16, v = 0.999*0.016 + 0.001*4 = 0.019984
        double m1 = -0.16;
        double v1 = 0.019984;
        double step1 = 0.1 * (m1 / (1 - 0.81)) / (Math.sqrt(v1 / (1 - 0.998001)) + 1e-8);
        assertThat((double) slots[0]).isCloseTo(m0, within(1e-7));
        assertThat((double) slots[1]).isCloseTo(v0, within(v0 * 1e-4));
        assertThat((double) slots[2]).isCloseTo(m1, within(1e-7));
        assertThat((double) slots[3]).isCloseTo(v1, within(v1 * 1e-4));
        assertThat((double) w[0]).isCloseTo(0.9 - step0, within(1e-6)); // 0.803482
        assertThat((double) w[1]).isCloseTo(-1.9 - step1, within(1e-6)); // -1.873366
    }

    @Test
    void adamFirstStepOfARowIsOneLearningRateWhateverTheStepNumberOfOthers() {
        // A row's bias correction uses its own count: its first update (step 1) moves by lr,
        // where debiasing by a large global step would move it by lr * 0.1 / sqrt(0.001) = 3.16 lr.
        Adam adam = new Adam(0.01f, 0.9, 0.999, 1e-8f);
        float[] ownCount = {0f};
        float[] globalCount = {0f};
        adam.update(ownCount, 0, new float[] {0.3f}, 0, new float[2], 0, 1, 1f, 1);
        adam.update(globalCount, 0, new float[] {0.3f}, 0, new float[2], 0, 1, 1f, 100_000);
        assertThat(ownCount[0]).isCloseTo(-0.01f, within(1e-7f));
        assertThat((double) globalCount[0]).isCloseTo(-0.01 * 0.1 / Math.sqrt(0.001), within(1e-6));
    }

    @Test
    void adamRejectsStepZero() {
        Adam adam = new Adam(0.01f, 0.9, 0.999, 1e-8f);
        assertThatThrownBy(
                        () ->
                                adam.update(
                                        new float[1],
                                        0,
                                        new float[1],
                                        0,
                                        new float[2],
                                        0,
                                        1,
                                        1f,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam step must be >= 1, got 0");
    }

    @Test
    void denseParamCountsItsStepsForAdam() {
        ModelConfig config = ModelConfig.builder().optimizer(OptimizerKind.ADAM).build();
        Optimizer adam = Optimizer.fromConfig(config);
        DenseParam param = new DenseParam("w", 2, adam);
        assertThat(param.slots()).hasSize(4).containsOnly(0f);
        param.grads()[0] = 1f;
        param.step(adam, 1f);
        param.step(adam, 1f);
        assertThat(param.steps()).isEqualTo(2);
    }

    @Test
    void configChoosesTheOptimizer() {
        ModelConfig sgd = ModelConfig.builder().optimizer(OptimizerKind.SGD).build();
        assertThat(Optimizer.fromConfig(sgd)).isInstanceOf(Sgd.class);
        assertThat(Optimizer.fromConfig(ModelConfig.defaults())).isInstanceOf(Adagrad.class);
        ModelConfig adam = ModelConfig.builder().optimizer(OptimizerKind.ADAM).build();
        assertThat(Optimizer.fromConfig(adam)).isInstanceOf(Adam.class);
        assertThat(Optimizer.fromConfig(adam).slotsPerValue()).isEqualTo(2);
        assertThat(Optimizer.fromConfig(adam).usesStepCount()).isTrue();
        assertThat(Optimizer.fromConfig(sgd).usesStepCount()).isFalse();
    }

    @Test
    void clippingScalesOnlyNormsAboveTheThreshold() {
        assertThat(GlobalNormClipping.scale(4.0, 1.0)).isEqualTo(0.25f);
        assertThat(GlobalNormClipping.scale(0.5, 1.0)).isEqualTo(1f);
        assertThat(GlobalNormClipping.scale(1e9, 0.0)).isEqualTo(1f);
    }
}
