package io.mtrec.model.layers;

import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.SplitMix64;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fully connected layer {@code y = x W + b}: weight {@code in x out} (row-major), bias {@code
 * out}. The Java arrays are the master copy the optimizer updates; {@link #weightArray()} is an
 * ND4J copy of the weight for GEMMs, refreshed by {@link #syncWeight()} after every change.
 */
public final class DenseLayer {
    private final int in;
    private final int out;
    private final DenseParam weight;
    private final DenseParam bias;
    private final INDArray weightArray;
    private final FloatPointer weightPointer;

    public DenseLayer(String name, int in, int out, Optimizer optimizer) {
        this.in = in;
        this.out = out;
        this.weight = new DenseParam(name + ".weight", in * out, optimizer);
        this.bias = new DenseParam(name + ".bias", out, optimizer);
        this.weightArray = Nd4j.create(DataType.FLOAT, in, out);
        this.weightPointer = (FloatPointer) weightArray.data().addressPointer();
    }

    /** He-normal weights (std {@code sqrt(2 / in)}, suited to ReLU) and zero bias. */
    public void initialise(SplitMix64 rng) {
        double std = Math.sqrt(2.0 / in);
        float[] w = weight.values();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (std * rng.nextGaussian());
        }
        java.util.Arrays.fill(bias.values(), 0f);
        syncWeight();
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public DenseParam weight() {
        return weight;
    }

    public DenseParam bias() {
        return bias;
    }

    /** The weight as an {@code in x out} ND4J array, equal to {@code weight().values()}. */
    public INDArray weightArray() {
        return weightArray;
    }

    /** Copies the Java weight into the ND4J array; call after every step or restore. */
    public void syncWeight() {
        weightPointer.put(weight.values(), 0, in * out);
    }
}
