package io.mtrec.model.bench;

import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes of learner state per user row, computed from the table layout and measured on the heap.
 *
 * <p>Computed: one row is {@code d} float values, {@code d} float optimizer slots per value (one
 * for Adagrad, none for SGD) and one long last-seen time. Measured: a learner learns one impression
 * for each of {@code users} new users (all on one item); the heap in use after a full GC, before
 * the second user and after the last, divided by the users added. That covers the row arrays, the
 * id index (hash-map entry, boxed row number, id-list slot) and the id string ({@code "u" + n}),
 * i.e. everything a user adds. {@code users} should be a power of two times 16 (the table's initial
 * capacity, doubled on growth) so the arrays end full and carry no growth slack. The JVM must not
 * ignore {@code System.gc()}; the figure is heap only (ND4J buffers hold dense layers, not rows).
 */
public final class StateSizeProbe {
    private static final int BATCH = 4096;

    private StateSizeProbe() {}

    /** What one user row costs. */
    public record RowSize(int embeddingDim, int arrayBytes, double heapBytes, int users) {}

    /** Row array bytes from the layout: values, optimizer slots and the last-seen time. */
    public static int arrayBytesPerRow(ModelConfig config) {
        int slots = config.optimizer() == OptimizerKind.ADAGRAD ? 1 : 0;
        return Float.BYTES * config.embeddingDim() * (1 + slots) + Long.BYTES;
    }

    /** Measures {@code users} new user rows on a fresh learner with {@code config}. */
    public static RowSize measure(ModelConfig config, int users) {
        if (users < 2) {
            throw new IllegalArgumentException("users must be >= 2, got " + users);
        }
        MultiTaskLearner learner = new MultiTaskLearner(config);
        // A full-size batch first, so per-batch buffers are at their final size before the
        // baseline.
        List<Interaction> first = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            first.add(Interaction.impression("w" + i, "u0", "i0", i));
        }
        learner.learn(first);
        first = null;
        long before = usedHeapAfterGc();
        long time = BATCH;
        for (int start = 1; start < users; start += BATCH) {
            int end = Math.min(users, start + BATCH);
            List<Interaction> batch = new ArrayList<>(end - start);
            for (int u = start; u < end; u++) {
                batch.add(Interaction.impression("e" + u, "u" + u, "i0", time++));
            }
            learner.learn(batch);
        }
        long after = usedHeapAfterGc();
        if (learner.userCount() != users) {
            throw new IllegalStateException(
                    "expected " + users + " user rows, found " + learner.userCount());
        }
        double perRow = (after - before) / (double) (users - 1);
        return new RowSize(config.embeddingDim(), arrayBytesPerRow(config), perRow, users);
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several rounds: one GC can leave floating garbage that the next one collects.
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
