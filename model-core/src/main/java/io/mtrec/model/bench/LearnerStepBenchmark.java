package io.mtrec.model.bench;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.Architecture;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of one training step, {@link io.mtrec.model.MultiTaskLearner#learn}, on one thread
 * (the learner and its ND4J calls are single-threaded, so the figures are per core).
 *
 * <p>The primary score is steps (batches) per second; the {@code events} and {@code examples}
 * secondary scores are interactions and training examples (including sampled negatives) per second.
 * Batches come from {@link LearnerStepFixture}: generated before timing, and time-shifted copies
 * built in an invocation-level setup, which JMH keeps out of the timing; that is sound here because
 * one step takes milliseconds, far above the timestamp overhead. {@code architecture} runs every
 * point with plain task towers over the shared bottom and with MMoE (default experts and width).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LearnerStepBenchmark {
    /** Interactions per {@code learn} call. */
    @Param({"256", "1024", "4096"})
    public int batch;

    /** Embedding width d. */
    @Param({"32", "64"})
    public int dim;

    /** Sampled click negatives per positive, k. */
    @Param({"4"})
    public int negatives;

    /** What the heads read: {@code shared-bottom} or {@code mmoe} (config names). */
    @Param({"shared-bottom", "mmoe"})
    public String architecture = "shared-bottom";

    private LearnerStepFixture fixture;
    private List<Interaction> next;

    @Setup(Level.Trial)
    public void setUp() {
        fixture =
                LearnerStepFixture.create(
                        batch,
                        LearnerStepFixture.modelConfig(
                                dim, negatives, Architecture.fromConfigName(architecture)));
    }

    @Setup(Level.Invocation)
    public void nextBatch() {
        next = fixture.nextBatch();
    }

    /** The benchmarked learner, for checks outside JMH. */
    public MultiTaskLearner learner() {
        return fixture.learner();
    }

    @Benchmark
    public BatchResult learn(Counters counters) {
        BatchResult result = fixture.step(next);
        counters.events += result.events();
        counters.examples += result.examples() + result.sampledNegatives();
        return result;
    }

    /** Work done per step, reported by JMH as rates next to the step rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        /** Interactions learned. */
        public long events;

        /** Training examples, sampled negatives and expired-click purchase negatives included. */
        public long examples;

        @Setup(Level.Iteration)
        public void reset() {
            events = 0;
            examples = 0;
        }
    }
}
