package io.mtrec.model.layers;

import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * The parameters of a multi-gate mixture of experts over an input of width {@code in}: {@code E}
 * ReLU experts of width {@code X} and one softmax gate over the experts per task.
 *
 * <ul>
 *   <li>expert weight {@code in x (E X)}, row-major, expert {@code e} in columns {@code [e X, (e +
 *       1) X)}; expert bias {@code E X};
 *   <li>gate weight {@code in x (T E)}, task {@code t}'s logits in columns {@code [t E, (t + 1)
 *       E)}; gate bias {@code T E}.
 * </ul>
 *
 * The Java arrays are the master copy the optimizer updates. {@link #weightArray()} is one ND4J
 * matrix {@code [experts | gates]} of {@code in x (E X + T E)}, so a single GEMM computes every
 * expert's pre-activation and every task's gate logits; {@link #syncWeight()} refreshes it after
 * every change.
 */
public final class MmoeParams {
    private final int in;
    private final int experts;
    private final int expertWidth;
    private final int tasks;
    private final DenseParam expertWeight;
    private final DenseParam expertBias;
    private final DenseParam gateWeight;
    private final DenseParam gateBias;
    private final INDArray weightArray;
    private final FloatPointer weightPointer;
    private final float[] staging;

    public MmoeParams(int in, int experts, int expertWidth, int tasks, Optimizer optimizer) {
        if (in < 1 || experts < 1 || expertWidth < 1 || tasks < 1) {
            throw new IllegalArgumentException(
                    "MMoE sizes must be positive, got in="
                            + in
                            + ", experts="
                            + experts
                            + ", expert width="
                            + expertWidth
                            + ", tasks="
                            + tasks);
        }
        this.in = in;
        this.experts = experts;
        this.expertWidth = expertWidth;
        this.tasks = tasks;
        this.expertWeight =
                new DenseParam("mmoe.experts.weight", in * experts * expertWidth, optimizer);
        this.expertBias = new DenseParam("mmoe.experts.bias", experts * expertWidth, optimizer);
        this.gateWeight = new DenseParam("mmoe.gates.weight", in * tasks * experts, optimizer);
        this.gateBias = new DenseParam("mmoe.gates.bias", tasks * experts, optimizer);
        this.weightArray = Nd4j.create(DataType.FLOAT, in, columns());
        this.weightPointer = (FloatPointer) weightArray.data().addressPointer();
        this.staging = new float[in * columns()];
    }

    /**
     * He-normal expert weights (std {@code sqrt(2 / in)}, for ReLU), gate weights with std {@code
     * sqrt(1 / in)}, zero biases. The gate weights are random rather than zero so the tasks' gates
     * differ from the first step: with equal gates every task would start reading the same mixture
     * and only drift apart through its head's gradient.
     */
    public void initialise(SplitMix64 expertRng, SplitMix64 gateRng) {
        double expertStd = Math.sqrt(2.0 / in);
        float[] we = expertWeight.values();
        for (int i = 0; i < we.length; i++) {
            we[i] = (float) (expertStd * expertRng.nextGaussian());
        }
        double gateStd = Math.sqrt(1.0 / in);
        float[] wg = gateWeight.values();
        for (int i = 0; i < wg.length; i++) {
            wg[i] = (float) (gateStd * gateRng.nextGaussian());
        }
        Arrays.fill(expertBias.values(), 0f);
        Arrays.fill(gateBias.values(), 0f);
        syncWeight();
    }

    public int in() {
        return in;
    }

    public int experts() {
        return experts;
    }

    public int expertWidth() {
        return expertWidth;
    }

    public int tasks() {
        return tasks;
    }

    /** Width of one row of {@link #weightArray()}: {@code E X + T E}. */
    public int columns() {
        return experts * expertWidth + tasks * experts;
    }

    public DenseParam expertWeight() {
        return expertWeight;
    }

    public DenseParam expertBias() {
        return expertBias;
    }

    public DenseParam gateWeight() {
        return gateWeight;
    }

    public DenseParam gateBias() {
        return gateBias;
    }

    /** Expert weight, expert bias, gate weight, gate bias: the order snapshots store them in. */
    public List<DenseParam> params() {
        return List.of(expertWeight, expertBias, gateWeight, gateBias);
    }

    /** {@code [expert weight | gate weight]} as one {@code in x columns()} ND4J array. */
    public INDArray weightArray() {
        return weightArray;
    }

    /** Copies the Java weights into the ND4J array; call after every step or restore. */
    public void syncWeight() {
        int ex = experts * expertWidth;
        int te = tasks * experts;
        int width = columns();
        float[] we = expertWeight.values();
        float[] wg = gateWeight.values();
        for (int k = 0; k < in; k++) {
            System.arraycopy(we, k * ex, staging, k * width, ex);
            System.arraycopy(wg, k * te, staging, k * width + ex, te);
        }
        weightPointer.put(staging, 0, staging.length);
    }
}
