package io.mtrec.model;

import io.mtrec.model.config.Architecture;
import io.mtrec.model.config.ModelConfig;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The purchase-private values of a row reach the purchase head and nothing else. */
class PurchasePrivateValuesTest {

    /** d = 8, the last 4 values of each row private to the purchase head. */
    private static MultiTaskLearner learner(Architecture architecture) {
        return new MultiTaskLearner(
                ModelConfig.builder()
                        .embeddingDim(8)
                        .bottomHidden(6)
                        .architecture(architecture)
                        .mmoeExperts(2)
                        .mmoeExpertHidden(4)
                        .purchasePrivateFraction(0.5)
                        .build());
    }

    /** Replaces the user's row values, keeping its slots, biases and last-seen time. */
    private static void setValues(MultiTaskLearner learner, UserRowState row, float[] values) {
        learner.importUser(
                new UserRowState(
                        row.userId(),
                        values,
                        row.slots(),
                        row.biases(),
                        row.biasSlots(),
                        row.lastSeen(),
                        row.steps()));
    }

    @ParameterizedTest(name = "architecture={0}")
    @EnumSource(Architecture.class)
    void changingAUsersPrivateValuesMovesOnlyItsPurchasePrediction(Architecture architecture) {
        MultiTaskLearner learner = learner(architecture);
        learner.learn(
                List.of(
                        Interaction.click("e1", "ann", "lamp", 1_000),
                        Interaction.impression("e2", "ann", "mug", 1_100),
                        Interaction.purchase("e3", "ann", "lamp", 1_200),
                        Interaction.rating("e4", "ann", "mug", 1_300, 4f)));
        ItemScore before = learner.score("ann", "mug");

        UserRowState row = learner.exportUser("ann");
        float[] values = row.values();
        for (int j = 4; j < 8; j++) {
            values[j] += 0.5f; // the last half: private to the purchase head
        }
        setValues(learner, row, values);
        ItemScore after = learner.score("ann", "mug");

        assertThat(after.click()).isEqualTo(before.click());
        assertThat(after.rating()).isEqualTo(before.rating());
        // P(click and purchase) = pCTR * pCVR: pCTR is unchanged, so pCVR moved.
        assertThat(after.purchase()).isNotEqualTo(before.purchase());
    }

    @ParameterizedTest(name = "architecture={0}")
    @EnumSource(Architecture.class)
    void changingAUsersSharedValuesMovesTheClickPrediction(Architecture architecture) {
        MultiTaskLearner learner = learner(architecture);
        learner.learn(List.of(Interaction.click("e1", "ann", "lamp", 1_000)));
        ItemScore before = learner.score("ann", "lamp");

        UserRowState row = learner.exportUser("ann");
        float[] values = row.values();
        values[0] += 0.5f;
        setValues(learner, row, values);

        assertThat(learner.score("ann", "lamp").click()).isNotEqualTo(before.click());
    }
}
