package io.mtrec.model.metrics;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * AUC and log-loss of a binary task over the last {@code window} predictions.
 *
 * <p>Predictions are kept in a ring buffer; AUC is computed when asked (sort, average ranks for
 * ties), which is cheap next to training because metrics are read every few seconds, not per event.
 */
public final class WindowedBinaryMetrics {
    private static final double EPS = 1e-7;

    private final float[] predictions;
    private final boolean[] labels;
    private int next;
    private int size;
    private long total;

    public WindowedBinaryMetrics(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.predictions = new float[window];
        this.labels = new boolean[window];
    }

    /** Records one prediction (a probability) made before its label was learned from. */
    public void add(double prediction, boolean label) {
        predictions[next] = (float) prediction;
        labels[next] = label;
        next = (next + 1) % predictions.length;
        if (size < predictions.length) {
            size++;
        }
        total++;
    }

    /** Predictions in the window. */
    public int size() {
        return size;
    }

    /** Predictions ever recorded. */
    public long total() {
        return total;
    }

    public int window() {
        return predictions.length;
    }

    /** Area under the ROC curve over the window; NaN while it lacks a positive or a negative. */
    public double auc() {
        return auc(size);
    }

    /**
     * Area under the ROC curve over the last {@code last} predictions (at most {@link #size()});
     * NaN while they lack a positive or a negative.
     */
    public double auc(int last) {
        checkLast(last);
        Integer[] order = new Integer[last];
        int positives = 0;
        for (int k = 0; k < last; k++) {
            order[k] = index(last, k);
            if (labels[order[k]]) {
                positives++;
            }
        }
        int negatives = last - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        Arrays.sort(order, (a, b) -> Float.compare(predictions[a], predictions[b]));
        double positiveRankSum = 0;
        int i = 0;
        while (i < last) {
            int j = i;
            while (j + 1 < last && predictions[order[j + 1]] == predictions[order[i]]) {
                j++;
            }
            // Ties share the average of their 1-based ranks.
            double averageRank = (i + j) / 2.0 + 1.0;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]]) {
                    positiveRankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (positiveRankSum - (double) positives * (positives + 1) / 2.0)
                / ((double) positives * negatives);
    }

    /** Mean binary cross-entropy over the window (probabilities clipped to [1e-7, 1-1e-7]). */
    public double logLoss() {
        return logLoss(size);
    }

    /** Mean binary cross-entropy over the last {@code last} predictions; NaN when 0. */
    public double logLoss(int last) {
        checkLast(last);
        if (last == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int k = 0; k < last; k++) {
            int i = index(last, k);
            double p = Math.min(1 - EPS, Math.max(EPS, predictions[i]));
            sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
        }
        return sum / last;
    }

    /**
     * Records the last {@code last} predictions of this window into {@code target}, oldest first,
     * as if they had been added there: pools the predictions of several learners into one AUC.
     */
    public void copyLastTo(int last, WindowedBinaryMetrics target) {
        checkLast(last);
        for (int k = 0; k < last; k++) {
            int i = index(last, k);
            target.add(predictions[i], labels[i]);
        }
    }

    /** Ring position of the k-th (0 = oldest) of the last {@code last} predictions. */
    private int index(int last, int k) {
        int w = predictions.length;
        return ((next - last + k) % w + w) % w;
    }

    private void checkLast(int last) {
        if (last < 0 || last > size) {
            throw new IllegalArgumentException(
                    "asked for the last " + last + " predictions, the window holds " + size);
        }
    }

    /** Fraction of positive labels in the window. */
    public double positiveRate() {
        if (size == 0) {
            return Double.NaN;
        }
        int positives = 0;
        for (int i = 0; i < size; i++) {
            if (labels[i]) {
                positives++;
            }
        }
        return positives / (double) size;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(predictions.length);
        out.writeInt(next);
        out.writeInt(size);
        out.writeLong(total);
        for (int i = 0; i < size; i++) {
            out.writeFloat(predictions[i]);
            out.writeBoolean(labels[i]);
        }
    }

    public static WindowedBinaryMetrics readFrom(DataInput in) throws IOException {
        WindowedBinaryMetrics m = new WindowedBinaryMetrics(in.readInt());
        m.next = in.readInt();
        m.size = in.readInt();
        m.total = in.readLong();
        for (int i = 0; i < m.size; i++) {
            m.predictions[i] = in.readFloat();
            m.labels[i] = in.readBoolean();
        }
        return m;
    }
}
