package io.mtrec.model.synthetic;

import java.util.Arrays;

/** Tie-aware AUC of the diagnostics' predictions. */
final class DiagnosticAuc {
    private DiagnosticAuc() {}

    static double auc(double[] pred, boolean[] label, int n) {
        Integer[] idx = new Integer[n];
        for (int k = 0; k < n; k++) {
            idx[k] = k;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(pred[a], pred[b]));
        double rankSum = 0;
        long pos = 0;
        int k = 0;
        while (k < n) {
            int j = k;
            while (j + 1 < n && pred[idx[j + 1]] == pred[idx[k]]) {
                j++;
            }
            double rank = (k + j) / 2.0 + 1;
            for (int m = k; m <= j; m++) {
                if (label[idx[m]]) {
                    rankSum += rank;
                    pos++;
                }
            }
            k = j + 1;
        }
        long neg = n - pos;
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
