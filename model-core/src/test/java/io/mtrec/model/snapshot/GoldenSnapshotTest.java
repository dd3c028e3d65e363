package io.mtrec.model.snapshot;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.NegativeSamplerKind;
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

        // Format 1 had no row biases (they load as 0) and no click-time purchase predictions;
        // the learner now writes format 3, which reads back to the same bytes.
        byte[] rewritten = learner.toSnapshotBytes();
        assertThat(SnapshotCodec.formatVersionOf(rewritten)).isEqualTo(3);
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
    void formatTwoGoldenFileLoadsWithItsStateAsAUniformSamplerModel() throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_2);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(2);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.userCount()).isEqualTo(3);
        assertThat(learner.itemCount()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1);
        assertThat(learner.metrics().purchaseCount()).isEqualTo(2);
        assertThat(learner.config().negativesSampler()).isEqualTo(NegativeSamplerKind.UNIFORM);
        assertThat(learner.config().negativesPerPositive()).isEqualTo(2);

        // Its sampler's generator state is kept: it draws the same negatives as before.
        LearnerState state = SnapshotCodec.decode(golden);
        assertThat(state.sampler()).isInstanceOf(UniformNegativeSampler.class);
        byte[] rewritten = learner.toSnapshotBytes();
        assertThat(SnapshotCodec.formatVersionOf(rewritten)).isEqualTo(3);
        assertThat(SnapshotCodec.decode(rewritten).sampler().rngState())
                .isEqualTo(state.sampler().rngState());
        assertThat(MultiTaskLearner.fromSnapshotBytes(rewritten).toSnapshotBytes())
                .isEqualTo(rewritten);
        BatchResult next = learner.learn(List.of(Interaction.click("e9", "alice", "book", 3_000)));
        assertThat(next.sampledNegatives()).isEqualTo(2);
    }

    @Test
    void formatThreeGoldenFileLoadsAndTheWriterStillWritesItsBytes() throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_3);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(3);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1);
        assertThat(learner.config().negativesSampler()).isEqualTo(NegativeSamplerKind.POPULARITY);
        PopularityNegativeSampler sampler =
                (PopularityNegativeSampler) SnapshotCodec.decode(golden).sampler();
        // Clicks: alice on lamp, bob on book (batch 1), carol on book (batch 2).
        assertThat(sampler.counts()).containsExactly(2, 1, 0); // book, lamp, mug

        assertThat(learner.toSnapshotBytes()).isEqualTo(golden);
        assertThat(GoldenSnapshots.goldenLearner().toSnapshotBytes()).isEqualTo(golden);
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
