package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.NegativeSamplerKind;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Item rows made between batches (by a profile) are covered by the popularity sampler's state. */
class ItemsCreatedOutsideBatchesTest {

    @Test
    void aLearnerWithAProfileOnlyItemRoundTripsThroughASnapshot() {
        MultiTaskLearner learner =
                new MultiTaskLearner(
                        ModelConfig.builder()
                                .embeddingDim(8)
                                .itemTextDim(2)
                                .negativesSampler(NegativeSamplerKind.POPULARITY)
                                .build());
        learner.learn(List.of(Interaction.click("e1", "ann", "lamp", 1_000)));

        learner.updateItemProfile("never-seen", new float[] {0.5f, -1f});
        byte[] bytes = learner.toSnapshotBytes();

        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(bytes);
        assertThat(restored.itemTextEmbedding("never-seen")).containsExactly(0.5f, -1f);
        assertThat(restored.toSnapshotBytes()).isEqualTo(bytes);
    }
}
