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
 * The multi-gate mixture-of-experts pass over a batch of rows {@code h}, with preallocated buffers:
 *
 * <pre>
 *   a_e = relu(h W_e + c_e)                        e = 1..E, width X each
 *   g_t = softmax(h G_t + b_t)                     t = 1..T, over the E experts
 *   m_t = sum_e g_te a_e                           what task t's head reads
 * </pre>
 *
 * <p>Forward is one GEMM {@code h [W_1 .. W_E | G_1 .. G_T]} through {@code Nd4j.gemm} into a
 * preallocated array; backward is two (weight gradient {@code h^T dZ}, input gradient {@code dZ [W
 * | G]^T}). Bias, ReLU, softmax, the mixtures and their gradients are plain Java loops over rows,
 * for the reason {@link SharedBottom} gives. Batches are padded with zero rows to a multiple of
 * {@value SharedBottom#ROW_BUCKET}, so GEMM views are built once per bucket.
 *
 * <p>Several instances may share one {@link MmoeParams} (training and scoring keep separate
 * buffers). Not thread-safe: the buffers are reused by every call.
 */
public final class MixtureOfExperts {
    private final MmoeParams params;
    private final int in;
    private final int experts;
    private final int width;
    private final int tasks;
    private final int expertColumns;
    private final int columns;
    private final Map<Integer, INDArray[]> viewsByRows = new HashMap<>();
    private final float[] weightGradScratch;
    private final INDArray dWeightArray;
    private final FloatPointer dWeightPointer;
    private int capacity;
    private INDArray inArray;
    private INDArray outArray;
    private INDArray dOutArray;
    private INDArray dInArray;
    private FloatPointer inPointer;
    private FloatPointer outPointer;
    private FloatPointer dOutPointer;
    private FloatPointer dInPointer;

    private float[] input;

    /** Per row: expert pre-activations (E X), then gate logits (T E), biases added. */
    private float[] pre;

    private float[] activations;
    private float[] gates;
    private float[][] mixed;
    private float[][] dMixed;
    private float[] dPre;

    public MixtureOfExperts(MmoeParams params) {
        this.params = params;
        this.in = params.in();
        this.experts = params.experts();
        this.width = params.expertWidth();
        this.tasks = params.tasks();
        this.expertColumns = experts * width;
        this.columns = params.columns();
        this.weightGradScratch = new float[in * columns];
        this.dWeightArray = Nd4j.create(DataType.FLOAT, in, columns);
        this.dWeightPointer = pointer(dWeightArray);
        allocate(SharedBottom.ROW_BUCKET * 4);
    }

    public MmoeParams params() {
        return params;
    }

    /**
     * Runs the experts and gates over the first {@code n} rows of {@code h} (row i at {@code i *
     * in}) and clears the first {@code n} rows of every {@link #taskInputGradient}.
     */
    public void forward(float[] h, int n) {
        ensureCapacity(n);
        int rows = bucket(n);
        INDArray[] views = views(rows);
        System.arraycopy(h, 0, input, 0, n * in);
        Arrays.fill(input, n * in, rows * in, 0f);
        inPointer.put(input, 0, rows * in);
        Nd4j.gemm(views[0], params.weightArray(), views[1], false, false, 1.0, 0.0);
        outPointer.get(pre, 0, n * columns);
        float[] expertBias = params.expertBias().values();
        float[] gateBias = params.gateBias().values();
        for (int i = 0; i < n; i++) {
            int p = i * columns;
            int a = i * expertColumns;
            for (int k = 0; k < expertColumns; k++) {
                float z = pre[p + k] + expertBias[k];
                pre[p + k] = z;
                activations[a + k] = Math.max(z, 0f);
            }
            for (int t = 0; t < tasks; t++) {
                int logits = p + expertColumns + t * experts;
                int g = (i * tasks + t) * experts;
                float max = Float.NEGATIVE_INFINITY;
                for (int e = 0; e < experts; e++) {
                    float z = pre[logits + e] + gateBias[t * experts + e];
                    pre[logits + e] = z;
                    max = Math.max(max, z);
                }
                // Shifting by the largest logit keeps exp() finite; the softmax is unchanged.
                float sum = 0f;
                for (int e = 0; e < experts; e++) {
                    float w = (float) Math.exp(pre[logits + e] - max);
                    gates[g + e] = w;
                    sum += w;
                }
                float inverse = 1f / sum;
                for (int e = 0; e < experts; e++) {
                    gates[g + e] *= inverse;
                }
                float[] m = mixed[t];
                int mOff = i * width;
                float g0 = gates[g];
                for (int j = 0; j < width; j++) {
                    m[mOff + j] = g0 * activations[a + j];
                }
                for (int e = 1; e < experts; e++) {
                    float ge = gates[g + e];
                    int aOff = a + e * width;
                    for (int j = 0; j < width; j++) {
                        m[mOff + j] += ge * activations[aOff + j];
                    }
                }
            }
        }
        for (float[] d : dMixed) {
            Arrays.fill(d, 0, n * width, 0f);
        }
    }

    /** Task {@code t}'s mixtures of the last {@link #forward}: row i at {@code i * width}. */
    public float[] taskInput(int t) {
        return mixed[t];
    }

    /**
     * The buffer for the loss gradient with respect to {@link #taskInput}(t), cleared by {@link
     * #forward}; heads add or write their rows, then call {@link #backward}.
     */
    public float[] taskInputGradient(int t) {
        return dMixed[t];
    }

    /** Gate weight of expert {@code e} in task {@code t}'s mixture for row {@code i}. */
    public float gate(int i, int t, int e) {
        return gates[(i * tasks + t) * experts + e];
    }

    /**
     * Backpropagates the task input gradients after {@link #forward}(h, n): adds the expert and
     * gate weight and bias gradients into their params and writes the gradient with respect to the
     * first {@code n} rows of {@code h} into {@code dh} (overwriting them).
     */
    public void backward(int n, float[] dh) {
        int rows = bucket(n);
        INDArray[] views = views(rows);
        float[] expertBiasGrads = params.expertBias().grads();
        float[] gateBiasGrads = params.gateBias().grads();
        for (int i = 0; i < n; i++) {
            int p = i * columns;
            int a = i * expertColumns;
            int mOff = i * width;
            // d a_e = sum_t g_te d m_t, accumulated in the experts' part of the dPre row.
            Arrays.fill(dPre, p, p + expertColumns, 0f);
            for (int t = 0; t < tasks; t++) {
                float[] dm = dMixed[t];
                int g = (i * tasks + t) * experts;
                int logits = p + expertColumns + t * experts;
                if (isZero(dm, mOff, width)) {
                    // Most rows feed one task's loss: the other tasks' work would add zeros.
                    Arrays.fill(dPre, logits, logits + experts, 0f);
                    continue;
                }
                float weighted = 0f;
                for (int e = 0; e < experts; e++) {
                    float ge = gates[g + e];
                    int aOff = a + e * width;
                    int dOff = p + e * width;
                    float dGate = 0f;
                    for (int j = 0; j < width; j++) {
                        float d = dm[mOff + j];
                        dGate += d * activations[aOff + j];
                        dPre[dOff + j] += ge * d;
                    }
                    dPre[logits + e] = dGate;
                    weighted += ge * dGate;
                }
                // Softmax backward: d logit_e = g_e (d g_e - sum_k g_k d g_k).
                for (int e = 0; e < experts; e++) {
                    float dLogit = gates[g + e] * (dPre[logits + e] - weighted);
                    dPre[logits + e] = dLogit;
                    gateBiasGrads[t * experts + e] += dLogit;
                }
            }
            for (int k = 0; k < expertColumns; k++) {
                float d = SharedBottom.reluGradient(pre[p + k], dPre[p + k]);
                dPre[p + k] = d;
                expertBiasGrads[k] += d;
            }
        }
        Arrays.fill(dPre, n * columns, rows * columns, 0f);
        dOutPointer.put(dPre, 0, rows * columns);
        Nd4j.gemm(views[0], views[2], dWeightArray, true, false, 1.0, 0.0);
        dWeightPointer.get(weightGradScratch, 0, in * columns);
        float[] expertWeightGrads = params.expertWeight().grads();
        float[] gateWeightGrads = params.gateWeight().grads();
        int gateColumns = columns - expertColumns;
        for (int k = 0; k < in; k++) {
            int src = k * columns;
            int e = k * expertColumns;
            for (int j = 0; j < expertColumns; j++) {
                expertWeightGrads[e + j] += weightGradScratch[src + j];
            }
            int g = k * gateColumns;
            for (int j = 0; j < gateColumns; j++) {
                gateWeightGrads[g + j] += weightGradScratch[src + expertColumns + j];
            }
        }
        Nd4j.gemm(views[2], params.weightArray(), views[3], false, true, 1.0, 0.0);
        dInPointer.get(dh, 0, n * in);
    }

    private static boolean isZero(float[] values, int off, int len) {
        for (int j = 0; j < len; j++) {
            if (values[off + j] != 0f) {
                return false;
            }
        }
        return true;
    }

    private static int bucket(int n) {
        int b = SharedBottom.ROW_BUCKET;
        return Math.max(b, (n + b - 1) / b * b);
    }

    private void ensureCapacity(int rows) {
        if (bucket(rows) > capacity) {
            allocate(Math.max(bucket(rows), capacity * 2));
        }
    }

    private void allocate(int rows) {
        capacity = rows;
        inArray = Nd4j.create(DataType.FLOAT, rows, in);
        outArray = Nd4j.create(DataType.FLOAT, rows, columns);
        dOutArray = Nd4j.create(DataType.FLOAT, rows, columns);
        dInArray = Nd4j.create(DataType.FLOAT, rows, in);
        inPointer = pointer(inArray);
        outPointer = pointer(outArray);
        dOutPointer = pointer(dOutArray);
        dInPointer = pointer(dInArray);
        input = new float[rows * in];
        pre = new float[rows * columns];
        activations = new float[rows * expertColumns];
        gates = new float[rows * tasks * experts];
        mixed = new float[tasks][rows * width];
        dMixed = new float[tasks][rows * width];
        dPre = new float[rows * columns];
        viewsByRows.clear();
    }

    private INDArray[] views(int rows) {
        return viewsByRows.computeIfAbsent(rows, this::createViews);
    }

    private INDArray[] createViews(int rows) {
        return new INDArray[] {
            firstRows(inArray, rows),
            firstRows(outArray, rows),
            firstRows(dOutArray, rows),
            firstRows(dInArray, rows)
        };
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
