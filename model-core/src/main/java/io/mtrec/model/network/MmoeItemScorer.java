package io.mtrec.model.network;

import io.mtrec.model.layers.MixtureOfExperts;
import io.mtrec.model.layers.MmoeParams;
import io.mtrec.model.layers.SharedBottom;
import io.mtrec.model.tasks.LinearHead;
import io.mtrec.model.tasks.Task;

/**
 * Scores one user against many items in an MMoE network by running the training forward pass over
 * the pairs: gather {@code [u, v, u*v]}, the bottom, the experts and gates, the heads.
 *
 * <p>The per-user folding of {@link ItemScorer} does not carry over: it saves work only up to the
 * first nonlinearity, and here every head reads a softmax-gated mixture. The bottom and the experts
 * run on this scorer's own buffers over the network's parameters, so scoring never disturbs a
 * training pass in progress. Outputs are the training pass's up to float rounding (the same
 * operations on rows laid out the same way). Not thread-safe.
 */
public final class MmoeItemScorer implements UserItemScorer {
    private static final int TASKS = Task.values().length;

    private final int dim;
    private final int shared;
    private final int headWidth;
    private final SharedBottom bottom;
    private final MixtureOfExperts mixture;
    private final LinearHead[] heads = new LinearHead[TASKS];
    private final float[] user;
    private float[] products;

    public MmoeItemScorer(MultiTaskNetwork network) {
        MmoeParams mmoe =
                network.mmoe()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "MmoeItemScorer needs an MMoE network; use"
                                                        + " ItemScorer for a shared bottom"));
        this.dim = network.users().dim();
        this.shared = network.sharedDim();
        this.headWidth = network.headWidth();
        this.bottom = new SharedBottom(network.layers());
        this.mixture = new MixtureOfExperts(mmoe);
        for (Task task : Task.values()) {
            heads[task.index()] = network.head(task);
        }
        this.user = new float[dim];
        this.products = new float[0];
    }

    @Override
    public void prepare(float[] u, int uOff) {
        System.arraycopy(u, uOff, user, 0, dim);
    }

    @Override
    public void score(
            float[] itemValues,
            int itemOff,
            int n,
            float[] clickLogits,
            float[] purchaseLogits,
            float[] ratings) {
        if (n == 0) {
            return;
        }
        int width = 3 * shared;
        float[] x = bottom.input(n);
        if (products.length < n * dim) {
            products = new float[n * dim];
        }
        for (int i = 0; i < n; i++) {
            int xOff = i * width;
            int vOff = itemOff + i * dim;
            int pOff = i * dim;
            for (int j = 0; j < dim; j++) {
                products[pOff + j] = user[j] * itemValues[vOff + j];
            }
            System.arraycopy(user, 0, x, xOff, shared);
            System.arraycopy(itemValues, vOff, x, xOff + shared, shared);
            System.arraycopy(products, pOff, x, xOff + 2 * shared, shared);
        }
        float[] h = bottom.forward(n);
        mixture.forward(h, n);
        for (int t = 0; t < TASKS; t++) {
            float[] out =
                    switch (Task.ofIndex(t)) {
                        case CLICK -> clickLogits;
                        case PURCHASE -> purchaseLogits;
                        case RATING -> ratings;
                    };
            float[] in = mixture.taskInput(t);
            LinearHead head = heads[t];
            for (int i = 0; i < n; i++) {
                out[i] = head.output(in, i * headWidth, products, i * dim);
            }
        }
    }
}
