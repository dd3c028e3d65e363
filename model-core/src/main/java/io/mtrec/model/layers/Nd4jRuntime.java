package io.mtrec.model.layers;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Pins ND4J and its OpenBLAS to one thread.
 *
 * <p>One model trains on one core: parallelism comes from Flink subtasks, and a single-threaded
 * GEMM sums in a fixed order, so the same input and seed give bit-identical parameters. In ND4J
 * 1.0.0-M2.1 the system property {@code org.bytedeco.openblas.nthreads} has no effect (measured:
 * OpenBLAS still reports two threads on a two-core machine); {@code OMP_NUM_THREADS=1} in the
 * environment works, and so does {@code Nd4j.factory().blas().setMaxThreads(1)}, which is what this
 * class calls. The setting is process-wide, which is what a task manager running several models in
 * several slots wants too.
 */
public final class Nd4jRuntime {
    private static volatile boolean configured;

    private Nd4jRuntime() {}

    /** Sets OpenBLAS and libnd4j to one thread; idempotent and cheap after the first call. */
    public static void useSingleThread() {
        if (configured) {
            return;
        }
        synchronized (Nd4jRuntime.class) {
            if (!configured) {
                Nd4j.factory().blas().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxMasterThreads(1);
                configured = true;
            }
        }
    }

    /** Threads OpenBLAS uses now. */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}
