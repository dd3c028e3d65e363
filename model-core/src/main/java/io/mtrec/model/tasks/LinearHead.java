package io.mtrec.model.tasks;

import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;

import java.util.Arrays;

/**
 * One task's output: a linear function of {@code [h, u*v]}, the shared bottom's output and the
 * element-wise product of the user and item embeddings.
 *
 * <p>The direct {@code u*v} input lets each task read a (weighted) dot product of the shared
 * embeddings, which an MLP over {@code [u, v]} learns poorly (Rendle et al., RecSys 2020). Its
 * weights start at 1, so every head starts as plain matrix factorisation plus a small MLP term.
 */
public final class LinearHead {
    private final Task task;
    private final int hidden;
    private final int dim;
    private final DenseParam weight;
    private final DenseParam bias;

    public LinearHead(Task task, int hidden, int dim, Optimizer optimizer) {
        this.task = task;
        this.hidden = hidden;
        this.dim = dim;
        this.weight =
                new DenseParam(task.name().toLowerCase() + ".weight", hidden + dim, optimizer);
        this.bias = new DenseParam(task.name().toLowerCase() + ".bias", 1, optimizer);
    }

    /**
     * Glorot-scaled weights on {@code h}, ones on {@code u*v}, and the given bias (0 for logits,
     * the middle of the scale for ratings).
     */
    public void initialise(SplitMix64 rng, float initialBias) {
        float[] w = weight.values();
        double std = Math.sqrt(1.0 / hidden);
        for (int j = 0; j < hidden; j++) {
            w[j] = (float) (std * rng.nextGaussian());
        }
        for (int j = 0; j < dim; j++) {
            w[hidden + j] = 1f;
        }
        bias.values()[0] = initialBias;
    }

    public Task task() {
        return task;
    }

    public DenseParam weight() {
        return weight;
    }

    /** Number of {@code u*v} products this head's direct path reads (the first ones of a row). */
    public int directWidth() {
        return dim;
    }

    public DenseParam bias() {
        return bias;
    }

    /** Output for one row: {@code b + w_h . h + w_uv . uv}. */
    public float output(float[] h, int hOff, float[] uv, int uvOff) {
        float[] w = weight.values();
        float sum = bias.values()[0];
        for (int j = 0; j < hidden; j++) {
            sum += w[j] * h[hOff + j];
        }
        for (int j = 0; j < dim; j++) {
            sum += w[hidden + j] * uv[uvOff + j];
        }
        return sum;
    }

    /**
     * Backpropagates {@code g = dLoss/dOutput} of one row: adds the head's own gradients, and
     * writes the gradients with respect to {@code h} into {@code dh} and with respect to {@code
     * u*v} into {@code duv} (overwriting both).
     */
    public void backward(
            float g,
            float[] h,
            int hOff,
            float[] uv,
            int uvOff,
            float[] dh,
            int dhOff,
            float[] duv,
            int duvOff) {
        backward(g, h, hOff, uv, uvOff, dh, dhOff, duv, duvOff, false);
    }

    /**
     * As {@link #backward}, but adds to {@code dh} and {@code duv}: for a second head trained on
     * the same row (an ESMM impression feeds the click and the purchase head).
     */
    public void addBackward(
            float g,
            float[] h,
            int hOff,
            float[] uv,
            int uvOff,
            float[] dh,
            int dhOff,
            float[] duv,
            int duvOff) {
        backward(g, h, hOff, uv, uvOff, dh, dhOff, duv, duvOff, true);
    }

    private void backward(
            float g,
            float[] h,
            int hOff,
            float[] uv,
            int uvOff,
            float[] dh,
            int dhOff,
            float[] duv,
            int duvOff,
            boolean accumulate) {
        float[] w = weight.values();
        float[] gw = weight.grads();
        if (!accumulate) {
            Arrays.fill(dh, dhOff, dhOff + hidden, 0f);
            Arrays.fill(duv, duvOff, duvOff + dim, 0f);
        }
        for (int j = 0; j < hidden; j++) {
            gw[j] += g * h[hOff + j];
            dh[dhOff + j] += g * w[j];
        }
        for (int j = 0; j < dim; j++) {
            gw[hidden + j] += g * uv[uvOff + j];
            duv[duvOff + j] += g * w[hidden + j];
        }
        bias.grads()[0] += g;
    }
}
