package io.mtrec.model.network;

import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.layers.DenseLayer;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;
import io.mtrec.model.tasks.UncertaintyWeights;

/**
 * A double-precision copy of a {@link MultiTaskNetwork}'s parameters and a straightforward forward
 * pass over them, written independently of the float/ND4J path, for gradient checks.
 */
final class ReferenceNetwork {
    final int dim;
    final double[] users;
    final double[] items;
    final double[] userBiases;
    final double[] itemBiases;
    final double[][] weights;
    final double[][] biases;
    final int[] widths;
    final double[][] headWeights = new double[3][];
    final double[] headBiases = new double[3];
    final boolean huber;
    final double huberDelta;

    /** Task log-variances s_k, or null for static weights. */
    final double[] logVariances;

    double smallestPreActivation = Double.POSITIVE_INFINITY;

    ReferenceNetwork(MultiTaskNetwork network) {
        dim = network.users().dim();
        users = toDouble(network.users().values(), network.users().size() * dim);
        items = toDouble(network.items().values(), network.items().size() * dim);
        userBiases = toDouble(network.users().biases(), network.users().size() * 3);
        itemBiases = toDouble(network.items().biases(), network.items().size() * 3);
        DenseLayer[] layers = network.layers();
        weights = new double[layers.length][];
        biases = new double[layers.length][];
        widths = new int[layers.length + 1];
        widths[0] = 3 * dim;
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
            for (Objective objective : Objective.values()) {
                if (!batch.has(i, objective)) {
                    continue;
                }
                double y = batch.label(i, objective);
                double loss =
                        switch (objective) {
                            case CLICK -> Losses.bceWithLogits(z[0], y);
                            case CONVERSION -> Losses.bceWithLogits(z[1], y);
                            case CTCVR -> bce(sigmoid(z[0]) * sigmoid(z[1]), y);
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

    /** The three head outputs (click logit, purchase logit, rating) of one user-item pair. */
    double[] outputs(int userRow, int itemRow) {
        int u = userRow * dim;
        int v = itemRow * dim;
        double[] a = new double[3 * dim];
        double[] uv = new double[dim];
        for (int j = 0; j < dim; j++) {
            a[j] = users[u + j];
            a[dim + j] = items[v + j];
            uv[j] = users[u + j] * items[v + j];
            a[2 * dim + j] = uv[j];
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
        double[] result = new double[3];
        for (int t = 0; t < 3; t++) {
            double[] w = headWeights[t];
            double z = headBiases[t] + userBiases[userRow * 3 + t] + itemBiases[itemRow * 3 + t];
            for (int j = 0; j < a.length; j++) {
                z += w[j] * a[j];
            }
            for (int j = 0; j < dim; j++) {
                z += w[a.length + j] * uv[j];
            }
            result[t] = z;
        }
        return result;
    }

    private static double[] toDouble(float[] values, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
