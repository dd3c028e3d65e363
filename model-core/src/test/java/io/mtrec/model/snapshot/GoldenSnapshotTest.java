package io.mtrec.model.snapshot;

import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.config.RatingLoss;
import io.mtrec.model.config.TaskWeighting;

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

        // Format 1 had no row biases (they load as 0), no click-time purchase predictions and
        // trained purchases in click space; the learner now writes format 3, which reads back to
        // the same bytes.
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.CLICK_SPACE);
        assertThat(learner.config().taskWeighting()).isEqualTo(TaskWeighting.STATIC);
        assertThat(learner.config().ratingLoss()).isEqualTo(RatingLoss.MSE);
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
    void formatTwoGoldenFileLoadsInClickSpaceAsTheStateTodaysClickSpaceLearnerReaches()
            throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_2);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(2);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.userCount()).isEqualTo(3);
        assertThat(learner.itemCount()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1);
        assertThat(learner.metrics().purchaseCount()).isEqualTo(2);
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.CLICK_SPACE);

        // Click space, static weights and squared error are what format 2 trained with: the same
        // events learned that way today give exactly the loaded state.
        MultiTaskLearner clickSpace =
                GoldenSnapshots.goldenLearner(
                        GoldenSnapshots.goldenConfig()
                                .purchaseTraining(PurchaseTraining.CLICK_SPACE)
                                .build());
        assertThat(learner.toSnapshotBytes()).isEqualTo(clickSpace.toSnapshotBytes());
    }

    @Test
    void formatThreeGoldenFileLoadsAndTheWriterStillWritesItsBytes() throws IOException {
        byte[] golden = read(GoldenSnapshots.FORMAT_3);
        assertThat(SnapshotCodec.formatVersionOf(golden)).isEqualTo(3);

        MultiTaskLearner learner = MultiTaskLearner.fromSnapshotBytes(golden);
        assertThat(learner.version()).isEqualTo(3);
        assertThat(learner.userCount()).isEqualTo(3);
        assertThat(learner.itemCount()).isEqualTo(3);
        assertThat(learner.pendingClicks()).isEqualTo(1);
        assertThat(learner.metrics().purchaseCount()).isEqualTo(2);
        assertThat(learner.config().purchaseTraining()).isEqualTo(PurchaseTraining.ESMM);

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
