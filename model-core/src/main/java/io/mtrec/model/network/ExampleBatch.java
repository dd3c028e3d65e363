package io.mtrec.model.network;

import io.mtrec.model.tasks.Task;

import java.util.Arrays;

/**
 * Training examples of one mini-batch in parallel arrays: task, user row, item row, label, loss
 * weight, training logit offset, and whether the example is real (observed) or a sampled negative.
 * Reused across batches.
 *
 * <p>The logit offset is added to the example's own head output in training only: a sampled
 * negative carries {@code -log(N Q(j))}, the logQ correction of a non-uniform sampler; every other
 * example carries 0.
 */
public final class ExampleBatch {
    private byte[] tasks = new byte[256];
    private int[] userRows = new int[256];
    private int[] itemRows = new int[256];
    private float[] labels = new float[256];
    private float[] weights = new float[256];
    private float[] logitOffsets = new float[256];
    private boolean[] real = new boolean[256];
    private int size;

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    /** Appends an example; {@code weight} is its full loss weight (task and sampling weights). */
    public void add(
            Task task, int userRow, int itemRow, float label, float weight, boolean isReal) {
        add(task, userRow, itemRow, label, weight, 0f, isReal);
    }

    /**
     * Appends an example whose training logit is its head output plus {@code logitOffset} (see the
     * class note).
     */
    public void add(
            Task task,
            int userRow,
            int itemRow,
            float label,
            float weight,
            float logitOffset,
            boolean isReal) {
        if (size == tasks.length) {
            int capacity = size * 2;
            tasks = Arrays.copyOf(tasks, capacity);
            userRows = Arrays.copyOf(userRows, capacity);
            itemRows = Arrays.copyOf(itemRows, capacity);
            labels = Arrays.copyOf(labels, capacity);
            weights = Arrays.copyOf(weights, capacity);
            logitOffsets = Arrays.copyOf(logitOffsets, capacity);
            real = Arrays.copyOf(real, capacity);
        }
        tasks[size] = (byte) task.index();
        userRows[size] = userRow;
        itemRows[size] = itemRow;
        labels[size] = label;
        weights[size] = weight;
        logitOffsets[size] = logitOffset;
        real[size] = isReal;
        size++;
    }

    public Task task(int i) {
        return Task.ofIndex(tasks[i]);
    }

    int taskIndex(int i) {
        return tasks[i];
    }

    public int userRow(int i) {
        return userRows[i];
    }

    public int itemRow(int i) {
        return itemRows[i];
    }

    public float label(int i) {
        return labels[i];
    }

    public float weight(int i) {
        return weights[i];
    }

    /** Added to example {@code i}'s logit in training (0 unless it is a corrected negative). */
    public float logitOffset(int i) {
        return logitOffsets[i];
    }

    public boolean isReal(int i) {
        return real[i];
    }
}
