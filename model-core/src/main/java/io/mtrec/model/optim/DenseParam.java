package io.mtrec.model.optim;

import java.util.Arrays;

/**
 * A dense parameter array with its gradient, optimizer slots and the count of steps applied to it,
 * updated as a whole each step.
 */
public final class DenseParam {
    private final String name;
    private final float[] values;
    private final float[] grads;
    private final float[] slots;
    private long steps;

    public DenseParam(String name, int size, Optimizer optimizer) {
        this.name = name;
        this.values = new float[size];
        this.grads = new float[size];
        this.slots = new float[size * optimizer.slotsPerValue()];
        Arrays.fill(slots, optimizer.initialSlotValue());
    }

    public String name() {
        return name;
    }

    public int size() {
        return values.length;
    }

    public float[] values() {
        return values;
    }

    public float[] grads() {
        return grads;
    }

    public float[] slots() {
        return slots;
    }

    /** Optimizer steps applied so far (Adam's bias correction reads it). */
    public long steps() {
        return steps;
    }

    public void zeroGrads() {
        Arrays.fill(grads, 0f);
    }

    public double gradSumOfSquares() {
        double sum = 0;
        for (float g : grads) {
            sum += (double) g * g;
        }
        return sum;
    }

    /** Applies one optimizer step with the gradient scaled by {@code scale}. */
    public void step(Optimizer optimizer, float scale) {
        steps++;
        optimizer.update(values, 0, grads, 0, slots, 0, values.length, scale, steps);
    }

    /**
     * Replaces values, slots and the step count, as a snapshot restore does; lengths must match.
     */
    public void restore(float[] newValues, float[] newSlots, long newSteps) {
        if (newSteps < 0) {
            throw new IllegalArgumentException(name + ": step count must be >= 0, got " + newSteps);
        }
        if (newValues.length != values.length || newSlots.length != slots.length) {
            throw new IllegalArgumentException(
                    name
                            + ": expected "
                            + values.length
                            + " values and "
                            + slots.length
                            + " slots, found "
                            + newValues.length
                            + " and "
                            + newSlots.length);
        }
        System.arraycopy(newValues, 0, values, 0, values.length);
        System.arraycopy(newSlots, 0, slots, 0, slots.length);
        steps = newSteps;
    }
}
