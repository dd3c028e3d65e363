package io.mtrec.model.optim;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;

/**
 * An update rule. The optimizer object is configuration only (learning rate, epsilon); all state
 * lives in slot arrays owned by the parameters, next to the values they belong to.
 *
 * <p>Lifecycle: <b>init</b> — the owner allocates {@link #slotsPerValue()} slots per value, set to
 * {@link #initialSlotValue()}, and a step counter at 0; <b>step</b> — the owner increments its
 * counter and calls {@link #update} with it, which changes values and slots in place;
 * <b>snapshot</b> — the owner writes values, slots and counter; <b>restore</b> — the owner reads
 * them back and the next {@link #update} continues exactly where the saved one stopped. Embedding
 * tables call {@link #update} once per touched row (sparse) with that row's own counter, which they
 * keep only when {@link #usesStepCount()}; dense parameters call it once for the whole array with
 * the count of steps applied to it.
 */
public interface Optimizer {

    OptimizerKind kind();

    /** Slots of state kept per parameter value (0 for SGD, 1 for Adagrad's accumulator). */
    int slotsPerValue();

    /** Value a fresh slot starts at. */
    float initialSlotValue();

    /**
     * Whether {@link #update} reads its {@code step} argument; when false, owners need not count
     * steps per embedding row (SGD and Adagrad do not).
     */
    boolean usesStepCount();

    /**
     * Applies one step to {@code values[vOff..vOff+n)} with gradient {@code scale *
     * grads[gOff..gOff+n)}, reading and updating {@code slots} from {@code sOff}. {@code step} is
     * the 1-based number of this update of these values (1 the first time).
     */
    void update(
            float[] values,
            int vOff,
            float[] grads,
            int gOff,
            float[] slots,
            int sOff,
            int n,
            float scale,
            long step);

    /** The optimizer a configuration asks for. */
    static Optimizer fromConfig(ModelConfig config) {
        return switch (config.optimizer()) {
            case SGD -> new Sgd((float) config.learningRate());
            case ADAGRAD ->
                    new Adagrad(
                            (float) config.learningRate(),
                            (float) config.adagradEpsilon(),
                            (float) config.adagradInitialAccumulator());
            case ADAM ->
                    new Adam(
                            (float) config.learningRate(),
                            config.adamBeta1(),
                            config.adamBeta2(),
                            (float) config.adamEpsilon());
        };
    }
}
