package io.mtrec.model.bench;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.config.ModelConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the benchmark's setup and steps outside JMH; no timing is asserted. */
class LearnerStepBenchmarkTest {

    @ParameterizedTest(name = "architecture={0}")
    @ValueSource(strings = {"shared-bottom", "mmoe"})
    void setupWarmsTheLearnerAndOneStepLearnsTheWholeBatch(String architecture) {
        LearnerStepBenchmark bench = new LearnerStepBenchmark();
        bench.batch = 256;
        bench.dim = 32;
        bench.negatives = 4;
        bench.architecture = architecture;
        bench.setUp();
        LearnerStepBenchmark.Counters counters = new LearnerStepBenchmark.Counters();
        counters.reset();

        bench.nextBatch();
        BatchResult result = bench.learn(counters);

        assertThat(result.applied()).isTrue();
        assertThat(result.events()).isEqualTo(256);
        assertThat(bench.learner().config().architecture().configName()).isEqualTo(architecture);
        // Warm-up was one pass over the pool; this is the first step after it.
        assertThat(result.version()).isEqualTo(LearnerStepFixture.POOL_EVENTS / 256 + 1);
        assertThat(counters.events).isEqualTo(256);
        assertThat(counters.examples)
                .isEqualTo(result.examples() + result.sampledNegatives())
                .isGreaterThanOrEqualTo(256);
    }

    @Test
    void replayedPoolMovesEventTimeForward() {
        LearnerStepFixture fixture =
                LearnerStepFixture.create(4096, LearnerStepFixture.modelConfig(32, 4));
        assertThat(fixture.learner().userCount()).isPositive();
        long clock = fixture.learner().eventClock();
        // Two passes: the second wraps around the pool and must continue after the first.
        for (int b = 0; b < 2 * fixture.poolBatches(); b++) {
            List<Interaction> batch = fixture.nextBatch();
            assertThat(batch).hasSize(4096);
            assertThat(batch.get(0).eventTime()).isGreaterThanOrEqualTo(clock);
            fixture.step(batch);
            assertThat(fixture.learner().eventClock()).isGreaterThan(clock);
            clock = fixture.learner().eventClock();
        }
    }

    @Test
    void rejectsABatchSizeThatDoesNotDivideThePool() {
        assertThatThrownBy(
                        () ->
                                LearnerStepFixture.create(
                                        1000, LearnerStepFixture.modelConfig(32, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must divide 65536, got 1000");
    }

    @Test
    void rowArraysAtDefaultsAreValuesSlotsAndLastSeen() {
        // d = 32 with Adagrad: 32 values + 32 accumulators (4 B each) + an 8 B last-seen time.
        assertThat(StateSizeProbe.arrayBytesPerRow(ModelConfig.defaults())).isEqualTo(264);
    }

    @Test
    void measuredHeapPerRowCoversAtLeastTheArrays() {
        StateSizeProbe.RowSize size = StateSizeProbe.measure(ModelConfig.defaults(), 16_384);
        assertThat(size.users()).isEqualTo(16_384);
        assertThat(size.heapBytes()).isGreaterThanOrEqualTo(size.arrayBytes());
    }
}
