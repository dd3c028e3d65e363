package io.mtrec.model.layers;

import io.mtrec.model.optim.Sgd;
import io.mtrec.model.sampling.SplitMix64;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MixtureOfExpertsTest {

    @Test
    void everyTasksGatesArePositiveAndSumToOneForEveryBatchSize() {
        MmoeParams params = new MmoeParams(5, 4, 3, 3, new Sgd(0.1f));
        params.initialise(new SplitMix64(1L), new SplitMix64(2L));
        SplitMix64 rng = new SplitMix64(3L);
        for (int j = 0; j < params.gateBias().size(); j++) {
            params.gateBias().values()[j] = (float) rng.nextGaussian();
        }
        MixtureOfExperts mixture = new MixtureOfExperts(params);
        // 1 and 31 fit one padded bucket; 33 needs a second; 300 grows the buffers.
        for (int n : new int[] {1, 31, 33, 300, 7}) {
            mixture.forward(gaussianRows(rng, n, 5), n);
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < 3; t++) {
                    double sum = 0;
                    for (int e = 0; e < 4; e++) {
                        assertThat(mixture.gate(i, t, e)).isPositive();
                        sum += mixture.gate(i, t, e);
                    }
                    assertThat(sum).as("n=%d i=%d t=%d", n, i, t).isCloseTo(1.0, within(1e-6));
                }
            }
        }
    }

    @Test
    void withOneExpertEveryTaskReadsThatExpertsReluOutput() {
        MmoeParams params = new MmoeParams(4, 1, 3, 3, new Sgd(0.1f));
        params.initialise(new SplitMix64(5L), new SplitMix64(6L));
        params.expertBias().values()[1] = -0.4f;
        params.syncWeight();
        MixtureOfExperts mixture = new MixtureOfExperts(params);
        int n = 40;
        float[] h = gaussianRows(new SplitMix64(7L), n, 4);
        mixture.forward(h, n);
        float[] w = params.expertWeight().values();
        float[] c = params.expertBias().values();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                double z = c[j];
                for (int k = 0; k < 4; k++) {
                    z += h[i * 4 + k] * w[k * 3 + j];
                }
                for (int t = 0; t < 3; t++) {
                    assertThat(mixture.gate(i, t, 0)).isEqualTo(1f);
                    assertThat((double) mixture.taskInput(t)[i * 3 + j])
                            .isCloseTo(Math.max(0, z), within(1e-6));
                }
            }
        }
    }

    private static float[] gaussianRows(SplitMix64 rng, int n, int width) {
        float[] h = new float[n * width];
        for (int k = 0; k < h.length; k++) {
            h[k] = (float) Math.max(0, rng.nextGaussian());
        }
        return h;
    }
}
