package io.mtrec.model.bench;

import io.mtrec.model.sampling.PopularityNegativeSampler;

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

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of one rebuild of the popularity sampler's alias table (a click, then {@link
 * PopularityNegativeSampler#endBatch} with rebuild fraction 0, so every call rebuilds), over item
 * catalogs with Zipf(1) click counts. It decides how often the learner can afford to rebuild.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AliasRebuildBenchmark {
    /** Items in the table. */
    @Param({"20000", "200000"})
    public int items;

    private PopularityNegativeSampler sampler;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        sampler = new PopularityNegativeSampler(1L, 0.75, 1.0, 0.0);
        for (int i = 0; i < items; i++) {
            long clicks = 1_000_000L / (i + 1);
            for (long c = 0; c < Math.min(clicks, 50); c++) {
                sampler.observeClick(i);
            }
        }
        sampler.endBatch(items);
    }

    @Benchmark
    public int rebuild() {
        next = (next + 7919) % items;
        sampler.observeClick(next);
        sampler.endBatch(items);
        return sampler.builtItems();
    }
}
