package io.mtrec.model;

import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.network.ExampleBatch;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.snapshot.SnapshotCodec;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The learner with {@code architecture=mmoe}: scoring, determinism, restore and learning. */
class MmoeLearnerTest {

    private static ModelConfig small() {
        return ModelConfig.builder()
                .embeddingDim(8)
                .bottomHidden(16)
                .architecture(Architecture.MMOE)
                .mmoeExperts(3)
                .mmoeExpertHidden(8)
                .metricsWindow(5_000)
                .conversionWindowMs(1_000)
                .build();
    }

    @Test
    void topKPartsEqualTheTrainingPassPredictionsForTheSamePairs() {
        MultiTaskLearner learner = new MultiTaskLearner(small());
        PlantedWorld world = new PlantedWorld(20, 40, 2, 3L, 0.2);
        for (int b = 0; b < 50; b++) {
            learner.learn(world.nextBatch(64));
        }
        List<ItemScore> all = learner.topK("u1", 1_000);
        assertThat(all).hasSize(learner.itemCount());

        // The same parameters, asked through the training forward pass.
        MultiTaskNetwork network = SnapshotCodec.decode(learner.toSnapshotBytes()).network();
        int userRow = network.users().rowOf("u1");
        ExampleBatch batch = new ExampleBatch();
        for (ItemScore s : all) {
            batch.add(Task.CLICK, userRow, network.items().rowOf(s.itemId()), 0f, 1f, true);
        }
        network.computeGradients(batch);
        for (int i = 0; i < all.size(); i++) {
            ItemScore s = all.get(i);
            float click = network.predict(batch, i, Task.CLICK);
            float purchase = click * network.predict(batch, i, Task.PURCHASE);
            float rating = Math.max(1f, Math.min(5f, network.predict(batch, i, Task.RATING)));
            assertThat(s.click()).as(s.itemId()).isCloseTo(click, within(1e-5f));
            assertThat(s.purchase()).as(s.itemId()).isCloseTo(purchase, within(1e-5f));
            assertThat(s.rating()).as(s.itemId()).isCloseTo(rating, within(1e-5f));
            ItemScore single = learner.score("u1", s.itemId());
            assertThat(single.score()).isCloseTo(s.score(), within(1e-5f));
        }
    }

    @Test
    void sameSeedAndInputGiveBitIdenticalMmoeModels() {
        MultiTaskLearner a = new MultiTaskLearner(small());
        MultiTaskLearner b = new MultiTaskLearner(small());
        PlantedWorld worldA = new PlantedWorld(30, 20, 2, 9L, 0.2);
        PlantedWorld worldB = new PlantedWorld(30, 20, 2, 9L, 0.2);
        for (int i = 0; i < 30; i++) {
            a.learn(worldA.nextBatch(100));
            b.learn(worldB.nextBatch(100));
        }
        assertThat(a.version()).isEqualTo(30);
        assertThat(b.toSnapshotBytes()).isEqualTo(a.toSnapshotBytes());

        MultiTaskLearner otherSeed = new MultiTaskLearner(small().toBuilder().seed(43L).build());
        PlantedWorld worldC = new PlantedWorld(30, 20, 2, 9L, 0.2);
        for (int i = 0; i < 30; i++) {
            otherSeed.learn(worldC.nextBatch(100));
        }
        assertThat(otherSeed.toSnapshotBytes()).isNotEqualTo(a.toSnapshotBytes());
    }

    @Test
    void restoredMmoeLearnerContinuesBitIdenticallyToUninterruptedTraining() {
        MultiTaskLearner uninterrupted = new MultiTaskLearner(small());
        PlantedWorld world = new PlantedWorld(30, 25, 2, 5L, 0.2);
        List<List<Interaction>> batches = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batches.add(world.nextBatch(80));
        }
        for (int i = 0; i < 20; i++) {
            uninterrupted.learn(batches.get(i));
        }
        byte[] saved = uninterrupted.toSnapshotBytes();
        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(saved);
        assertThat(restored.config().architecture()).isEqualTo(Architecture.MMOE);
        assertThat(restored.toSnapshotBytes()).isEqualTo(saved);
        for (int i = 20; i < 40; i++) {
            assertThat(restored.learn(batches.get(i)))
                    .isEqualTo(uninterrupted.learn(batches.get(i)));
        }
        assertThat(restored.toSnapshotBytes()).isEqualTo(uninterrupted.toSnapshotBytes());
        assertThat(restored.topK("u3", 5)).isEqualTo(uninterrupted.topK("u3", 5));
    }

    @Test
    void mmoeLearnsThePlantedClicksAsWellAsASharedBottomWithinTwoHundredthsOfAuc() {
        // 2,000 users x 500 items, ~77 events per user over 150 batches of 1,024. Measured with
        // this world: shared bottom 0.791, MMoE (4 experts of 32) 0.792; an uninformed model's AUC
        // over the 10,000 click examples in the window is 0.5 +- 0.01.
        double sharedBottom = plantedClickAuc(Architecture.SHARED_BOTTOM);
        double mmoe = plantedClickAuc(Architecture.MMOE);
        assertThat(mmoe).isGreaterThan(0.75);
        assertThat(mmoe).isCloseTo(sharedBottom, within(0.02));
    }

    private static double plantedClickAuc(Architecture architecture) {
        MultiTaskLearner learner =
                new MultiTaskLearner(
                        ModelConfig.builder()
                                .architecture(architecture)
                                .metricsWindow(10_000)
                                .build());
        PlantedWorld world = new PlantedWorld(2_000, 500, 3, 11L, 0.2);
        for (int b = 0; b < 150; b++) {
            learner.learn(world.nextBatch(1_024));
        }
        assertThat(learner.nanBatchesSkipped()).isZero();
        return learner.metrics().clickAuc();
    }
}
