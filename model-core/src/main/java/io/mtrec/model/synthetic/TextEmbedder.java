package io.mtrec.model.synthetic;

import java.util.SplittableRandom;

/**
 * Stands in for a text encoder: maps an item's planted factors q_i to a "text embedding" through
 * one fixed random linear projection plus per-item noise, so items with similar factors get similar
 * embeddings and a model can place a never-clicked item from its profile alone.
 *
 * <p>Projection entries are N(0, 1/sqrt(L)): with q_i's components of variance 1/sqrt(L), each
 * embedding component then has unit variance before the noise is added.
 */
final class TextEmbedder {
    private final PlantedTruth truth;
    private final int textDim;
    private final double noise;
    private final long noiseSeed;
    private final double[] projection;

    TextEmbedder(PlantedTruth truth, int textDim, double noise, SplittableRandom rng) {
        this.truth = truth;
        this.textDim = textDim;
        this.noise = noise;
        this.noiseSeed = rng.nextLong();
        int dim = truth.latentDim();
        double std = Math.pow(dim, -0.25);
        projection = new double[textDim * dim];
        for (int k = 0; k < projection.length; k++) {
            projection[k] = std * Normal.sample(rng);
        }
    }

    /**
     * The text embedding of every item, in item order; the noise restarts from the same seed on
     * every call, so the result depends on nothing but the config.
     */
    float[][] embedAll() {
        SplittableRandom noiseRng = new SplittableRandom(noiseSeed);
        int dim = truth.latentDim();
        float[][] out = new float[truth.items()][];
        for (int item = 0; item < out.length; item++) {
            double[] q = truth.itemFactors(item);
            float[] e = new float[textDim];
            for (int j = 0; j < textDim; j++) {
                double sum = 0;
                for (int k = 0; k < dim; k++) {
                    sum += projection[j * dim + k] * q[k];
                }
                e[j] = (float) (sum + noise * Normal.sample(noiseRng));
            }
            out[item] = e;
        }
        return out;
    }
}
