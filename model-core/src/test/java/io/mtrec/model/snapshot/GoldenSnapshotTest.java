package io.mtrec.model.snapshot;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.NegativeSamplerKind;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;
import io.mtrec.model.optim.DenseParam;
import io.mtrec.model.sampling.PopularityNegativeSampler;
import io.mtrec.model.sampling.UniformNegativeSampler;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots written by older format versions stay readable. */
class GoldenSnapshotTest {

    @Test
    void formatOneGoldenFileLoadsWithItsStateAndKeepsTraining() throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_1);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(1);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.config().embeddingDim()).isEqualTo(4);
        assertThat(learner.config().bottomHidden()).isEqualTo(6);
        assertThat(learner.config().seed()).isEqualTo(7L);
        assertThat(learner.userCount()).isEqualTo(3);
        assertThat(learner.itemCount()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1); // carol's click on book
        assertThat(learner.eventClock()).isEqualTo(2_700);
        assertThat(learner.lastEventTime("alice")).isEqualTo(2_700);
        assertThat(learner.eventsLearned()).isEqualTo(8);
        assertThat(learner.metrics().clickCount()).isEqualTo(5);
        assertThat(learner.metrics().purchaseCount()).isEqualTo(2);
        assertThat(learner.metrics().ratingCount()).isEqualTo(2);
        // Format 1 knew only uniform negatives: the model keeps drawing them.
        assertThat(learner.config().negativesSampler()).isEqualTo(NegativeSamplerKind.UNIFORM);

        assertThat(learner.config().architecture()).isEqualTo(Architecture.SHARED_BOTTOM);

        // Format 1 had no row biases (they load as 0), no click-time purchase predictions and
        // trained purchases in click space; the learner now writes the current format, which reads
        // back to the same bytes.
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.CLICK_SPACE);
        assertThat(learner.config().taskWeighting()).isEqualTo(TaskWeighting.STATIC);
        assertThat(learner.config().ratingLoss()).isEqualTo(RatingLoss.MSE);
        byte[] rewritten = learner.toSnapshotBytes();
        assertThat(SnapshotCodec.formatVersionOf(rewritten))
                .isEqualTo(SnapshotCodec.FORMAT_VERSION);
        assertThat(MultiTaskLearner.fromSnapshotBytes(rewritten).toSnapshotBytes())
                .isEqualTo(rewritten);

        List<ItemScore> top = learner.topK("alice", 3);
        assertThat(top)
                .extracting(ItemScore::itemId)
                .containsExactlyInAnyOrder("book", "lamp", "mug");
        BatchResult next = learner.learn(List.of(Interaction.click("e9", "dave", "mug", 3_000)));
        assertThat(next.applied()).isTrue();
        assertThat(learner.version()).isEqualTo(4);
    }

    @Test
    void formatTwoGoldenFileLoadsAsASharedBottomClickSpaceModelWithTheEmbeddingOptionsOff()
            throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_2);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(2);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.userCount()).isEqualTo(3);
        assertThat(learner.itemCount()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1);
        assertThat(learner.metrics().purchaseCount()).isEqualTo(2);
        // Format 2 predates the architecture entry: it was written by a shared-bottom model.
        assertThat(learner.config().architecture()).isEqualTo(Architecture.SHARED_BOTTOM);
        LearnerState state = SnapshotCodec.decode(golden);
        assertThat(state.network().mmoe()).isEmpty();
        assertThat(state.network().denseParams()).hasSize(2 + 3 * 2);

        byte[] rewritten = learner.toSnapshotBytes();
        assertThat(SnapshotCodec.formatVersionOf(rewritten)).isEqualTo(3);
        assertThat(MultiTaskLearner.fromSnapshotBytes(rewritten).toSnapshotBytes())
                .isEqualTo(rewritten);
        assertThat(learner.topK("alice", 3))
                .extracting(ItemScore::itemId)
                .containsExactlyInAnyOrder("book", "lamp", "mug");
        assertThat(learner.config().embeddingTtlMs()).isZero();
        assertThat(learner.config().admissionMinCount()).isEqualTo(1);
        assertThat(learner.config().itemTextDim()).isZero();
        assertThat(learner.trackedSightings()).isZero();

        // Format 2 held the model the same learner holds now (only the dense parameters' step
        // counts, which format 2 did not store and only Adam reads, load as 0): it scores alike.
        // Click space, static weights and squared error are what format 2 trained with.
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.CLICK_SPACE);
        MultiTaskLearner same =
                GoldenSnapshots.goldenLearner(
                        GoldenSnapshots.goldenConfig()
                                .purchaseTraining(PurchaseTraining.CLICK_SPACE)
                                .build());
        for (String user : List.of("alice", "bob", "carol")) {
            assertThat(learner.topK(user, 3)).isEqualTo(same.topK(user, 3));
        }
        assertThat(learner.metrics()).isEqualTo(same.metrics());
        assertThat(learner.config().negativesSampler()).isEqualTo(NegativeSamplerKind.UNIFORM);
        assertThat(learner.config().negativesPerPositive()).isEqualTo(2);
        // Its sampler's generator state is kept: it draws the same negatives as before.
        assertThat(state.sampler()).isInstanceOf(UniformNegativeSampler.class);
        assertThat(SnapshotCodec.decode(rewritten).sampler().rngState())
                .isEqualTo(state.sampler().rngState());
        BatchResult next = learner.learn(List.of(Interaction.click("e9", "alice", "book", 3_000)));
        assertThat(next.sampledNegatives()).isEqualTo(2);
    }

    @Test
    void formatThreeGoldenFileLoadsAndTheWriterStillWritesItsBytes() throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_3);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(3);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.config().architecture()).isEqualTo(Architecture.MMOE);
        LearnerState state = SnapshotCodec.decode(golden);
        assertThat(state.network().mmoe()).isPresent();
        assertThat(state.network().denseParams())
                .extracting(DenseParam::name)
                .containsExactly(
                        "bottom.0.weight",
                        "bottom.0.bias",
                        "mmoe.experts.weight",
                        "mmoe.experts.bias",
                        "mmoe.gates.weight",
                        "mmoe.gates.bias",
                        "click.weight",
                        "click.bias",
                        "purchase.weight",
                        "purchase.bias",
                        "rating.weight",
                        "rating.bias",
                        "item.text.projection");
        assertThat(learner.config().embeddingTtlMs()).isEqualTo(1_000);
        assertThat(learner.config().admissionMinCount()).isEqualTo(2);
        assertThat(learner.config().itemTextDim()).isEqualTo(2);
        // The sweep before the last batch evicted lamp (and its text) and alice's first row; alice
        // came back and waits in the cold row with one sighting.
        assertThat(learner.itemTextEmbedding("book")).containsExactly(0.5f, -1f);
        assertThat(learner.itemTextEmbedding("lamp")).isNull();
        assertThat(learner.exportUser("alice")).isNull();
        assertThat(learner.exportUser("carol")).isNotNull();
        assertThat(learner.trackedSightings()).isEqualTo(1);
        assertThat(learner.config().negativesSampler()).isEqualTo(NegativeSamplerKind.POPULARITY);
        PopularityNegativeSampler sampler = (PopularityNegativeSampler) state.sampler();
        // Clicks per item row: the cold row (mug's impression, no click), book (bob's and carol's
        // clicks), mug (admitted on its second sighting); lamp's row and its click were evicted.
        assertThat(sampler.counts()).containsExactly(0L, 2L, 0L);
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.ESMM);

        assertThat(learner.toSnapshotBytes()).isEqualTo(golden);
        assertThat(GoldenSnapshots.goldenLearnerWithEmbeddingOptions().toSnapshotBytes())
                .isEqualTo(golden);
    }

    @Test
    void goldenLearnerStateMatchesWhatTheFileDescribes() {
        MultiTaskLearner fresh = GoldenSnapshots.goldenLearner();
        assertThat(fresh.version()).isEqualTo(3);
        assertThat(fresh.pendingClicks()).isEqualTo(1);
        assertThat(fresh.metrics().purchaseCount()).isEqualTo(2);
    }

    static byte[] read(String resource) throws IOException {
        try (InputStream in =
                GoldenSnapshotTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        }
    }
}
