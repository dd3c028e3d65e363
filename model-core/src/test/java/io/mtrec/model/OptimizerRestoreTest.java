package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.config.OptimizerKind;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A learner snapshotted mid-stream and restored continues bit-identically for every optimizer: its
 * slots (Adagrad's accumulators, Adam's moments) and step counts (Adam's dense and per-row bias
 * corrections) come back exactly, and so does the popularity sampler.
 */
class OptimizerRestoreTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(OptimizerKind.class)
    void restoredLearnerContinuesBitIdenticallyToTheSavedOne(OptimizerKind optimizer) {
        ModelConfig config =
                ModelConfig.builder()
                        .embeddingDim(8)
                        .bottomHidden(16)
                        .metricsWindow(2_000)
                        .conversionWindowMs(5_000)
                        .optimizer(optimizer)
                        .learningRate(optimizer == OptimizerKind.ADAM ? 0.01 : 0.1)
                        .negativesPerPositive(2)
                        .negativesSampler(NegativeSamplerKind.POPULARITY)
                        .build();
        PlantedWorld world = new PlantedWorld(40, 30, 2, 17L, 0.2);
        List<List<Interaction>> batches = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batches.add(world.nextBatch(64));
        }
        MultiTaskLearner live = new MultiTaskLearner(config);
        for (int i = 0; i < 15; i++) {
            live.learn(batches.get(i));
        }
        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(live.toSnapshotBytes());
        for (int i = 15; i < 30; i++) {
            assertThat(restored.learn(batches.get(i))).isEqualTo(live.learn(batches.get(i)));
        }
        assertThat(restored.version()).isEqualTo(30);
        assertThat(restored.toSnapshotBytes()).isEqualTo(live.toSnapshotBytes());
    }
}
