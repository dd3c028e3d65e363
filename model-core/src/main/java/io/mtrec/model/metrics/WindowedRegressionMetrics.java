package io.mtrec.model.metrics;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Root-mean-square error and mean absolute error over the last {@code window} predictions. */
public final class WindowedRegressionMetrics {
    private final float[] errors;
    private int next;
    private int size;
    private long total;

    public WindowedRegressionMetrics(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.errors = new float[window];
    }

    /** Records one prediction made before its target was learned from. */
    public void add(double prediction, double target) {
        errors[next] = (float) (prediction - target);
        next = (next + 1) % errors.length;
        if (size < errors.length) {
            size++;
        }
        total++;
    }

    public int size() {
        return size;
    }

    public long total() {
        return total;
    }

    public int window() {
        return errors.length;
    }

    /** RMSE over the window; NaN when empty. */
    public double rmse() {
        return rmse(size);
    }

    /** RMSE over the last {@code last} predictions (at most {@link #size()}); NaN when 0. */
    public double rmse(int last) {
        if (last < 0 || last > size) {
            throw new IllegalArgumentException(
                    "asked for the last " + last + " predictions, the window holds " + size);
        }
        if (last == 0) {
            return Double.NaN;
        }
        int w = errors.length;
        double sum = 0;
        for (int k = 0; k < last; k++) {
            float e = errors[((next - last + k) % w + w) % w];
            sum += (double) e * e;
        }
        return Math.sqrt(sum / last);
    }

    /**
     * Records the errors of the last {@code last} predictions into {@code target}, oldest first:
     * pools several learners' predictions into one RMSE.
     */
    public void copyLastTo(int last, WindowedRegressionMetrics target) {
        if (last < 0 || last > size) {
            throw new IllegalArgumentException(
                    "asked for the last " + last + " predictions, the window holds " + size);
        }
        int w = errors.length;
        for (int k = 0; k < last; k++) {
            target.add(errors[((next - last + k) % w + w) % w], 0.0);
        }
    }

    /** Mean absolute error over the window; NaN when empty. */
    public double mae() {
        if (size == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += Math.abs(errors[i]);
        }
        return sum / size;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(errors.length);
        out.writeInt(next);
        out.writeInt(size);
        out.writeLong(total);
        for (int i = 0; i < size; i++) {
            out.writeFloat(errors[i]);
        }
    }

    public static WindowedRegressionMetrics readFrom(DataInput in) throws IOException {
        WindowedRegressionMetrics m = new WindowedRegressionMetrics(in.readInt());
        m.next = in.readInt();
        m.size = in.readInt();
        m.total = in.readLong();
        for (int i = 0; i < m.size; i++) {
            m.errors[i] = in.readFloat();
        }
        return m;
    }
}
