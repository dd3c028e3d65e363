package io.mtrec.model.network;

import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.layers.MmoeParams;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;
import io.mtrec.model.tasks.UncertaintyWeights;

/**
 * A double-precision copy of a {@link MultiTaskNetwork}'s parameters and a straightforward forward
 * pass over them, written independently of the float/ND4J path, for gradient checks. With MMoE the
 * experts' and gates' parameters are copied too and each head reads its own gated mixture.
 */
final class ReferenceNetwork {
    final int dim;

    /** Values of a row the bottom and every head read; the rest only the purchase head. */
    final int shared;

    final double[] users;
    final double[] items;
    final double[] userBiases;
    final double[] itemBiases;
    final double[][] weights;
    final double[][] biases;
    final int[] widths;
    final double[][] headWeights = new double[3][];
    final double[] headBiases = new double[3];
    final int experts;
    final int expertWidth;
    final double[] expertWeights;
    final double[] expertBiases;
    final double[] gateWeights;
    final double[] gateBiases;
    final int textDim;

    /** Item text embeddings (rows x m) and the projection P (d x m); empty without text. */
    final double[] itemText;

    final double[] projection;
    final boolean huber;
    final double huberDelta;

    /** Task log-variances s_k, or null for static weights. */
    final double[] logVariances;

    double smallestPreActivation = Double.POSITIVE_INFINITY;

    ReferenceNetwork(MultiTaskNetwork network) {
        dim = network.users().dim();
        shared = network.sharedDim();
        users = toDouble(network.users().values(), network.users().size() * dim);
        items = toDouble(network.items().values(), network.items().size() * dim);
        userBiases = toDouble(network.users().biases(), network.users().size() * 3);
        itemBiases = toDouble(network.items().biases(), network.items().size() * 3);
        textDim = network.items().featureWidth();
        itemText = toDouble(network.items().features(), network.items().size() * textDim);
        projection =
                network.textProjection() == null
                        ? new double[0]
                        : toDouble(
                                network.textProjection().weight().values(),
                                network.textProjection().weight().size());
        DenseLayer[] layers = network.layers();
        weights = new double[layers.length][];
        biases = new double[layers.length][];
        widths = new int[layers.length + 1];
        widths[0] = 3 * shared;
        for (int l = 0; l < layers.length; l++) {
            weights[l] = toDouble(layers[l].weight().values(), layers[l].weight().size());
            biases[l] = toDouble(layers[l].bias().values(), layers[l].bias().size());
            widths[l + 1] = layers[l].out();
        }
        for (Task task : Task.values()) {
            headWeights[task.index()] =
                    toDouble(
                            network.head(task).weight().values(),
                            network.head(task).weight().size());
            headBiases[task.index()] = network.head(task).bias().values()[0];
        }
        MmoeParams mmoe = network.mmoe().orElse(null);
        experts = mmoe == null ? 0 : mmoe.experts();
        expertWidth = mmoe == null ? 0 : mmoe.expertWidth();
        expertWeights = mmoe == null ? null : copy(mmoe.expertWeight().values());
        expertBiases = mmoe == null ? null : copy(mmoe.expertBias().values());
        gateWeights = mmoe == null ? null : copy(mmoe.gateWeight().values());
        gateBiases = mmoe == null ? null : copy(mmoe.gateBias().values());
        huber = network.ratingLoss() == RatingLoss.HUBER;
        huberDelta = network.huberDelta();
        UncertaintyWeights uncertainty = network.uncertaintyWeights();
        logVariances = uncertainty == null ? null : toDouble(uncertainty.param().values(), 3);
    }

    /**
     * Mean over the batch of each example's summed loss terms, as {@link
     * MultiTaskNetwork#computeGradients} defines it; the CTCVR and Huber terms and the uncertainty
     * weighting are written out from their textbook definitions, not from {@link Losses}.
     */
    double loss(ExampleBatch batch) {
        double total = 0;
        for (int i = 0; i < batch.size(); i++) {
            double[] z = outputs(batch.userRow(i), batch.itemRow(i));
            // The logit offset (logQ correction) shifts the training click logit only.
            double zc = z[0] + batch.logitOffset(i);
            for (Objective objective : Objective.values()) {
                if (!batch.has(i, objective)) {
                    continue;
                }
                double y = batch.label(i, objective);
                double loss =
                        switch (objective) {
                            case CLICK -> Losses.bceWithLogits(zc, y);
                            case CONVERSION -> Losses.bceWithLogits(z[1], y);
                            case CTCVR -> bce(sigmoid(zc) * sigmoid(z[1]), y);
                            case RATING -> ratingLoss(z[2] - y);
                        };
                int t = objective.task().index();
                if (logVariances != null) {
                    double half = objective.task() == Task.RATING ? 0.5 : 1.0;
                    double s = logVariances[t];
                    loss = half * Math.exp(-s) * loss + 0.5 * s;
                }
                total += batch.weight(i, objective) * loss;
            }
        }
        return total / batch.size();
    }

    private double ratingLoss(double e) {
        if (!huber || Math.abs(e) <= huberDelta) {
            return e * e;
        }
        return 2 * (huberDelta * Math.abs(e) - 0.5 * huberDelta * huberDelta);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double bce(double p, double y) {
        return -y * Math.log(p) - (1 - y) * Math.log(1 - p);
    }

    /**
     * The three head outputs (click logit, purchase logit, rating) of one user-item pair; the item
     * vector is {@code row + P t} when the network projects item text.
     */
    double[] outputs(int userRow, int itemRow) {
        int u = userRow * dim;
        int v = itemRow * dim;
        double[] a = new double[3 * shared];
        double[] uv = new double[dim];
        for (int j = 0; j < dim; j++) {
            double item = items[v + j];
            for (int k = 0; k < textDim; k++) {
                item += projection[j * textDim + k] * itemText[itemRow * textDim + k];
            }
            uv[j] = users[u + j] * item;
            if (j < shared) {
                a[j] = users[u + j];
                a[shared + j] = item;
                a[2 * shared + j] = uv[j];
            }
        }
        for (int l = 0; l < weights.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            double[] next = new double[out];
            for (int o = 0; o < out; o++) {
                double s = biases[l][o];
                for (int k = 0; k < in; k++) {
                    s += a[k] * weights[l][k * out + o];
                }
                smallestPreActivation = Math.min(smallestPreActivation, Math.abs(s));
                next[o] = Math.max(0, s);
            }
            a = next;
        }
        double[][] headInputs = experts == 0 ? new double[][] {a, a, a} : mixtures(a);
        double[] result = new double[3];
        for (int t = 0; t < 3; t++) {
            double[] w = headWeights[t];
            double[] in = headInputs[t];
            double z = headBiases[t] + userBiases[userRow * 3 + t] + itemBiases[itemRow * 3 + t];
            for (int j = 0; j < in.length; j++) {
                z += w[j] * in[j];
            }
            // The purchase head's direct path reads all d products, the others the shared ones.
            for (int j = 0; j < w.length - in.length; j++) {
                z += w[in.length + j] * uv[j];
            }
            result[t] = z;
        }
        return result;
    }

    /** Each task's softmax-gated mixture of the ReLU experts over the bottom's output {@code h}. */
    double[][] mixtures(double[] h) {
        int ex = experts * expertWidth;
        double[][] expert = new double[experts][expertWidth];
        for (int e = 0; e < experts; e++) {
            for (int j = 0; j < expertWidth; j++) {
                int col = e * expertWidth + j;
                double s = expertBiases[col];
                for (int k = 0; k < h.length; k++) {
                    s += h[k] * expertWeights[k * ex + col];
                }
                smallestPreActivation = Math.min(smallestPreActivation, Math.abs(s));
                expert[e][j] = Math.max(0, s);
            }
        }
        int te = 3 * experts;
        double[][] mixed = new double[3][expertWidth];
        for (int t = 0; t < 3; t++) {
            double[] logits = new double[experts];
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                int col = t * experts + e;
                double s = gateBiases[col];
                for (int k = 0; k < h.length; k++) {
                    s += h[k] * gateWeights[k * te + col];
                }
                logits[e] = Math.exp(s);
                sum += logits[e];
            }
            for (int e = 0; e < experts; e++) {
                double g = logits[e] / sum;
                for (int j = 0; j < expertWidth; j++) {
                    mixed[t][j] += g * expert[e][j];
                }
            }
        }
        return mixed;
    }

    private static double[] copy(float[] values) {
        return toDouble(values, values.length);
    }

    private static double[] toDouble(float[] values, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
