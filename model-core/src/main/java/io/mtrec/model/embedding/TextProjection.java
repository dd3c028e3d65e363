package io.mtrec.model.embedding;

import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * The learned projection {@code P} (d x m) of an item's text embedding {@code t} (length m) into
 * its vector: {@code v = row + P t}. An item without a profile has {@code t = 0}, so its vector is
 * its row.
 *
 * <p>{@code P} starts at zero, so a model that has not learned from text behaves exactly like one
 * without it, and the first steps move {@code P} only where the item gradients agree across items.
 * Training projects one item at a time in plain Java (a batch touches a few hundred items, and a d
 * x m loop per item beats an ND4J call per batch at these sizes); scoring whole chunks of the table
 * uses one GEMM per chunk.
 */
public final class TextProjection {
    private static final int MIN_ROWS = 32;

    private final int dim;
    private final int textDim;
    private final DenseParam weight;
    private final INDArray weightArray;
    private final Map<Integer, INDArray[]> buffersByRows = new HashMap<>();
    private float[] projected = new float[0];

    public TextProjection(int dim, int textDim, Optimizer optimizer) {
        this.dim = dim;
        this.textDim = textDim;
        this.weight = new DenseParam("item.text.projection", dim * textDim, optimizer);
        this.weightArray = Nd4j.create(DataType.FLOAT, dim, textDim);
    }

    /** The parameter {@code P}, row-major d x m: {@code P[j][k]} at {@code j * m + k}. */
    public DenseParam weight() {
        return weight;
    }

    public int textDim() {
        return textDim;
    }

    /** Adds {@code P t} to {@code out[off..off+d)}, with {@code t = text[tOff..tOff+m)}. */
    public void addProjection(float[] text, int tOff, float[] out, int off) {
        float[] p = weight.values();
        for (int j = 0; j < dim; j++) {
            float s = 0f;
            int pOff = j * textDim;
            for (int k = 0; k < textDim; k++) {
                s += p[pOff + k] * text[tOff + k];
            }
            out[off + j] += s;
        }
    }

    /** Adds the outer product {@code dv ⊗ t} to the gradient of {@code P}. */
    public void accumulateGradient(float[] dv, int dvOff, float[] text, int tOff) {
        float[] g = weight.grads();
        for (int j = 0; j < dim; j++) {
            float a = dv[dvOff + j];
            int pOff = j * textDim;
            for (int k = 0; k < textDim; k++) {
                g[pOff + k] += a * text[tOff + k];
            }
        }
    }

    /**
     * Writes the vectors {@code row + P t} of the {@code n} consecutive table rows from {@code
     * start} into {@code out[outOff..outOff+n*d)}: one GEMM {@code T P^T} over the chunk's text
     * embeddings.
     */
    public void itemVectors(EmbeddingTable items, int start, int n, float[] out, int outOff) {
        if (n == 0) {
            return;
        }
        int rows = Math.max(MIN_ROWS, Integer.highestOneBit(n - 1) << 1);
        INDArray[] buffers =
                buffersByRows.computeIfAbsent(
                        rows,
                        r ->
                                new INDArray[] {
                                    Nd4j.create(DataType.FLOAT, r, textDim),
                                    Nd4j.create(DataType.FLOAT, r, dim)
                                });
        pointer(weightArray).put(weight.values(), 0, dim * textDim);
        // GEMM rows are independent: stale padding rows never reach the first n outputs.
        pointer(buffers[0]).put(items.features(), start * textDim, n * textDim);
        Nd4j.gemm(buffers[0], weightArray, buffers[1], false, true, 1.0, 0.0);
        if (projected.length < rows * dim) {
            projected = new float[rows * dim];
        }
        pointer(buffers[1]).get(projected, 0, n * dim);
        float[] values = items.values();
        int off = start * dim;
        for (int i = 0, len = n * dim; i < len; i++) {
            out[outOff + i] = values[off + i] + projected[i];
        }
    }

    private static FloatPointer pointer(INDArray array) {
        return (FloatPointer) array.data().addressPointer();
    }
}
