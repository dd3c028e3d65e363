package io.mtrec.model.layers;

import io.mtrec.model.optim.Sgd;
import io.mtrec.model.sampling.SplitMix64;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SharedBottomTest {

    @Test
    void forwardAndBackwardMatchPlainLoopsForEveryBatchSize() {
        SplitMix64 rng = new SplitMix64(11L);
        DenseLayer first = new DenseLayer("l0", 6, 5, new Sgd(0.1f));
        DenseLayer second = new DenseLayer("l1", 5, 4, new Sgd(0.1f));
        first.initialise(rng);
        second.initialise(rng);
        for (int j = 0; j < 5; j++) {
            first.bias().values()[j] = (float) (0.3 * rng.nextGaussian());
        }
        SharedBottom bottom = new SharedBottom(new DenseLayer[] {first, second});
        // 1 and 31 fit one padded bucket; 33 needs a second; 300 grows the buffers.
        for (int n : new int[] {1, 31, 33, 300, 7}) {
            float[] x = bottom.input(n);
            for (int i = 0; i < n * 6; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            float[] xCopy = java.util.Arrays.copyOf(x, n * 6);
            float[] out = bottom.forward(n);
            double[] h1 = dense(xCopy, n, first, true);
            double[] h2 = dense(toFloat(h1), n, second, true);
            for (int k = 0; k < n * 4; k++) {
                assertThat((double) out[k]).as("n=%d k=%d", n, k).isCloseTo(h2[k], within(1e-5));
            }

            float[] dOut = bottom.outputGradient();
            for (int k = 0; k < n * 4; k++) {
                dOut[k] = (float) rng.nextGaussian();
            }
            float[] dOutCopy = java.util.Arrays.copyOf(dOut, n * 4);
            first.weight().zeroGrads();
            second.weight().zeroGrads();
            first.bias().zeroGrads();
            float[] dx = bottom.backward(n);

            // Plain backward: dPre2 = dOut * relu'(pre2); dH1 = dPre2 W2^T; dPre1 = dH1 * relu'.
            double[] pre2 = dense(toFloat(h1), n, second, false);
            double[] dPre2 = new double[n * 4];
            for (int k = 0; k < n * 4; k++) {
                dPre2[k] = pre2[k] > 0 ? dOutCopy[k] : 0;
            }
            double[] pre1 = dense(xCopy, n, first, false);
            double[] dPre1 = new double[n * 5];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < 5; a++) {
                    double s = 0;
                    for (int b = 0; b < 4; b++) {
                        s += dPre2[i * 4 + b] * second.weight().values()[a * 4 + b];
                    }
                    dPre1[i * 5 + a] = pre1[i * 5 + a] > 0 ? s : 0;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 6; c++) {
                    double s = 0;
                    for (int a = 0; a < 5; a++) {
                        s += dPre1[i * 5 + a] * first.weight().values()[c * 5 + a];
                    }
                    assertThat((double) dx[i * 6 + c]).isCloseTo(s, within(1e-5));
                }
            }
            for (int c = 0; c < 6; c++) {
                for (int a = 0; a < 5; a++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += xCopy[i * 6 + c] * dPre1[i * 5 + a];
                    }
                    assertThat((double) first.weight().grads()[c * 5 + a])
                            .isCloseTo(s, within(1e-4));
                }
            }
            for (int a = 0; a < 5; a++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += dPre1[i * 5 + a];
                }
                assertThat((double) first.bias().grads()[a]).isCloseTo(s, within(1e-4));
            }
        }
    }

    @Test
    void reluGradientPassesUpstreamOnlyWherePreActivationIsPositive() {
        assertThat(SharedBottom.reluGradient(2f, 0.5f)).isEqualTo(0.5f);
        assertThat(SharedBottom.reluGradient(Float.MIN_VALUE, -3f)).isEqualTo(-3f);
        assertThat(SharedBottom.reluGradient(-1f, 0.5f)).isEqualTo(0f);
        assertThat(SharedBottom.reluGradient(0f, 0.5f)).isEqualTo(0f);
        assertThat(SharedBottom.reluGradient(-0f, 0.5f)).isEqualTo(0f);
        assertThat(SharedBottom.reluGradient(Float.NEGATIVE_INFINITY, 0.5f)).isEqualTo(0f);
        // NaN is passed on, so a poisoned batch shows up in the gradient norm and is skipped.
        assertThat(SharedBottom.reluGradient(Float.NaN, 0.5f)).isEqualTo(0.5f);
    }

    @Test
    void layersMustChain() {
        DenseLayer a = new DenseLayer("a", 3, 4, new Sgd(0.1f));
        DenseLayer b = new DenseLayer("b", 5, 2, new Sgd(0.1f));
        assertThatThrownBy(() -> new SharedBottom(new DenseLayer[] {a, b}))
                .hasMessage("layer 1 takes 5 inputs but layer 0 gives 4");
    }

    @Test
    void openBlasRunsOnOneThread() {
        Nd4jRuntime.useSingleThread();
        assertThat(Nd4jRuntime.blasThreads()).isEqualTo(1);
    }

    private static double[] dense(float[] x, int n, DenseLayer layer, boolean relu) {
        int in = layer.in();
        int out = layer.out();
        double[] y = new double[n * out];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < out; j++) {
                double s = layer.bias().values()[j];
                for (int k = 0; k < in; k++) {
                    s += (double) x[i * in + k] * layer.weight().values()[k * out + j];
                }
                y[i * out + j] = relu ? Math.max(0, s) : s;
            }
        }
        return y;
    }

    private static float[] toFloat(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
