package io.mtrec.model.layers;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The shared bottom: a stack of ReLU {@link DenseLayer}s, run forward and backward over a batch of
 * rows with preallocated buffers.
 *
 * <p>Per layer and batch there are three GEMMs through {@code Nd4j.gemm} into preallocated arrays
 * (forward {@code X W}, weight gradient {@code X^T dZ}, input gradient {@code dZ W^T}); bias, ReLU
 * and masks are plain Java loops, because a small ND4J op costs about 10 microseconds of overhead
 * while the loop costs a fraction of that. The loops are branch-free ({@code Math.max}, sign-bit
 * masks): a data-dependent branch on the sign of a pre-activation mispredicts about half the time,
 * and measured as the largest Java cost of scoring. Batches are padded with zero rows to a multiple
 * of {@value #ROW_BUCKET}, so the row views GEMMs need are created once per bucket and reused; zero
 * rows add exact zeros to the weight gradient.
 *
 * <p>Not thread-safe: the buffers are reused by every call.
 */
public final class SharedBottom {
    static final int ROW_BUCKET = 32;

    private final DenseLayer[] layers;
    private int capacity;
    private INDArray[] inArrays;
    private INDArray[] preArrays;
    private INDArray[] dPreArrays;
    private INDArray[] dInArrays;
    private INDArray[] dWeightArrays;
    private FloatPointer[] inPointers;
    private FloatPointer[] prePointers;
    private FloatPointer[] dPrePointers;
    private FloatPointer[] dInPointers;
    private FloatPointer[] dWeightPointers;
    private final Map<Integer, INDArray[]> viewsByRows = new HashMap<>();

    /** Java-side buffers: inputs per layer (layer l > 0 reads layer l-1's activations). */
    private float[][] inputs;

    private float[][] preActivations;
    private float[][] activations;
    private float[][] dPre;
    private float[][] dInputs;
    private float[][] weightGradScratch;

    public SharedBottom(DenseLayer[] layers) {
        for (int l = 1; l < layers.length; l++) {
            if (layers[l].in() != layers[l - 1].out()) {
                throw new IllegalArgumentException(
                        "layer "
                                + l
                                + " takes "
                                + layers[l].in()
                                + " inputs but layer "
                                + (l - 1)
                                + " gives "
                                + layers[l - 1].out());
            }
        }
        this.layers = layers.clone();
        allocate(ROW_BUCKET * 4);
    }

    public DenseLayer[] layers() {
        return layers.clone();
    }

    public int inputWidth() {
        return layers[0].in();
    }

    public int outputWidth() {
        return layers[layers.length - 1].out();
    }

    /**
     * Makes room for {@code rows} rows and returns the input buffer to fill: row i at {@code i *
     * inputWidth()}. Its contents beyond the rows a call uses are ignored.
     */
    public float[] input(int rows) {
        ensureCapacity(rows);
        return inputs[0];
    }

    /** Runs the stack over the first {@code n} input rows; returns the activations buffer. */
    public float[] forward(int n) {
        ensureCapacity(n);
        int rows = bucket(n);
        INDArray[] views = views(rows);
        for (int l = 0; l < layers.length; l++) {
            DenseLayer layer = layers[l];
            int in = layer.in();
            int out = layer.out();
            float[] x = inputs[l];
            Arrays.fill(x, n * in, rows * in, 0f);
            inPointers[l].put(x, 0, rows * in);
            Nd4j.gemm(views[5 * l], layer.weightArray(), views[5 * l + 1], false, false, 1.0, 0.0);
            float[] pre = preActivations[l];
            prePointers[l].get(pre, 0, n * out);
            float[] b = layer.bias().values();
            float[] act = activations[l];
            for (int i = 0; i < n; i++) {
                int off = i * out;
                for (int j = 0; j < out; j++) {
                    float z = pre[off + j] + b[j];
                    pre[off + j] = z;
                    act[off + j] = Math.max(z, 0f);
                }
            }
            if (l + 1 < layers.length) {
                System.arraycopy(act, 0, inputs[l + 1], 0, n * out);
            }
        }
        return activations[layers.length - 1];
    }

    /** The activations buffer of the last {@link #forward}, unchanged by {@link #backward}. */
    public float[] output() {
        return activations[layers.length - 1];
    }

    /**
     * The buffer for the loss gradient with respect to the last layer's activations ({@code n x
     * outputWidth()}); fill it, then call {@link #backward}.
     */
    public float[] outputGradient() {
        return dInputs[layers.length];
    }

    /**
     * Backpropagates {@link #outputGradient()} through the stack after {@link #forward}(n): adds
     * the weight and bias gradients into the layers' gradient arrays and returns the gradient with
     * respect to the input rows ({@code n x inputWidth()}).
     */
    public float[] backward(int n) {
        int rows = bucket(n);
        INDArray[] views = views(rows);
        for (int l = layers.length - 1; l >= 0; l--) {
            DenseLayer layer = layers[l];
            int in = layer.in();
            int out = layer.out();
            float[] dAct = dInputs[l + 1];
            float[] pre = preActivations[l];
            float[] d = dPre[l];
            float[] gb = layer.bias().grads();
            for (int i = 0; i < n; i++) {
                int off = i * out;
                for (int j = 0; j < out; j++) {
                    float g = reluGradient(pre[off + j], dAct[off + j]);
                    d[off + j] = g;
                    gb[j] += g;
                }
            }
            Arrays.fill(d, n * out, rows * out, 0f);
            dPrePointers[l].put(d, 0, rows * out);
            Nd4j.gemm(views[5 * l], views[5 * l + 2], dWeightArrays[l], true, false, 1.0, 0.0);
            float[] gw = layer.weight().grads();
            float[] dw = weightGradScratch[l];
            dWeightPointers[l].get(dw, 0, in * out);
            for (int k = 0; k < gw.length; k++) {
                gw[k] += dw[k];
            }
            Nd4j.gemm(
                    views[5 * l + 2], layer.weightArray(), views[5 * l + 3], false, true, 1.0, 0.0);
            dInPointers[l].get(dInputs[l], 0, n * in);
        }
        return dInputs[0];
    }

    /**
     * {@code pre > 0 ? upstream : 0} without a branch. ReLU inputs are positive about half the time
     * in no predictable pattern, so the branch mispredicts often; masking with the sign bits of
     * {@code pre} (all ones when its bits are a positive int, i.e. pre > 0 or NaN) does not.
     */
    static float reluGradient(float pre, float upstream) {
        int bits = Float.floatToRawIntBits(pre);
        int mask = (-bits & ~bits) >> 31;
        return Float.intBitsToFloat(Float.floatToRawIntBits(upstream) & mask);
    }

    private static int bucket(int n) {
        return Math.max(ROW_BUCKET, (n + ROW_BUCKET - 1) / ROW_BUCKET * ROW_BUCKET);
    }

    private void ensureCapacity(int rows) {
        if (bucket(rows) > capacity) {
            allocate(Math.max(bucket(rows), capacity * 2));
        }
    }

    private void allocate(int rows) {
        int count = layers.length;
        float[][] oldInputs = inputs;
        capacity = rows;
        inArrays = new INDArray[count];
        preArrays = new INDArray[count];
        dPreArrays = new INDArray[count];
        dInArrays = new INDArray[count];
        dWeightArrays = new INDArray[count];
        inPointers = new FloatPointer[count];
        prePointers = new FloatPointer[count];
        dPrePointers = new FloatPointer[count];
        dInPointers = new FloatPointer[count];
        dWeightPointers = new FloatPointer[count];
        inputs = new float[count][];
        preActivations = new float[count][];
        activations = new float[count][];
        dPre = new float[count][];
        dInputs = new float[count + 1][];
        weightGradScratch = new float[count][];
        for (int l = 0; l < count; l++) {
            int in = layers[l].in();
            int out = layers[l].out();
            inArrays[l] = Nd4j.create(DataType.FLOAT, rows, in);
            preArrays[l] = Nd4j.create(DataType.FLOAT, rows, out);
            dPreArrays[l] = Nd4j.create(DataType.FLOAT, rows, out);
            dInArrays[l] = Nd4j.create(DataType.FLOAT, rows, in);
            dWeightArrays[l] = Nd4j.create(DataType.FLOAT, in, out);
            inPointers[l] = pointer(inArrays[l]);
            prePointers[l] = pointer(preArrays[l]);
            dPrePointers[l] = pointer(dPreArrays[l]);
            dInPointers[l] = pointer(dInArrays[l]);
            dWeightPointers[l] = pointer(dWeightArrays[l]);
            inputs[l] = new float[rows * in];
            preActivations[l] = new float[rows * out];
            activations[l] = new float[rows * out];
            dPre[l] = new float[rows * out];
            dInputs[l] = new float[rows * in];
            weightGradScratch[l] = new float[in * out];
        }
        dInputs[count] = new float[rows * layers[count - 1].out()];
        if (oldInputs != null) {
            // Callers may have filled the input buffer before asking for more rows.
            System.arraycopy(oldInputs[0], 0, inputs[0], 0, oldInputs[0].length);
        }
        viewsByRows.clear();
    }

    private INDArray[] views(int rows) {
        return viewsByRows.computeIfAbsent(rows, this::createViews);
    }

    private INDArray[] createViews(int rows) {
        INDArray[] views = new INDArray[5 * layers.length];
        for (int l = 0; l < layers.length; l++) {
            views[5 * l] = firstRows(inArrays[l], rows);
            views[5 * l + 1] = firstRows(preArrays[l], rows);
            views[5 * l + 2] = firstRows(dPreArrays[l], rows);
            views[5 * l + 3] = firstRows(dInArrays[l], rows);
        }
        return views;
    }

    private static INDArray firstRows(INDArray array, int rows) {
        if (rows == array.rows()) {
            return array;
        }
        return array.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
    }

    private static FloatPointer pointer(INDArray array) {
        return (FloatPointer) array.data().addressPointer();
    }
}
