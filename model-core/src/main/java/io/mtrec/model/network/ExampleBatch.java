package io.mtrec.model.network;

import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;

import java.util.Arrays;

/**
 * Training examples of one mini-batch in parallel arrays: user row, item row, whether the example
 * is real (observed) or a sampled negative, and the losses it carries, as a bitmask of {@link
 * Objective}s with a label and a loss weight per objective. Reused across batches.
 *
 * <p>Most examples carry one loss. An ESMM impression carries two, click and CTCVR, on one forward
 * pass. The first objective added is the example's primary one: it names the example's {@link
 * #task}, and its label and weight are {@link #label(int)} and {@link #weight(int)}.
 *
 * <p>An example may carry a training logit offset, added to its click logit in training only (in
 * the click loss and in pCTR of its CTCVR loss): a sampled negative carries {@code -log(N Q(j))},
 * the logQ correction of a non-uniform sampler; every other example carries 0.
 */
public final class ExampleBatch {
    private static final int OBJECTIVES = Objective.values().length;

    private byte[] primary = new byte[256];
    private byte[] masks = new byte[256];
    private int[] userRows = new int[256];
    private int[] itemRows = new int[256];
    private float[] labels = new float[256 * OBJECTIVES];
    private float[] weights = new float[256 * OBJECTIVES];
    private float[] logitOffsets = new float[256];
    private boolean[] real = new boolean[256];
    private int size;

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    /**
     * Appends a single-loss example of {@code task} ({@link Objective#of}: purchase in click
     * space); {@code weight} is its full loss weight (task and sampling weights). Returns its
     * index.
     */
    public int add(Task task, int userRow, int itemRow, float label, float weight, boolean isReal) {
        return add(Objective.of(task), userRow, itemRow, label, weight, isReal);
    }

    /**
     * As {@link #add(Task, int, int, float, float, boolean)}, with a training logit offset (see the
     * class note).
     */
    public int add(
            Task task,
            int userRow,
            int itemRow,
            float label,
            float weight,
            float logitOffset,
            boolean isReal) {
        int i = add(Objective.of(task), userRow, itemRow, label, weight, isReal);
        logitOffsets[i] = logitOffset;
        return i;
    }

    /** Appends an example whose primary loss is {@code objective}; returns its index. */
    public int add(
            Objective objective,
            int userRow,
            int itemRow,
            float label,
            float weight,
            boolean isReal) {
        if (size == primary.length) {
            int capacity = size * 2;
            primary = Arrays.copyOf(primary, capacity);
            masks = Arrays.copyOf(masks, capacity);
            userRows = Arrays.copyOf(userRows, capacity);
            itemRows = Arrays.copyOf(itemRows, capacity);
            labels = Arrays.copyOf(labels, capacity * OBJECTIVES);
            weights = Arrays.copyOf(weights, capacity * OBJECTIVES);
            logitOffsets = Arrays.copyOf(logitOffsets, capacity);
            real = Arrays.copyOf(real, capacity);
        }
        int i = size++;
        primary[i] = (byte) objective.ordinal();
        masks[i] = 0;
        userRows[i] = userRow;
        itemRows[i] = itemRow;
        real[i] = isReal;
        logitOffsets[i] = 0f;
        addLoss(i, objective, label, weight);
        return i;
    }

    /**
     * Adds a further loss to example {@code i}, on the same forward pass.
     *
     * @throws IllegalArgumentException if the example already carries {@code objective}
     */
    public void addLoss(int i, Objective objective, float label, float weight) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("example " + i + " of " + size);
        }
        if (has(i, objective)) {
            throw new IllegalArgumentException(
                    "example " + i + " already carries the " + objective + " loss");
        }
        masks[i] |= (byte) objective.bit();
        labels[i * OBJECTIVES + objective.ordinal()] = label;
        weights[i * OBJECTIVES + objective.ordinal()] = weight;
    }

    /** The task of the example's primary loss. */
    public Task task(int i) {
        return Objective.ofIndex(primary[i]).task();
    }

    /** The example's losses, a bitmask of {@link Objective#bit()}s. */
    int lossMask(int i) {
        return masks[i];
    }

    public boolean has(int i, Objective objective) {
        return (masks[i] & objective.bit()) != 0;
    }

    public int userRow(int i) {
        return userRows[i];
    }

    public int itemRow(int i) {
        return itemRows[i];
    }

    /** Label of the primary loss. */
    public float label(int i) {
        return labels[i * OBJECTIVES + primary[i]];
    }

    /** Weight of the primary loss. */
    public float weight(int i) {
        return weights[i * OBJECTIVES + primary[i]];
    }

    /** Label of {@code objective}'s loss; meaningful only if the example carries it. */
    public float label(int i, Objective objective) {
        return labels[i * OBJECTIVES + objective.ordinal()];
    }

    /** Weight of {@code objective}'s loss; meaningful only if the example carries it. */
    public float weight(int i, Objective objective) {
        return weights[i * OBJECTIVES + objective.ordinal()];
    }

    /** Added to example {@code i}'s click logit in training (0 unless a corrected negative). */
    public float logitOffset(int i) {
        return logitOffsets[i];
    }

    public boolean isReal(int i) {
        return real[i];
    }
}
