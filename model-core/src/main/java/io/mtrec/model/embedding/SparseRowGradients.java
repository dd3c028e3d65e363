package io.mtrec.model.embedding;

import java.util.Arrays;

/**
 * Gradients of the rows one batch touched, each row once however often it occurs: row r's gradient
 * is summed in example order into one slot, so sparse updates and the global norm see every touched
 * row exactly once.
 *
 * <p>Slot lookup is an array indexed by table row, tagged with a batch stamp so starting a batch
 * costs nothing instead of clearing an array as long as the table.
 */
public final class SparseRowGradients {
    private final int dim;
    private final int biasWidth;
    private int[] slotOfRow = new int[0];
    private int[] stampOfRow = new int[0];
    private int stamp;
    private int[] rows = new int[64];
    private float[] grads;
    private float[] biasGrads;
    private int count;

    public SparseRowGradients(int dim) {
        this(dim, 0);
    }

    /** Gradients of rows of {@code dim} values and {@code biasWidth} biases. */
    public SparseRowGradients(int dim, int biasWidth) {
        this.dim = dim;
        this.biasWidth = biasWidth;
        this.grads = new float[64 * dim];
        this.biasGrads = new float[64 * biasWidth];
    }

    /** Starts a batch over a table of {@code tableRows} rows. */
    public void reset(int tableRows) {
        if (stampOfRow.length < tableRows) {
            int capacity = Math.max(tableRows, stampOfRow.length * 2);
            slotOfRow = Arrays.copyOf(slotOfRow, capacity);
            stampOfRow = Arrays.copyOf(stampOfRow, capacity);
        }
        stamp++;
        if (stamp == Integer.MAX_VALUE) {
            Arrays.fill(stampOfRow, 0);
            stamp = 1;
        }
        count = 0;
    }

    /** The gradient slot of {@code row}, zeroed when the row is first touched in this batch. */
    public int slot(int row) {
        if (stampOfRow[row] == stamp) {
            return slotOfRow[row];
        }
        if (count == rows.length) {
            rows = Arrays.copyOf(rows, count * 2);
            grads = Arrays.copyOf(grads, count * 2 * dim);
            biasGrads = Arrays.copyOf(biasGrads, count * 2 * biasWidth);
        }
        int slot = count++;
        stampOfRow[row] = stamp;
        slotOfRow[row] = slot;
        rows[slot] = row;
        Arrays.fill(grads, slot * dim, (slot + 1) * dim, 0f);
        Arrays.fill(biasGrads, slot * biasWidth, (slot + 1) * biasWidth, 0f);
        return slot;
    }

    /** Number of distinct rows touched. */
    public int count() {
        return count;
    }

    /** The table row of slot {@code slot}. */
    public int row(int slot) {
        return rows[slot];
    }

    /** Gradient storage; slot s occupies {@code [s * dim, (s + 1) * dim)}. */
    public float[] grads() {
        return grads;
    }

    /** Bias gradient storage; slot s occupies {@code [s * biasWidth, (s + 1) * biasWidth)}. */
    public float[] biasGrads() {
        return biasGrads;
    }

    public int biasWidth() {
        return biasWidth;
    }

    public int dim() {
        return dim;
    }

    /** Sum of squares of all gradients, for the global norm. */
    public double sumOfSquares() {
        double sum = 0;
        for (int i = 0, n = count * dim; i < n; i++) {
            sum += (double) grads[i] * grads[i];
        }
        for (int i = 0, n = count * biasWidth; i < n; i++) {
            sum += (double) biasGrads[i] * biasGrads[i];
        }
        return sum;
    }
}
